#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Nothing ends a script silently: a host that drops connection attempts, a module removed or
# re-imported in another runspace, a proxy that wants a login, faults that cannot heal, and a server
# that never answers each end in a LaminiPS error (or a reply), and the next statement runs.
# The scripts against the never-accepting address wait for real connect timeouts (10 s each), so
# they start in the background first and are checked at the end, while the other tests run.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:manifest = Get-LaminiManifestPath
    $script:server = Start-LaminiTestServer
    $script:tls = Start-LaminiTestServer -Https
    $script:conn = New-TestConnection $server
    $script:tlsConn = @{ BaseUri = $tls.BaseUri; ApiKey = $tls.SecureApiKey; SkipCertificateCheck = $true }
    $script:proxyUrl = (Get-LaminiTestProxy -Server $server).Url
    $script:login = [pscredential]::new('alice', (ConvertTo-SecureString 'proxy-secret' -AsPlainText -Force))
    $script:tempRoot = New-TestDirectory -Name 'silent'

    # Starts a script file in a fresh pwsh, as a scheduled task runs `pwsh -File report.ps1`.
    function Start-Script([string] $Name, [string] $Text, [hashtable] $Environment) {
        $path = Join-Path $tempRoot "$Name.ps1"
        Set-Content -LiteralPath $path -Value $Text
        Start-FreshPowerShell -ArgumentList '-File', $path -Environment $Environment
    }

    # The script's exit code, its output lines (blank ones left out) and its error text.
    function Wait-Script([pscustomobject] $Script) {
        $result = Wait-FreshPowerShell $Script
        [pscustomobject]@{ ExitCode = $result.ExitCode; Lines = @($result.Output -split '\r?\n' | Where-Object { $_ }); Errors = $result.Errors }
    }

    # A report script as users write them: each statement prints a line once it has run.
    $unreachable = Get-LaminiTestUnreachableUri -Server $server
    $environment = @{ LAMINIPS_MANIFEST = $manifest; LAMINI_API_KEY = $server.ApiKey; UNREACHABLE = [uri]::new($unreachable, 'inf').AbsoluteUri }
    $script:chatScript = Start-Script -Name 'chat-report' -Environment $environment -Text {
        Import-Module $env:LAMINIPS_MANIFEST
        $output = Invoke-LaminiChat 'first question', 'second question' -BaseUri $env:UNREACHABLE -MaximumRetryCount 1 -RetryIntervalSec 0.05 -ErrorVariable failures -Verbose 4>&1
        'after chat'
        foreach ($failure in $failures) {
            'error {0} | {1} | {2} | attempts {3} | {4}' -f $failure.FullyQualifiedErrorId, $failure.CategoryInfo.Category, $failure.TargetObject, $failure.Exception.Attempts, $failure.Exception.Message
        }
        'in $Error: {0}' -f @($Error | Where-Object { $_.FullyQualifiedErrorId -like 'ConnectionFailed,*' }).Count
        'retries: {0}' -f @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Attempt 1 of 2 failed (ConnectionFailed); retrying*' }).Count
        if ($failures) { exit 1 }
    }.ToString()
    $script:modelScript = Start-Script -Name 'model-report' -Environment $environment -Text {
        Import-Module $env:LAMINIPS_MANIFEST
        try {
            $null = Get-LaminiModel -BaseUri $env:UNREACHABLE -MaximumRetryCount 0 -ErrorAction Stop
            'not caught'
        } catch {
            'caught {0} | {1}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category
        }
        $null = Get-LaminiModel -BaseUri $env:UNREACHABLE -MaximumRetryCount 0 -ErrorVariable failures 2>$null
        'after models: {0}' -f $failures[0].ErrorRecord.FullyQualifiedErrorId
        exit 2
    }.ToString()
}

AfterAll {
    foreach ($running in $chatScript, $modelScript) {
        if ($running -and -not $running.Process.HasExited) { $running.Process.Kill() }
    }
    Stop-LaminiTestServer -Server $server
    Stop-LaminiTestServer -Server $tls
    Remove-TestDirectory $tempRoot
}

