# The fault matrix: every transient and permanent fault the service (or a gateway in front of it)
# produces, driven through Invoke-LaminiChat against the local test server. Transient faults must
# succeed after the right number of retries with the waits honoured (asserted from the request
# times the server recorded); permanent ones must fail at once; every final error carries its
# documented id and category, the server's message, the attempt count, the request id and the
# prompt. Kept fast: small Retry-After values, -RetryIntervalSec 0.05, -TimeoutSec 1. The idle
# deadline of streams is tested in Streaming.Tests.ps1, Ctrl+C in Stopping.Tests.ps1.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ RetryIntervalSec = 0.05 }
    # Request times are recorded to the millisecond; allow for that rounding and nothing more.
    $script:tolerance = 0.02

    # Runs one prompt and gathers everything a fault test looks at.
    function script:Invoke-Fault {
        param(
            [string] $Prompt = 'fault prompt',
            [hashtable] $Parameters = @{}
        )
        $all = Join-Splat $conn $Parameters
        $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-Captured { Invoke-LaminiChat -Prompt $Prompt @all -Verbose -ErrorAction Continue }
        $stopwatch.Stop()
        $result | Add-Member -PassThru -NotePropertyMembers ([ordered]@{
                Retries  = @($result.Verbose | Where-Object { $_ -like 'Attempt *' })
                Requests = @(Get-ChatRequest $server -Settled)
                Elapsed  = $stopwatch.Elapsed.TotalSeconds
            })
    }

    # Seconds between the arrival of consecutive requests.
    function script:Get-Gap([object[]] $Requests) {
        for ($i = 1; $i -lt $Requests.Count; $i++) {
            ($Requests[$i].receivedAt - $Requests[$i - 1].receivedAt).TotalSeconds
        }
    }

    # The one error of a failed prompt, checked for everything every final error must carry.
    function script:Assert-FinalError {
        param(
            [object] $Result,
            [string] $Id,
            [System.Management.Automation.ErrorCategory] $Category,
            [string] $Prompt = 'fault prompt',
            [int] $Attempts
        )
        $Result.Replies | Should -BeNullOrEmpty
        $Result.Errors | Should -HaveCount 1
        $err = $Result.Errors[0]
        $err.FullyQualifiedErrorId | Should -Be "$Id,LaminiPS.Commands.InvokeLaminiChatCommand"
        $err.CategoryInfo.Category | Should -Be $Category
        $err.TargetObject | Should -Be $Prompt
        $err.Exception | Should -BeOfType 'LaminiPS.Models.LaminiApiException'
        $err.Exception.Attempts | Should -Be $Attempts
        if ($Attempts -gt 1) {
            $err.Exception.Message | Should -BeLike "*Gave up after $Attempts attempts.*"
        } else {
            $err.Exception.Message | Should -Not -BeLike '*Gave up after*'
        }
        $Result.Requests | Should -HaveCount $Attempts
        $err
    }

    # A gateway error page as nginx/Cloudflare send them: long, with scripts and styles.
    $script:gatewayPage = @"
