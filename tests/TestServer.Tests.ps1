# Tests of the test server itself: its default API, one behaviour of each kind, the admin API and
# the helper module. Raw HttpClient calls, so status codes, headers and cut streams are visible.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule -TestServerOnly
    $script:server = Start-LaminiTestServer
    $handler = [System.Net.Http.HttpClientHandler]::new()
    $handler.UseProxy = $false
    $script:client = [System.Net.Http.HttpClient]::new($handler)

    function New-ApiRequest([string] $Path, [string] $Body, [switch] $NoAuth) {
        $method = if ($Body) { 'POST' } else { 'GET' }
        $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($method), [uri]::new($server.RootUri, $Path))
        if (-not $NoAuth) {
            $request.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $server.ApiKey)
        }
        if ($Body) {
            $request.Content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8, 'application/json')
        }
        $request
    }

    # Sends one API request; -Stream returns as soon as the headers are in.
    function Send-Api {
        param(
            [string] $Path,
            [string] $Body,
            [switch] $NoAuth,
            [switch] $Stream,
            [System.Threading.CancellationToken] $CancellationToken = [System.Threading.CancellationToken]::None
        )
        $completion = if ($Stream) { 'ResponseHeadersRead' } else { 'ResponseContentRead' }
        $request = New-ApiRequest $Path $Body -NoAuth:$NoAuth
        $client.SendAsync($request, [System.Net.Http.HttpCompletionOption]$completion, $CancellationToken).GetAwaiter().GetResult()
    }

    function Read-Body($Response) {
        $Response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    }

    # The lines of an event stream, and whether it ended early (connection cut).
    function Read-SseLine($Response) {
        $reader = [System.IO.StreamReader]::new($Response.Content.ReadAsStreamAsync().GetAwaiter().GetResult())
        $lines = [System.Collections.Generic.List[string]]::new()
        $truncated = $false
        try {
            while ($null -ne ($line = $reader.ReadLine())) { $lines.Add($line) }
        } catch [System.IO.IOException] {
            $truncated = $true
        } finally {
            $reader.Dispose()
        }
        [pscustomobject]@{ Lines = $lines.ToArray(); Truncated = $truncated }
    }

    function Get-SseData([string[]] $Lines) {
        $Lines | Where-Object { $_.StartsWith('data: ') } | ForEach-Object { $_.Substring(6) }
    }

    $script:chatBody = '{"model":"m1","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello big world"}]}'
}

AfterAll {
    $client.Dispose()
    Stop-LaminiTestServer -Server $server
}

