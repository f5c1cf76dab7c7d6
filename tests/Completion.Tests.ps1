# Tab completion: -Model / -Name complete model ids from the server the command line points at,
# cached per base URI; offline or keyless completion returns nothing, quickly, and raises nothing.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:savedDefaults = $global:PSDefaultParameterValues.Clone()
    $script:tempHome = New-TestDirectory -Name 'completion'

    function Get-Completion([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }

    # A loopback port nobody listens on: connections are refused at once.
    function Get-ClosedPortUri {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        "http://127.0.0.1:$port/inf"
    }
}

AfterAll {
    $global:PSDefaultParameterValues.Clear()
    foreach ($entry in $savedDefaults.GetEnumerator()) { $global:PSDefaultParameterValues[$entry.Key] = $entry.Value }
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempHome
}

Describe 'Model name completion' {
    BeforeEach {
        $global:PSDefaultParameterValues.Clear()
        # No configure.yaml or environment may supply a key or base URI behind the test's back.
        $savedEnvironment = Enter-LaminiTestEnvironment -Root $tempHome
        Reset-LaminiTestServer -Server $server
        # The list is cached per base URI: an address no other test used starts with an empty cache.
        $baseUri = Get-LaminiTestFreshUri -Server $server
    }

    AfterEach {
        Restore-LaminiTestEnvironment -Saved $savedEnvironment
    }

    It 'completes Invoke-LaminiChat -Model from the server, with $PSDefaultParameterValues for the connection' {
        $global:PSDefaultParameterValues['Invoke-LaminiChat:BaseUri'] = $baseUri
        $global:PSDefaultParameterValues['Invoke-LaminiChat:ApiKey'] = $server.SecureApiKey

        $found = Get-Completion 'Invoke-LaminiChat -Model Llama'

        $found.CompletionText | Should -Be @('meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct')
        $found[0].ResultType | Should -Be 'ParameterValue'
        $found[0].ToolTip | Should -Be 'meta-llama/Llama-3.1-8B-Instruct'
    }

    It 'uses -BaseUri and -ApiKey typed on the line' {
        $line = "Invoke-LaminiChat -BaseUri '$($baseUri)' -ApiKey '$($server.ApiKey)' -Model Llama"

        (Get-Completion $line).CompletionText | Should -Be @('meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct')
    }

    It 'sends the key it resolved as a Bearer token to GET /models' {
        $global:PSDefaultParameterValues['Invoke-LaminiChat:BaseUri'] = $baseUri
        $global:PSDefaultParameterValues['Invoke-LaminiChat:ApiKey'] = $server.SecureApiKey
        $null = Get-Completion 'Invoke-LaminiChat -Model Llama'

        $request = @(Get-LaminiTestRequest -Server $server)
        $request.Count | Should -Be 1
        $request[0].Method | Should -Be 'GET'
        $request[0].Path | Should -BeLike '*/models'
        $request[0].Headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
    }

    It 'falls back to $env:LAMINI_API_KEY like the cmdlets do' {
        $env:LAMINI_API_KEY = $server.ApiKey
        try {
            (Get-Completion "Invoke-LaminiChat -BaseUri '$($baseUri)' -Model gpt").CompletionText | Should -Be 'gpt-4o-mini'
        } finally {
            $env:LAMINI_API_KEY = $null
        }
    }

    It 'honours wildcard command names in $PSDefaultParameterValues and completes Get-LaminiModel -Name' {
        $global:PSDefaultParameterValues['*-Lamini*:BaseUri'] = $baseUri
        $global:PSDefaultParameterValues['*-Lamini*:ApiKey'] = $server.SecureApiKey

        (Get-Completion 'Get-LaminiModel -Name Qwen').CompletionText | Should -Be 'Qwen/Qwen2-7B-Instruct'
        (Get-Completion 'Get-LaminiModel mistral').CompletionText | Should -Be 'mistralai/Mistral-7B-Instruct-v0.3'
    }

    It 'offers every id for an empty word, and matches inside ids too' {
        $global:PSDefaultParameterValues['Invoke-LaminiChat:BaseUri'] = $baseUri
        $global:PSDefaultParameterValues['Invoke-LaminiChat:ApiKey'] = $server.SecureApiKey

        (Get-Completion 'Invoke-LaminiChat -Model ').Count | Should -Be 5
        (Get-Completion 'Invoke-LaminiChat -Model 3B').CompletionText | Should -Be 'meta-llama/Llama-3.2-3B-Instruct'
    }

    It 'caches the list per base URI: a second Tab makes no request' {
        $global:PSDefaultParameterValues['Invoke-LaminiChat:BaseUri'] = $baseUri
        $global:PSDefaultParameterValues['Invoke-LaminiChat:ApiKey'] = $server.SecureApiKey
        $null = Get-Completion 'Invoke-LaminiChat -Model Llama'
        $null = Get-Completion 'Invoke-LaminiChat -Model gpt'

        @(Get-LaminiTestRequest -Server $server).Count | Should -Be 1
    }

    It 'quotes an id that is not a bare word' {
        Add-LaminiTestBehavior -Server $server -Behavior @{
            path = '/models'
            rawBody = '{"object":"list","data":[{"id":"my model (beta)","object":"model","owned_by":"me"}]}'
        }
        $global:PSDefaultParameterValues['Invoke-LaminiChat:BaseUri'] = $baseUri
        $global:PSDefaultParameterValues['Invoke-LaminiChat:ApiKey'] = $server.SecureApiKey

        $match = Get-Completion 'Invoke-LaminiChat -Model my'
        $match.CompletionText | Should -Be "'my model (beta)'"
        $match.ListItemText | Should -Be 'my model (beta)'
    }

    It 'returns nothing, within a second and without errors, when the server is down' {
        $line = "Invoke-LaminiChat -BaseUri '$(Get-ClosedPortUri)' -ApiKey 'k' -Model Llama"
        $Error.Clear()

        $elapsed = Measure-Command { $script:result = Get-Completion $line }

        $result | Should -BeNullOrEmpty
        $elapsed.TotalSeconds | Should -BeLessThan 1
        $Error.Count | Should -Be 0
    }

    It 'returns nothing, quickly, without a key' {
        $Error.Clear()
        $elapsed = Measure-Command { $script:result = Get-Completion "Invoke-LaminiChat -BaseUri '$($baseUri)' -Model Llama" }

        $result | Should -BeNullOrEmpty
        $elapsed.TotalSeconds | Should -BeLessThan 1
        $Error.Count | Should -Be 0
        @(Get-LaminiTestRequest -Server $server).Count | Should -Be 0
    }

    It 'returns nothing when the key is refused (401)' {
        $Error.Clear()
        $result = Get-Completion "Invoke-LaminiChat -BaseUri '$($baseUri)' -ApiKey 'wrong-key' -Model Llama"

        $result | Should -BeNullOrEmpty
        $Error.Count | Should -Be 0
    }

    It 'does not send the key over plain http:// to a remote host' {
        $elapsed = Measure-Command {
            $script:result = Get-Completion "Invoke-LaminiChat -BaseUri 'http://192.0.2.1/inf' -ApiKey 'k' -Model Llama"
        }

        $result | Should -BeNullOrEmpty
        $elapsed.TotalSeconds | Should -BeLessThan 1
    }
}