<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title>
<style>body { font-family: sans-serif; } .x { color: red; }</style>
<script>window.dataLayer = window.dataLayer || []; function gtag(){ dataLayer.push(arguments); }</script>
</head><body>
<center><h1>502 Bad Gateway</h1></center>
<p>The upstream server returned an invalid response.</p>
$((1..30 | ForEach-Object { '<p>' + ('padding text ' * 40) + '</p>' }) -join "`n")
<hr><center>nginx/1.25.3</center>
</body></html>
"@
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Invoke-LaminiChat under faults' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'transient faults succeed after retries' {
        It '<Name>: <Times> failure(s), then a reply' -ForEach @(
            @{ Name = '429 rate limit'; Times = 2; Behavior = @{ status = 429; errorFixture = 'litellm_429' }; Status = 429; Reported = 'HTTP 429' }
            @{ Name = '500 server error'; Times = 2; Behavior = @{ status = 500; body = @{ error = @{ message = 'Internal error'; type = 'server_error' } } }; Status = 500; Reported = 'HTTP 500' }
            @{ Name = '502 gateway page'; Times = 2; Behavior = @{ status = 502; contentType = 'text/html'; rawBody = '<html><body><h1>502 Bad Gateway</h1></body></html>' }; Status = 502; Reported = 'HTTP 502' }
            @{ Name = '503 unavailable'; Times = 2; Behavior = @{ status = 503; contentType = 'text/plain'; rawBody = 'Service Unavailable' }; Status = 503; Reported = 'HTTP 503' }
            @{ Name = '513 model downloading'; Times = 2; Behavior = @{ status = 513; body = @{ object = 'error'; message = 'Model is still being downloaded'; type = 'ServiceUnavailable'; code = 513 } }; Status = 513; Reported = 'HTTP 513' }
            @{ Name = '524 gateway timeout'; Times = 2; Behavior = @{ status = 524; contentType = 'text/plain'; rawBody = 'error code: 524' }; Status = 524; Reported = 'HTTP 524' }
            @{ Name = '408 request timeout'; Times = 2; Behavior = @{ status = 408 }; Status = 408; Reported = 'HTTP 408' }
            @{ Name = '409 conflict'; Times = 2; Behavior = @{ status = 409 }; Status = 409; Reported = 'HTTP 409' }
            @{ Name = 'dropped connection'; Times = 2; Behavior = @{ drop = $true }; Status = 0; Reported = 'ConnectionFailed' }
            @{ Name = 'attempt timeout'; Times = 1; Behavior = @{ delayMs = 5000 }; Status = 0; Reported = 'Timeout'; Parameters = @{ TimeoutSec = 1 } }
        ) {
            $behavior = $Behavior.Clone()
            $behavior.times = $Times
            Add-LaminiTestBehavior -Server $server -Behavior $behavior
            $extra = if ($Parameters) { $Parameters } else { @{} }

            $result = Invoke-Fault -Prompt "retry $Name" -Parameters $extra

            $result.Errors | Should -BeNullOrEmpty
            $result.Replies | Should -HaveCount 1
            $result.Replies[0].Content | Should -Be "Echo: retry $Name"
            $result.Replies[0].Prompt | Should -Be "retry $Name"
            $result.Requests | Should -HaveCount ($Times + 1)
            $result.Requests[0..($Times - 1)].status | Should -Be (@($Status) * $Times)
            $result.Requests[-1].status | Should -Be 200
            # Every attempt sent the same request.
            ($result.Requests.body | Select-Object -Unique) | Should -HaveCount 1
            if ($Reported -eq 'Timeout') {
                $result.Requests[0].clientAborted | Should -BeTrue
                $result.Elapsed | Should -BeLessThan 4
            }
            # One verbose line per retry: attempt, what failed, how long it waits.
            $result.Retries | Should -HaveCount $Times
            for ($i = 0; $i -lt $Times; $i++) {
                $result.Retries[$i] | Should -Match ("^Attempt $($i + 1) of 3 failed \($Reported\); retrying in \d+(\.\d+)? s\.$")
            }
            # Exponential backoff from -RetryIntervalSec 0.05, less at most 25 % jitter.
            $gaps = @(Get-Gap $result.Requests)
            for ($i = 0; $i -lt $Times; $i++) {
                $gaps[$i] | Should -BeGreaterOrEqual (0.75 * 0.05 * [math]::Pow(2, $i) - $tolerance)
            }
        }
    }

    Context 'the waits the server asks for are honoured' {
        It 'retry-after-ms 300 on a 503: the retry comes at least 0.3 s later, and says so' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 1; headers = @{ 'retry-after-ms' = '300' } }
            $result = Invoke-Fault
            $result.Replies | Should -HaveCount 1
            $result.Requests | Should -HaveCount 2
            $gap = @(Get-Gap $result.Requests)[0]
            $gap | Should -BeGreaterOrEqual (0.3 - $tolerance)
            $gap | Should -BeLessThan 3
            $result.Retries | Should -Be 'Attempt 1 of 3 failed (HTTP 503); retrying in 0.3 s.'
        }

        It 'Retry-After: 1 (seconds) on a 429: the retry comes at least 1 s later' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 429; times = 1; errorFixture = 'litellm_429'; headers = @{ 'Retry-After' = '1' } }
            $result = Invoke-Fault
            $result.Replies | Should -HaveCount 1
            $result.Requests | Should -HaveCount 2
            $gap = @(Get-Gap $result.Requests)[0]
            $gap | Should -BeGreaterOrEqual (1 - $tolerance)
            $gap | Should -BeLessThan 4
            $result.Retries | Should -Be 'Attempt 1 of 3 failed (HTTP 429); retrying in 1 s.'
        }

        It 'retry-after-ms wins over Retry-After when both are sent' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 1; headers = @{ 'retry-after-ms' = '250'; 'Retry-After' = '30' } }
            $result = Invoke-Fault
            $result.Replies | Should -HaveCount 1
            $gap = @(Get-Gap $result.Requests)[0]
            $gap | Should -BeGreaterOrEqual (0.25 - $tolerance)
            $gap | Should -BeLessThan 5
        }

        It 'Retry-After as an HTTP date: the retry waits until that moment' {
            $now = [DateTimeOffset]::UtcNow
            # Whole seconds only, as HTTP dates have: between 1 and 2 s from now.
            $when = [DateTimeOffset]::new($now.Year, $now.Month, $now.Day, $now.Hour, $now.Minute, $now.Second, [TimeSpan]::Zero).AddSeconds(2)
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 1; headers = @{ 'Retry-After' = $when.ToString('r', [cultureinfo]::InvariantCulture) } }
            $result = Invoke-Fault
            $result.Replies | Should -HaveCount 1
            $result.Requests | Should -HaveCount 2
            ($result.Requests[1].receivedAt - $when).TotalSeconds | Should -BeGreaterOrEqual (-$tolerance)
            @(Get-Gap $result.Requests)[0] | Should -BeGreaterOrEqual (($when - $result.Requests[0].receivedAt).TotalSeconds - $tolerance)
            $result.Retries[0] | Should -Match '^Attempt 1 of 3 failed \(HTTP 503\); retrying in [01](\.\d+)? s\.$'
        }

        It 'a Retry-After date in the past falls back to the backoff' {
            $past = [DateTimeOffset]::UtcNow.AddMinutes(-5).ToString('r', [cultureinfo]::InvariantCulture)
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 1; headers = @{ 'Retry-After' = $past } }
            $result = Invoke-Fault
            $result.Replies | Should -HaveCount 1
            @(Get-Gap $result.Requests)[0] | Should -BeLessThan 2
        }

        It 'without a hint, waits grow exponentially from -RetryIntervalSec and stop growing at 16 times it' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 6 }
            $result = Invoke-Fault -Parameters @{ RetryIntervalSec = 0.04; MaximumRetryCount = 6 }
            $result.Replies | Should -HaveCount 1
            $result.Requests | Should -HaveCount 7
            $gaps = @(Get-Gap $result.Requests)
            for ($i = 0; $i -lt 6; $i++) {
                $nominal = [math]::Min(0.04 * [math]::Pow(2, $i), 0.64)
                $gaps[$i] | Should -BeGreaterOrEqual (0.75 * $nominal - $tolerance) -Because "retry $($i + 1) waits min(0.04 * 2^$i, 0.64) s less at most 25 %"
            }
            $result.Retries | Should -HaveCount 6
            $result.Retries[-1] -match '^Attempt 6 of 7 failed \(HTTP 503\); retrying in (?<wait>\d+(\.\d+)?) s\.$' | Should -BeTrue
            # Capped at 16 * 0.04 = 0.64 s; uncapped it would be 1.28 s less at most 25 %.
            [double]$Matches.wait | Should -BeGreaterOrEqual 0.48
            [double]$Matches.wait | Should -BeLessOrEqual 0.64
        }
    }

    Context 'x-should-retry overrides the status rules' {
        It 'x-should-retry: false on a 503 is not retried' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = -1; headers = @{ 'x-should-retry' = 'false'; 'x-request-id' = 'req-noretry' }; rawBody = 'Service Unavailable'; contentType = 'text/plain' }
            $result = Invoke-Fault
            $err = Assert-FinalError $result -Id ServiceUnavailable -Category ResourceUnavailable -Attempts 1
            $err.Exception.Message | Should -BeLike '*Request id: req-noretry*'
            $result.Retries | Should -BeNullOrEmpty
        }

        It 'x-should-retry: true on a 400 is retried' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; times = 1; headers = @{ 'x-should-retry' = 'true' }; errorFixture = 'vllm_flat_400' }
            $result = Invoke-Fault
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies | Should -HaveCount 1
            $result.Requests.status | Should -Be @(400, 200)
            $result.Retries | Should -Match '^Attempt 1 of 3 failed \(HTTP 400\)'
        }
    }

    Context 'permanent faults are never retried' {
        It '<Status> fails at once with <Id> / <Category>' -ForEach @(
            @{ Status = 400; Behavior = @{ errorFixture = 'vllm_flat_400' }; Id = 'BadRequest'; Category = 'InvalidArgument'; ServerMessage = "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens." }
            @{ Status = 401; Behavior = @{ errorFixture = 'openai_nested_401' }; Id = 'Unauthorized'; Category = 'PermissionDenied'; ServerMessage = 'Incorrect API key provided.' }
            @{ Status = 403; Behavior = @{ errorFixture = 'fastapi_detail_string' }; Id = 'PermissionDenied'; Category = 'PermissionDenied'; ServerMessage = 'Invalid API key' }
            @{ Status = 404; Behavior = @{ errorFixture = 'vllm_flat_404' }; Id = 'ModelNotFound'; Category = 'ObjectNotFound'; ServerMessage = 'The model `meta-llama/Nope` does not exist.'; Model = 'meta-llama/Nope' }
            @{ Status = 422; Behavior = @{ errorFixture = 'fastapi_422' }; Id = 'BadRequest'; Category = 'InvalidArgument'; ServerMessage = 'body.messages: field required' }
            @{ Status = 594; Behavior = @{ body = @{ detail = 'Model meta-llama/Nope not found' } }; Id = 'ModelNotFound'; Category = 'ObjectNotFound'; ServerMessage = 'Model meta-llama/Nope not found'; Model = 'meta-llama/Nope' }
        ) {
            $behavior = $Behavior.Clone()
            $behavior.status = $Status
            $behavior.times = -1
            $behavior.headers = @{ 'x-request-id' = "req-$Status" }
            Add-LaminiTestBehavior -Server $server -Behavior $behavior
            $parameters = if ($Model) { @{ Model = $Model } } else { @{} }

            $result = Invoke-Fault -Parameters $parameters

            $err = Assert-FinalError $result -Id $Id -Category $Category -Attempts 1
            $err.Exception.StatusCode | Should -Be $Status
            $err.Exception.ServerMessage | Should -Be $ServerMessage
            $err.Exception.Message | Should -Match ('\(HTTP {0}[^)]*\): {1}' -f $Status, [regex]::Escape($ServerMessage))
            $err.Exception.RequestId | Should -Be "req-$Status"
            $err.Exception.Message | Should -BeLike "*Request id: req-$Status.*"
            if ($Model) { $err.Exception.Message | Should -BeLike "*'$Model'*" }
            $result.Retries | Should -BeNullOrEmpty
        }
    }

    Context 'final errors after the retries run out' {
        It '<Status> x3: <Id> / <Category> with the server message, attempts and request id' -ForEach @(
            @{ Status = 429; Behavior = @{ errorFixture = 'litellm_429' }; Id = 'RateLimited'; Category = 'LimitsExceeded'; ServerMessage = 'litellm.RateLimitError: Rate limit reached for requests' }
            @{ Status = 500; Behavior = @{ body = @{ error = @{ message = 'The engine crashed'; type = 'server_error'; param = $null; code = $null } } }; Id = 'ServerError'; Category = 'ResourceUnavailable'; ServerMessage = 'The engine crashed' }
            @{ Status = 503; Behavior = @{ contentType = 'text/plain'; rawBody = "upstream connect error or disconnect/reset before headers. reset reason: connection failure`n" }; Id = 'ServiceUnavailable'; Category = 'ResourceUnavailable'; ServerMessage = 'upstream connect error or disconnect/reset before headers. reset reason: connection failure' }
            @{ Status = 513; Behavior = @{ body = @{ object = 'error'; message = 'Model is still being downloaded'; type = 'ServiceUnavailable'; code = 513 } }; Id = 'ServiceUnavailable'; Category = 'ResourceUnavailable'; ServerMessage = 'Model is still being downloaded' }
            @{ Status = 524; Behavior = @{ contentType = 'text/plain'; rawBody = 'error code: 524' }; Id = 'Timeout'; Category = 'OperationTimeout'; ServerMessage = 'error code: 524' }
            @{ Status = 408; Behavior = @{ body = @{ detail = 'Request timed out' } }; Id = 'Timeout'; Category = 'OperationTimeout'; ServerMessage = 'Request timed out' }
            @{ Status = 409; Behavior = @{ body = @{ error = @{ message = 'Conflicting request in progress' } } }; Id = 'UnexpectedStatus'; Category = 'ProtocolError'; ServerMessage = 'Conflicting request in progress' }
        ) {
            $behavior = $Behavior.Clone()
            $behavior.status = $Status
            $behavior.times = -1
            $behavior.headers = @{ 'x-request-id' = "req-final-$Status" }
            Add-LaminiTestBehavior -Server $server -Behavior $behavior

            $result = Invoke-Fault

            $err = Assert-FinalError $result -Id $Id -Category $Category -Attempts 3
            $err.Exception.StatusCode | Should -Be $Status
            $err.Exception.ServerMessage | Should -Be $ServerMessage
            $err.Exception.Message.Contains($ServerMessage) | Should -BeTrue
            $err.Exception.RequestId | Should -Be "req-final-$Status"
            $err.Exception.Message | Should -BeLike "*Request id: req-final-$Status.*"
            $result.Requests.status | Should -Be @($Status, $Status, $Status)
            $result.Retries | Should -HaveCount 2
        }

        It 'an HTML 502 gateway page becomes a short readable excerpt' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 502; times = -1; contentType = 'text/html'; rawBody = $gatewayPage; headers = @{ 'x-request-id' = 'req-html' } }
            $result = Invoke-Fault
            $err = Assert-FinalError $result -Id ServerError -Category ResourceUnavailable -Attempts 3
            $message = $err.Exception.Message
            $message | Should -BeLike '*(HTTP 502*): 502 Bad Gateway*'
            $message | Should -BeLike '*The upstream server returned an invalid response.*'
            $message | Should -BeLike '*Request id: req-html.*'
            $message | Should -Not -Match '<|>|dataLayer|font-family'
            $message.Length | Should -BeLessThan 600
            $gatewayPage.Length | Should -BeGreaterThan 10000
        }

        It 'every attempt timing out: Timeout / OperationTimeout, each attempt bounded by -TimeoutSec' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 10000; times = -1 }
            $result = Invoke-Fault -Parameters @{ TimeoutSec = 1; MaximumRetryCount = 1 }
            $err = Assert-FinalError $result -Id Timeout -Category OperationTimeout -Attempts 2
            $err.Exception.Message | Should -BeLike '*within 1 s*'
            $result.Requests.clientAborted | Should -Be @($true, $true)
            $result.Elapsed | Should -BeGreaterOrEqual 1.9
            $result.Elapsed | Should -BeLessThan 5
            $result.Retries | Should -Match '^Attempt 1 of 2 failed \(Timeout\); retrying in'
        }

        It 'a 200 reply whose body stalls half-way times out after -TimeoutSec and is retried' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = 1; contentType = 'application/json'; sse = @(
                @{ raw = '{"id":"chatcmpl-1","object":"chat.completion","choices":[' }
                @{ raw = ']}'; delayMs = 5000 }
            ) }
            $result = Invoke-Fault -Prompt 'body stall' -Parameters @{ TimeoutSec = 1 }
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies[0].Content | Should -Be 'Echo: body stall'
            $result.Requests | Should -HaveCount 2
            $result.Retries | Should -Match '^Attempt 1 of 3 failed \(Timeout\)'
            $result.Elapsed | Should -BeLessThan 3.5
        }

        It 'every connection dropped: ConnectionFailed / ConnectionError' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ drop = $true; times = -1 }
            $result = Invoke-Fault
            $null = Assert-FinalError $result -Id ConnectionFailed -Category ConnectionError -Attempts 3
            $result.Requests.status | Should -Be @(0, 0, 0)
        }

        It 'connection refused (a closed port on 127.0.0.1): ConnectionFailed / ConnectionError, quickly' {
            $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
            $listener.Start()
            $port = $listener.LocalEndpoint.Port
            $listener.Stop()
            $errs = $null
            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            $replies = Invoke-LaminiChat 'refused prompt' -BaseUri "http://127.0.0.1:$port/inf" -ApiKey $server.SecureApiKey -RetryIntervalSec 0.05 -ErrorVariable errs -ErrorAction SilentlyContinue
            $stopwatch.Stop()
            $replies | Should -BeNullOrEmpty
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'ConnectionFailed,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $errs[0].TargetObject | Should -Be 'refused prompt'
            $errs[0].Exception.Message | Should -BeLike "*127.0.0.1:$port*Gave up after 3 attempts.*"
            $stopwatch.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It '<Name> asks for more than 120 s: RetryAfterTooLong at once' -ForEach @(
            @{ Name = 'Retry-After: 500'; Headers = @{ 'Retry-After' = '500' }; Seconds = '500' }
            @{ Name = 'retry-after-ms 121000'; Headers = @{ 'retry-after-ms' = '121000' }; Seconds = '121' }
            @{ Name = 'an HTTP date an hour ahead'; Headers = @{ 'Retry-After' = [DateTimeOffset]::UtcNow.AddHours(1).ToString('r', [cultureinfo]::InvariantCulture) }; Seconds = '3[0-9][0-9][0-9]' }
        ) {
            $headers = $Headers.Clone()
            $headers['x-request-id'] = 'req-toolong'
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 429; times = -1; errorFixture = 'litellm_429'; headers = $headers }
            $result = Invoke-Fault
            $err = Assert-FinalError $result -Id RetryAfterTooLong -Category LimitsExceeded -Attempts 1
            $err.Exception.Message | Should -BeLike "*wait $Seconds s*120 s*"
            $err.Exception.Message | Should -BeLike '*litellm.RateLimitError: Rate limit reached for requests*'
            $err.Exception.Message | Should -BeLike '*Request id: req-toolong.*'
            $err.Exception.StatusCode | Should -Be 429
            $result.Elapsed | Should -BeLessThan 2
            $result.Retries | Should -BeNullOrEmpty
        }

        It 'malformed JSON in a 200 reply: InvalidResponse / InvalidResult, not retried' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = -1; rawBody = '{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hel' }
            $result = Invoke-Fault
            $err = Assert-FinalError $result -Id InvalidResponse -Category InvalidResult -Attempts 1
            $err.Exception.Message | Should -BeLike '*not a valid chat completion*"content": "Hel*'
        }

        It 'an empty 200 reply: EmptyResponse / InvalidResult, not retried' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = -1; rawBody = '' }
            $result = Invoke-Fault
            $err = Assert-FinalError $result -Id EmptyResponse -Category InvalidResult -Attempts 1
            $err.Exception.Message | Should -BeLike '*empty body*'
        }
    }

    Context 'oversized replies' {
        It 'a reply over 64 MiB is refused with ResponseTooLarge instead of being read into memory' {
            # Posted as raw JSON: ConvertTo-Json of a 65 MiB string would dominate the test's run time.
            $body = '{"times": 1, "rawBody": "' + ('x' * (65MB)) + '"}'
            $post = @{ Method = 'Post'; Uri = "$($server.RootUri)_admin/behaviors"; Body = $body; ContentType = 'application/json' }
            if ($PSVersionTable.PSVersion.Major -ge 7) { $post.NoProxy = $true }
            $null = Invoke-RestMethod @post
            $result = Invoke-Fault
            $err = Assert-FinalError $result -Id ResponseTooLarge -Category LimitsExceeded -Attempts 1
            $err.Exception.Message | Should -BeLike '*64 MiB*'
        }
    }

    Context 'streams' {
        It 'a 503 before the stream starts is retried' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 1; headers = @{ 'retry-after-ms' = '100' } }
            $result = Invoke-Fault -Prompt 'stream retry' -Parameters @{ Stream = $true; PassThru = $true }
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies | Should -HaveCount 1
            $result.Replies[0].Content | Should -Be 'Echo: stream retry'
            $result.Requests.status | Should -Be @(503, 200)
        }
    }
}