Describe 'LaminiPS test server' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'default API' {
        It 'serves the models at the root and under /inf, and only with the key' {
            $server.BaseUri.AbsoluteUri | Should -BeLike 'http://127.0.0.1:*/inf'
            Read-Body (Send-Api 'models') | Should -Be (Get-Content -Raw "$PSScriptRoot/fixtures/models.json")
            (Send-Api 'inf/models').StatusCode | Should -Be 200

            $unauthorized = Send-Api 'inf/models' -NoAuth
            [int]$unauthorized.StatusCode | Should -Be 401
            (Read-Body $unauthorized | ConvertFrom-Json).error.code | Should -Be 'invalid_api_key'

            $notFound = Send-Api 'inf//models'
            [int]$notFound.StatusCode | Should -Be 404
            (Read-Body $notFound | ConvertFrom-Json).error.code | Should -Be 'not_found'
        }

        It 'serves the same API under a fresh base URI, a new one for every Get-LaminiTestFreshUri' {
            $first = Get-LaminiTestFreshUri -Server $server
            $second = Get-LaminiTestFreshUri -Server $server
            $first | Should -Not -Be $second
            $first.AbsoluteUri | Should -BeLike "$($server.RootUri.AbsoluteUri)_fresh/*/inf"
            Read-Body (Send-Api ($first.AbsolutePath.TrimStart('/') + '/models')) | Should -Be (Get-Content -Raw "$PSScriptRoot/fixtures/models.json")
            (Read-Body (Send-Api ($second.AbsolutePath.TrimStart('/') + '/chat/completions') -Body $chatBody) | ConvertFrom-Json).choices[0].message.content |
                Should -Be 'Echo: hello big world'
            [int](Send-Api '_fresh/models').StatusCode | Should -Be 404 -Because 'the prefix is /_fresh/<name>, then the API'
        }

        It 'echoes the last message, counts words as tokens and returns n choices' {
            $reply = Read-Body (Send-Api 'inf/chat/completions' -Body $chatBody.Replace('"messages"', '"n":2,"messages"')) | ConvertFrom-Json
            $reply.id | Should -Match '^chatcmpl-[0-9a-f]{32}$'
            $reply.model | Should -Be 'm1'
            $reply.choices.message.content | Should -Be @('Echo: hello big world', 'Echo: hello big world (choice 1)')
            $reply.usage.prompt_tokens | Should -Be 5
            $reply.usage.completion_tokens | Should -Be 10
            $reply.usage.total_tokens | Should -Be 15
        }

        It 'streams the echo word by word, with a usage chunk when asked' {
            $body = $chatBody.Replace('"messages"', '"stream":true,"stream_options":{"include_usage":true},"messages"')
            $response = Send-Api 'chat/completions' -Body $body -Stream
            $response.Content.Headers.ContentType.MediaType | Should -Be 'text/event-stream'
            $data = Get-SseData (Read-SseLine $response).Lines

            $data[-1] | Should -Be '[DONE]'
            $chunks = $data[0..($data.Count - 2)] | ConvertFrom-Json
            $chunks[0].choices[0].delta.role | Should -Be 'assistant'
            -join ($chunks | ForEach-Object { $_.choices } | ForEach-Object { $_.delta.content }) | Should -Be 'Echo: hello big world'
            $chunks[-2].choices[0].finish_reason | Should -Be 'stop'
            $chunks[-1].choices.Count | Should -Be 0
            $chunks[-1].usage.total_tokens | Should -Be 9
        }

        It 'answers a body that is not JSON with a vLLM flat 400' {
            $response = Send-Api 'inf/chat/completions' -Body '{"model":'
            [int]$response.StatusCode | Should -Be 400
            $error400 = Read-Body $response | ConvertFrom-Json
            $error400.object | Should -Be 'error'
            $error400.code | Should -Be 400
        }
    }

    Context 'behaviours' {
        It 'applies the first matching behaviour with uses left, then the default reply' {
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ match = 'nomatch'; status = 500 }
                @{ status = 429; times = 2; headers = @{ 'Retry-After' = 1; 'x-should-retry' = 'true' }; errorFixture = 'litellm_429' }
            )
            1..2 | ForEach-Object {
                $limited = Send-Api 'inf/chat/completions' -Body $chatBody
                [int]$limited.StatusCode | Should -Be 429
                $limited.Headers.RetryAfter.Delta | Should -Be ([timespan]::FromSeconds(1))
                ($limited.Headers.GetValues('x-should-retry')) | Should -Be 'true'
                (Read-Body $limited | ConvertFrom-Json).error.code | Should -Be '429'
            }
            (Send-Api 'inf/chat/completions' -Body $chatBody).StatusCode | Should -Be 200
            (Get-LaminiTestRequest -Server $server).behavior | Should -Be @(1, 1, $null)
        }

        It 'serves raw bodies, fixture files and content, and skips auth only when told' {
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ path = 'models'; status = 502; rawBody = '<html>Bad gateway</html>'; contentType = 'text/html' }
                @{ match = 'fixture'; fixture = 'chat-completion-max-tokens.json' }
                @{ match = 'think'; skipAuth = $true; content = 'Done.'; finishReason = 'length'; reasoningContent = 'Hmm.' }
            )
            $gateway = Send-Api 'inf/models'
            [int]$gateway.StatusCode | Should -Be 502
            $gateway.Content.Headers.ContentType.MediaType | Should -Be 'text/html'
            Read-Body $gateway | Should -Be '<html>Bad gateway</html>'

            (Read-Body (Send-Api 'inf/chat/completions' -Body '{"fixture":1}') | ConvertFrom-Json).choices[0].finish_reason | Should -Be 'length'

            $choice = (Read-Body (Send-Api 'inf/chat/completions' -Body '{"model":"m","messages":[{"content":"think"}]}' -NoAuth) | ConvertFrom-Json).choices[0]
            $choice.message.content | Should -Be 'Done.'
            $choice.message.reasoning_content | Should -Be 'Hmm.'
            $choice.finish_reason | Should -Be 'length'
        }

        It 'streams scripted events over time and cuts a stream after cutAfter events' {
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ sse = @(@{ raw = ": keep-alive`n`n" }, @{ data = "a`nb" }, @{ data = '[DONE]' }); sseEventDelayMs = 100 }
                @{ sseFixture = 'stream-basic.sse'; cutAfter = 2 }
            )
            (Read-SseLine (Send-Api 'inf/chat/completions' -Body $chatBody -Stream)).Lines |
                Should -Be @(': keep-alive', '', 'data: a', 'data: b', '', 'data: [DONE]', '')

            $cut = Read-SseLine (Send-Api 'inf/chat/completions' -Body $chatBody -Stream)
            $cut.Truncated | Should -BeTrue
            (Get-SseData $cut.Lines).Count | Should -Be 2

            $times = (Get-LaminiTestRequest -Server $server)[0].eventTimes
            $times.Count | Should -Be 3
            ($times[2] - $times[0]).TotalMilliseconds | Should -BeGreaterThan 150
        }

        It 'drops the connection without an answer' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ drop = $true }
            $failure = { Send-Api 'inf/models' } | Should -Throw -PassThru
            $failure.Exception.InnerException | Should -BeOfType [System.Net.Http.HttpRequestException]
            (Get-LaminiTestRequest -Server $server).status | Should -Be 0
        }

        It 'sends a raw response byte for byte, even one Kestrel would refuse, then ends the connection' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawResponse = "HTTP/1.1 200 OK`r`nContent-Type: text/plain`r`nX-Odd: 1`r`nConnection: close`r`n`r`nraw body" }
            $response = Send-Api 'inf/models'
            [int]$response.StatusCode | Should -Be 200
            $response.Headers.GetValues('X-Odd') | Should -Be '1'
            Read-Body $response | Should -BeExactly 'raw body'
            (Get-LaminiTestRequest -Server $server).status | Should -Be 0
        }

        It 'refuses a raw response together with a status or headers' {
            { Add-LaminiTestBehavior -Server $server -Behavior @{ rawResponse = 'HTTP/1.1 200 OK'; status = 200 } } | Should -Throw '*rawResponse is the whole answer*'
        }

        It 'stops waiting when the client gives up' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 10000 }
            $cancel = [System.Threading.CancellationTokenSource]::new(200)
            { Send-Api 'inf/models' -CancellationToken $cancel.Token } | Should -Throw
            $record = Get-LaminiTestRequest -Server $server -Settled
            $record.clientAborted | Should -BeTrue
            $record.status | Should -Be 0
            ($record.completedAt - $record.receivedAt).TotalSeconds | Should -BeLessThan 2
        }
    }

    Context 'admin API' {
        It 'records each request with its headers, body and times' {
            $null = Send-Api 'inf/chat/completions?x=1' -Body $chatBody
            $record = Get-LaminiTestRequest -Server $server -Path '*/chat/completions' -Settled
            $record.seq | Should -Be 1
            $record.method | Should -Be 'POST'
            $record.query | Should -Be '?x=1'
            $record.headers.Authorization | Should -Be "Bearer $($server.ApiKey)"
            $record.body | Should -Be $chatBody
            $record.Json.messages[1].content | Should -Be 'hello big world'
            $record.receivedAt | Should -BeOfType [DateTimeOffset]
            $record.completedAt | Should -BeGreaterOrEqual $record.receivedAt
            $record.status | Should -Be 200
        }

        It 'counts requests in flight' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 300; times = -1 }
            $tasks = 1..5 | ForEach-Object { $client.SendAsync((New-ApiRequest 'inf/models')) }
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks)
            $stats = Get-LaminiTestStats -Server $server
            $stats.total | Should -Be 5
            $stats.inFlight | Should -Be 0
            $stats.maxInFlight | Should -Be 5
        }

        It 'refuses a behaviour with an unknown field' {
            { Add-LaminiTestBehavior -Server $server -Behavior @{ delay = 5 } } | Should -Throw '*delay*'
        }
    }
}