Describe 'Module lifetime across runspaces' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    AfterEach {
        Import-Module $manifest -Force
    }

    # Skipped on Windows PowerShell 5.1, which has neither Start-ThreadJob nor ForEach-Object -Parallel.
    It 'a thread-job batch returns every reply while the main runspace re-imports and removes the module' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
        # 40 prompts, 4 at a time, 0.5 s each: requests are in flight for 5 s or more.
        Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 500; times = -1 }
        $baseUri = $server.BaseUri
        $key = $server.SecureApiKey
        $job = Start-ThreadJob -ScriptBlock {
            Import-Module $using:manifest
            1..40 | ForEach-Object { "question $_" } | Invoke-LaminiChat -BaseUri $using:baseUri -ApiKey $using:key -ThrottleLimit 4
        }
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            while ((Get-LaminiTestStats -Server $server).total -eq 0 -and $watch.Elapsed.TotalSeconds -lt 30) { Start-Sleep -Milliseconds 20 }
            $reloadsInFlight = 0
            while ($job.State -eq 'Running' -and $reloadsInFlight -lt 5) {
                Import-Module $manifest -Force
                Remove-Module LaminiPS
                Import-Module $manifest
                if ((Get-LaminiTestStats -Server $server).inFlight -gt 0) { $reloadsInFlight++ }
                Start-Sleep -Milliseconds 50
            }
            $replies = @(Receive-Job -Job $job -Wait -ErrorVariable jobErrors)
            $job.State | Should -Be 'Completed'
            $jobErrors | Should -BeNullOrEmpty
            $replies | Should -HaveCount 40
            $replies.Prompt | Should -Be (1..40 | ForEach-Object { "question $_" })
            $replies.Content | Should -Be (1..40 | ForEach-Object { "Echo: question $_" })
            $reloadsInFlight | Should -BeGreaterOrEqual 3 -Because 'the module must be removed and re-imported while requests are in flight'
        } finally {
            Remove-Job -Job $job -Force
        }
    }

    It 'ForEach-Object -Parallel blocks that re-import with -Force before every prompt return every reply' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
        Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 200; times = -1 }
        $baseUri = $server.BaseUri
        $key = $server.SecureApiKey
        $results = 1..8 | ForEach-Object -ThrottleLimit 8 -Parallel {
            $block = $_
            foreach ($question in 1..8) {
                # Each import -Force removes the module in this runspace while the other blocks' requests run.
                Import-Module $using:manifest -Force
                Invoke-LaminiChat "block $block question $question" -BaseUri $using:baseUri -ApiKey $using:key
            }
        }
        $results | Should -HaveCount 64
        @($results | Where-Object { $_.Content -ne "Echo: $($_.Prompt)" }) | Should -BeNullOrEmpty
        (Get-LaminiTestStats -Server $server).maxInFlight | Should -BeGreaterThan 1 -Because 'the blocks must overlap'
    }

    It 'keeps its pooled connection across Import-Module -Force' {
        $null = Get-LaminiModel @conn
        Import-Module $manifest -Force
        $null = Get-LaminiModel @conn
        $requests = @(Get-LaminiTestRequest -Server $server)
        $requests | Should -HaveCount 2
        $requests[1].connection | Should -Be $requests[0].connection -Because 'a re-import must not drop the connection pool'
    }
}

Describe 'Proxy authentication' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
        Reset-LaminiTestServer -Server $tls
        Set-LaminiTestProxy -Server $server -User 'alice' -Password 'proxy-secret'
    }

    Context 'with -ProxyCredential' {
        It 'chats through the proxy with an http:// target: Basic login after the challenge' {
            $reply = Invoke-LaminiChat 'via proxy' @conn -Proxy $proxyUrl -ProxyCredential $login
            $reply.Content | Should -Be 'Echo: via proxy'
            $attempts = (Get-LaminiTestProxy -Server $server).Attempts
            $attempts.method | Should -Be @('POST', 'POST')
            $attempts.target | Should -Be @("$($server.BaseUri)/chat/completions", "$($server.BaseUri)/chat/completions")
            $attempts[0].scheme | Should -BeNullOrEmpty -Because 'the proxy challenges first'
            $attempts[1].scheme | Should -Be 'Basic'
            $attempts[1].user | Should -Be 'alice'
            $attempts.accepted | Should -Be @($false, $true)
            @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions') | Should -HaveCount 1
        }

        It 'lists models and chats through one CONNECT tunnel to an https:// target' {
            $models = Get-LaminiModel @tlsConn -Proxy $proxyUrl -ProxyCredential $login
            $models | Should -Not -BeNullOrEmpty
            $reply = Invoke-LaminiChat 'tunnelled' @tlsConn -Proxy $proxyUrl -ProxyCredential $login
            $reply.Content | Should -Be 'Echo: tunnelled'
            $attempts = (Get-LaminiTestProxy -Server $server).Attempts
            $attempts.method | Should -Be @('CONNECT', 'CONNECT') -Because 'the chat reuses the tunnel the model list opened'
            $attempts.target | Should -Be @($tls.BaseUri.Authority, $tls.BaseUri.Authority)
            $attempts.accepted | Should -Be @($false, $true)
            $attempts[1].user | Should -Be 'alice'
            (Get-LaminiTestStats -Server $tls).total | Should -Be 2
        }
    }

    Context 'a 407' {
        It 'is ProxyAuthenticationRequired, not retried, naming the proxy and suggesting the parameters (<Scheme> target)' -ForEach @(
            @{ Scheme = 'http'; Https = $false; Method = 'POST' }
            @{ Scheme = 'https'; Https = $true; Method = 'CONNECT' }
        ) {
            $target = if ($Https) { $tlsConn } else { $conn }
            $failure = { Invoke-LaminiChat 'no login' @target -Proxy $proxyUrl -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -Be 'ProxyAuthenticationRequired,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failure.TargetObject | Should -Be 'no login'
            $message = $failure.Exception.Message
            $message | Should -BeLike "*proxy $proxyUrl*"
            $message | Should -BeLike "*$($target.BaseUri)/chat/completions*"
            $message | Should -BeLike '*-ProxyCredential*'
            $message | Should -BeLike '*-ProxyUseDefaultCredentials*'
            $failure.Exception.Attempts | Should -Be 1
            $attempts = (Get-LaminiTestProxy -Server $server).Attempts
            $attempts | Should -HaveCount 1 -Because 'a missing login does not appear by retrying'
            $attempts[0].method | Should -Be $Method
        }

        It 'with a wrong password says the login was not accepted, and is not retried' {
            $wrong = [pscredential]::new('alice', (ConvertTo-SecureString 'Pa55-canary' -AsPlainText -Force))
            $failure = { Get-LaminiModel @tlsConn -Proxy $proxyUrl -ProxyCredential $wrong -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -Be 'ProxyAuthenticationRequired,LaminiPS.Commands.GetLaminiModelCommand'
            $failure.Exception.Message | Should -BeLike "*did not accept the -ProxyCredential login of 'alice'*"
            $failure.Exception.Message | Should -Not -BeLike '*Pa55-canary*'
            $attempts = (Get-LaminiTestProxy -Server $server).Attempts
            $attempts.accepted | Should -Be @($false, $false)
            $attempts | Should -HaveCount 2 -Because 'one challenge and one refused login, then no retries'
            (Get-LaminiTestStats -Server $tls).total | Should -Be 0
        }

        It 'with -ProxyUseDefaultCredentials that the proxy refuses says so' {
            $failure = { Get-LaminiModel @conn -Proxy $proxyUrl -ProxyUseDefaultCredentials -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'ProxyAuthenticationRequired,*'
            $failure.Exception.Message | Should -BeLike "*did not accept the logged-on user's identity (-ProxyUseDefaultCredentials*"
            $failure.Exception.Message | Should -BeLike '*-ProxyCredential*'
        }
    }

    Context 'parameter errors' {
        It '-ProxyCredential without -Proxy is ProxyCredentialNeedsProxy, and nothing is sent' {
            $failure = { Invoke-LaminiChat 'hi' @conn -ProxyCredential $login -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -Be 'ProxyCredentialNeedsProxy,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike '*-Proxy*'
            { Get-LaminiModel @conn -ProxyCredential $login -ErrorAction Stop } | Should -Throw -ErrorId 'ProxyCredentialNeedsProxy,*'
            (Get-LaminiTestStats -Server $server).total | Should -Be 0
        }

        It '-ProxyCredential with -ProxyUseDefaultCredentials is ProxyCredentialConflict' {
            { Get-LaminiModel @conn -Proxy $proxyUrl -ProxyCredential $login -ProxyUseDefaultCredentials -ErrorAction Stop } |
                Should -Throw -ErrorId 'ProxyCredentialConflict,*'
            (Get-LaminiTestProxy -Server $server).Attempts | Should -BeNullOrEmpty
        }
    }

    Context 'other failures through a proxy' {
        It 'an HTTP error names the proxy' {
            Set-LaminiTestProxy -Server $server
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = -1 }
            $failure = { Invoke-LaminiChat 'hi' @conn -Proxy $proxyUrl -MaximumRetryCount 0 -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnavailable,*'
            $failure.Exception.Message | Should -BeLike "*through proxy $proxyUrl*"
        }

        It 'a tunnel the proxy cannot open names the proxy and the target' {
            Set-LaminiTestProxy -Server $server
            # A port nobody listens on: the proxy answers the CONNECT with 502.
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $deadPort = $listener.LocalEndpoint.Port
            $listener.Stop()
            $dead = "https://127.0.0.1:$deadPort/inf"
            $failure = { Get-LaminiModel -BaseUri $dead -ApiKey $server.SecureApiKey -Proxy $proxyUrl -MaximumRetryCount 0 -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
            $failure.Exception.Message | Should -BeLike "*$dead/models through proxy $proxyUrl*"
        }
    }
}

Describe 'Faults that cannot succeed on retry' {
    BeforeEach {
        Reset-LaminiTestServer -Server $tls
    }

    It 'an untrusted certificate: one attempt, with a hint about -SkipCertificateCheck for test servers' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = { Invoke-LaminiChat 'hi' -BaseUri $tls.BaseUri -ApiKey $tls.SecureApiKey -RetryIntervalSec 2 -ErrorAction Stop } | Should -Throw -PassThru
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1.5 -Because 'no backoff wait was spent on retries'
        $failure.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        $failure.Exception.Attempts | Should -Be 1
        $failure.Exception.Message | Should -BeLike '*certificate*'
        $failure.Exception.Message | Should -BeLike '*test server*-SkipCertificateCheck*'
        (Get-LaminiTestStats -Server $tls).total | Should -Be 0
    }

    It 'a host name that does not resolve: one attempt' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = { Get-LaminiModel -BaseUri 'http://lamini-test.invalid/inf' -ApiKey $tls.SecureApiKey -AllowUnencryptedAuthentication -RetryIntervalSec 2 -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        $failure.Exception.Attempts | Should -Be 1
        $failure.Exception.Message | Should -BeLike '*lamini-test.invalid*does not resolve*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1.5 -Because 'no backoff wait was spent on retries'
    }
}

Describe 'The whole-call deadline (-TotalTimeoutSec)' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    It 'ends retries against a server that never answers within the total' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 20000; times = -1 }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = { Invoke-LaminiChat 'never answered' @conn -TimeoutSec 1 -TotalTimeoutSec 3 -MaximumRetryCount 10 -RetryIntervalSec 0.05 -ErrorAction Stop } | Should -Throw -PassThru
        $elapsed = $watch.Elapsed.TotalSeconds
        $failure.FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
        $failure.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failure.Exception.Message | Should -BeLike '*within the whole-call limit of 3 s (-TotalTimeoutSec)*'
        $elapsed | Should -BeGreaterOrEqual 2.9
        $elapsed | Should -BeLessThan 4.5
        $requests = @(Get-LaminiTestRequest -Server $server)
        $requests | Should -HaveCount 3 -Because 'two 1 s attempts and the rest of the 3 s'
        $failure.Exception.Attempts | Should -Be 3
    }

    It 'cuts the first attempt when the total is shorter than -TimeoutSec' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 20000; times = -1 }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = { Get-LaminiModel @conn -TimeoutSec 60 -TotalTimeoutSec 1 -ErrorAction Stop } | Should -Throw -PassThru
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 2.5
        $failure.FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
        $failure.Exception.Attempts | Should -Be 1
        @(Get-LaminiTestRequest -Server $server) | Should -HaveCount 1
    }

    It 'does not start a retry whose wait would end after the total' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = -1; headers = @{ 'Retry-After' = '5' } }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = { Invoke-LaminiChat 'busy' @conn -TotalTimeoutSec 2 -ErrorAction Stop } | Should -Throw -PassThru
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1.5
        $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnavailable,*'
        $failure.Exception.Message | Should -BeLike '*A retry in 5 s would not start within the whole-call limit of 2 s (-TotalTimeoutSec)*'
        @(Get-LaminiTestRequest -Server $server) | Should -HaveCount 1
    }

    It 'lets a stream whose events keep coming run past the total' {
        $chunk = { param($Content, $Finish) '{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"' + $Content + '"},"finish_reason":' + $Finish + '}]}' }
        Add-LaminiTestBehavior -Server $server -Behavior @{ sse = @(
                @{ data = (& $chunk 'one' 'null') }
                @{ data = (& $chunk ' two' 'null'); delayMs = 600 }
                @{ data = (& $chunk ' three' 'null'); delayMs = 600 }
                @{ data = (& $chunk ' four' '"stop"'); delayMs = 600 }
                @{ data = '[DONE]' }
            ) }
        $reply = Invoke-LaminiChat 'steady' @conn -Stream -PassThru -TimeoutSec 1 -TotalTimeoutSec 1 -ErrorAction Stop | Select-Object -Last 1
        $reply.Content | Should -Be 'one two three four'
        $record = @(Get-LaminiTestRequest -Server $server)[0]
        ($record.completedAt - $record.receivedAt).TotalSeconds | Should -BeGreaterThan 1.5
    }

    It 'defaults to 300 s, or -TimeoutSec when larger, and shows it with -Verbose' -ForEach @(
        @{ Parameters = @{}; Expected = 'each attempt: 300 s; the whole call: 300 s' }
        @{ Parameters = @{ TimeoutSec = 600 }; Expected = 'each attempt: 600 s; the whole call: 600 s' }
        @{ Parameters = @{ TimeoutSec = 30 }; Expected = 'each attempt: 30 s; the whole call: 300 s' }
        @{ Parameters = @{ TimeoutSec = 0 }; Expected = 'each attempt: no limit; the whole call: no limit' }
        @{ Parameters = @{ TotalTimeoutSec = 45 }; Expected = 'each attempt: 300 s; the whole call: 45 s' }
    ) {
        $verbose = Get-LaminiModel @conn @Parameters -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain "Using $($server.BaseUri) ($Expected)"
    }
}

Describe 'A host that drops connection attempts (pwsh -File report.ps1)' {
    It 'Invoke-LaminiChat: one ConnectionFailed error per prompt after a retry, in -ErrorVariable and $Error; the script goes on and exits 1' {
        $result = Wait-Script $chatScript
        $result.Lines[0] | Should -Be 'after chat'
        $errors = @($result.Lines | Where-Object { $_ -like 'error *' })
        $errors | Should -HaveCount 2
        foreach ($prompt in 'first question', 'second question') {
            $line = $errors | Where-Object { $_ -like "* | $prompt | *" }
            $line | Should -BeLike 'error ConnectionFailed,LaminiPS.Commands.InvokeLaminiChatCommand | ConnectionError | * | attempts 2 | *'
            $line | Should -BeLike '*no connection within 10 s*'
            Get-PunctuationFault ($line -split ' \| ', 5)[4] | Should -BeNullOrEmpty
        }
        $result.Lines | Should -Contain 'in $Error: 2'
        $result.Lines | Should -Contain 'retries: 2'
        $result.ExitCode | Should -Be 1
    }

    It 'Get-LaminiModel: -ErrorAction Stop is caught, -ErrorVariable holds the error, and the script exits with its own code' {
        $result = Wait-Script $modelScript
        $result.Lines | Should -Be @(
            'caught ConnectionFailed,LaminiPS.Commands.GetLaminiModelCommand | ConnectionError'
            'after models: ConnectionFailed,LaminiPS.Commands.GetLaminiModelCommand'
        )
        $result.ExitCode | Should -Be 2
    }
}
