# Connection handling shared by every cmdlet, driven through Get-LaminiModel: the Authorization
# header, where the key and base URI come from (-ApiKey/-BaseUri, $env:LAMINI_API_KEY/LAMINI_API_URL,
# ~/.lamini/configure.yaml) and in which order, bad base URIs, and refusing to send the key over
# plain http:// to a remote host. Every test runs with the two variables cleared and HOME pointing
# at an empty temporary folder; the real values are put back after each test.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:root = $server.RootUri.AbsoluteUri.TrimEnd('/')   # http://127.0.0.1:PORT, as Lamini's url has no /inf
    $script:tempRoot = New-TestDirectory -Name 'connection'

    function Get-RequestCount {
        (Get-LaminiTestStats -Server $server).total
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempRoot
}

Describe 'Connection' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
        $script:savedEnvironment = Enter-LaminiTestEnvironment -Root $tempRoot
    }

    AfterEach {
        Restore-LaminiTestEnvironment -Saved $savedEnvironment
    }

    Context 'Authorization header' {
        It 'sends exactly "Bearer " followed by the key' {
            Get-LaminiModel -BaseUri $server.BaseUri -ApiKey $server.SecureApiKey | Should -Not -BeNullOrEmpty
            $request = Get-LaminiTestRequest -Server $server
            $request.headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'sends the key to a loopback http:// address without -AllowUnencryptedAuthentication' {
            { Get-LaminiModel -BaseUri "$root/inf" -ApiKey $server.SecureApiKey -ErrorAction Stop } | Should -Not -Throw
            Get-RequestCount | Should -Be 1
        }
    }

    Context 'request reports follow the caller''s preference variables' {
        # Set inside a function, as scripts do: a new local variable holding a string, not the typed global one.
        It 'shows <What> on the <Stream> stream when $<Variable> is set in the calling function' -ForEach @(
            @{ What = 'each request'; Stream = 'debug'; Variable = 'DebugPreference'; Type = [System.Management.Automation.DebugRecord]; Expected = 'GET */models*' }
            @{ What = 'a retry'; Stream = 'verbose'; Variable = 'VerbosePreference'; Type = [System.Management.Automation.VerboseRecord]; Expected = 'Attempt 1 of * failed*' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503 }
            function Get-ModelReport([string] $Variable) {
                Set-Variable -Name $Variable -Value 'Continue'
                Get-LaminiModel -BaseUri $server.BaseUri -ApiKey $server.SecureApiKey -RetryIntervalSec 0.01 *>&1
            }
            $records = @(Get-ModelReport $Variable | Where-Object { $_ -is $Type } | ForEach-Object Message)
            $records | Where-Object { $_ -like $Expected } | Should -Not -BeNullOrEmpty
        }
    }

    Context 'request reports come with their prompt' {
        It 'writes each prompt''s debug lines, the last one included, before that prompt''s reply or error' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'second'; status = 400; body = @{ error = @{ message = 'no' } } }
            function Get-Report {
                $DebugPreference = 'Continue'
                'first', 'second', 'third' | Invoke-LaminiChat -BaseUri $server.BaseUri -ApiKey $server.SecureApiKey -ThrottleLimit 3 -ErrorAction Continue *>&1
            }
            $records = @(Get-Report | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $shapes = $records | ForEach-Object {
                if ($_ -is [System.Management.Automation.DebugRecord]) { if ($_.Message -like '* answered *') { 'answered' } else { 'sent' } }
                elseif ($_ -is [System.Management.Automation.ErrorRecord]) { "error:$($_.TargetObject)" }
                else { "reply:$($_.Prompt)" }
            }
            $shapes -join ', ' | Should -Be 'sent, answered, reply:first, sent, answered, error:second, sent, answered, reply:third'
        }
    }

    Context 'no key anywhere' {
        It 'stops with MissingApiKey naming the three ways to give a key, and sends nothing' {
            $failure = Get-Failure { Get-LaminiModel -BaseUri $server.BaseUri -ErrorAction SilentlyContinue }
            $failure.FullyQualifiedErrorId | Should -BeLike 'MissingApiKey*'
            $message = $failure.Exception.Message
            $message | Should -BeLike '*-ApiKey*'
            $message | Should -BeLike '*LAMINI_API_KEY*'
            $message | Should -BeLike '*configure.yaml*'
            Get-RequestCount | Should -Be 0
        }

        It 'stops with MissingApiKey when configure.yaml gives only a url, and sends nothing' {
            $null = Set-LaminiTestConfig "production:`n  url: $root`n"
            $env:LAMINI_API_URL = $root
            { Get-LaminiModel } | Should -Throw -ErrorId 'MissingApiKey*'
            Get-RequestCount | Should -Be 0
        }

        It 'treats an empty LAMINI_API_KEY as no key' {
            [Environment]::SetEnvironmentVariable('LAMINI_API_KEY', '')
            { Get-LaminiModel -BaseUri $server.BaseUri } | Should -Throw -ErrorId 'MissingApiKey*'
            Get-RequestCount | Should -Be 0
        }
    }

    Context 'key from the environment' {
        It 'reads the key from $env:LAMINI_API_KEY' {
            $env:LAMINI_API_KEY = $server.ApiKey
            $models = Get-LaminiModel -BaseUri $server.BaseUri
            $models | Should -Not -BeNullOrEmpty
            (Get-LaminiTestRequest -Server $server).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'takes the service URL from $env:LAMINI_API_URL and appends /inf' {
            $env:LAMINI_API_KEY = $server.ApiKey
            $env:LAMINI_API_URL = $root
            Get-LaminiModel | Should -Not -BeNullOrEmpty
            (Get-LaminiTestRequest -Server $server).path | Should -BeExactly '/inf/models'
        }

        It 'joins $env:LAMINI_API_URL with a trailing slash without doubling it' {
            $env:LAMINI_API_KEY = $server.ApiKey
            $env:LAMINI_API_URL = "$root/"
            Get-LaminiModel | Should -Not -BeNullOrEmpty
            (Get-LaminiTestRequest -Server $server).path | Should -BeExactly '/inf/models'
        }
    }

    Context 'configure.yaml in HOME' {
        It 'reads production key and url from <Style>' -ForEach @(
            @{ Style = 'block style'; Text = "production:`n  key: {KEY}`n  url: {URL}`n" }
            @{ Style = 'flow style'; Text = "production: {key: {KEY}, url: {URL}}`n" }
            @{ Style = 'flow style with quotes'; Text = "production: {key: `"{KEY}`", url: '{URL}'}`n" }
            @{ Style = 'double- and single-quoted values'; Text = "production:`n  key: `"{KEY}`"`n  url: '{URL}'`n" }
            @{ Style = 'comments and another section'; Text = "# written by lamini`nstaging:`n  key: staging-key-not-this-one`n  url: http://127.0.0.1:9/staging`nproduction:  # the one we use`n  key: {KEY}  # secret`n  url: {URL}/ # trailing slash`n" }
            @{ Style = 'Windows line endings'; Text = "production:`r`n  key: {KEY}`r`n  url: {URL}`r`n" }
        ) {
            $null = Set-LaminiTestConfig ($Text.Replace('{KEY}', $server.ApiKey).Replace('{URL}', $root))
            $models = Get-LaminiModel
            $models | Should -Not -BeNullOrEmpty
            $request = Get-LaminiTestRequest -Server $server
            $request.path | Should -BeExactly '/inf/models'
            $request.headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'uses the key from the file with an explicit -BaseUri' {
            $null = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n"
            Get-LaminiModel -BaseUri $server.BaseUri | Should -Not -BeNullOrEmpty
            (Get-LaminiTestRequest -Server $server).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }
    }

    Context 'precedence' {
        BeforeEach {
            # Requests under these prefixes also get the model list, so every source "works" and
            # only the recorded path tells which base URI was used.
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ path = '/from-env/'; fixture = 'models.json'; times = -1; skipAuth = $true }
                @{ path = '/from-file/'; fixture = 'models.json'; times = -1; skipAuth = $true }
            )
        }

        It '-ApiKey beats $env:LAMINI_API_KEY, which beats configure.yaml' {
            $null = Set-LaminiTestConfig "production:`n  key: key-from-file`n"
            $env:LAMINI_API_KEY = 'key-from-env'
            $null = Get-LaminiModel -BaseUri $server.BaseUri -ApiKey $server.SecureApiKey
            (Get-LaminiTestRequest -Server $server).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"

            Reset-LaminiTestServer -Server $server
            $env:LAMINI_API_KEY = $server.ApiKey
            $null = Get-LaminiModel -BaseUri $server.BaseUri
            (Get-LaminiTestRequest -Server $server).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"

            Reset-LaminiTestServer -Server $server
            $env:LAMINI_API_KEY = $null
            $null = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n"
            $null = Get-LaminiModel -BaseUri $server.BaseUri
            (Get-LaminiTestRequest -Server $server).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'a wrong key from a lower-precedence source is not used when a higher one exists' {
            $null = Set-LaminiTestConfig "production:`n  key: key-from-file`n"
            $env:LAMINI_API_KEY = 'key-from-env'
            $null = Get-LaminiModel -BaseUri $server.BaseUri -ApiKey $server.SecureApiKey
            $header = (Get-LaminiTestRequest -Server $server).headers.Authorization
            $header | Should -Not -BeLike '*key-from-env*'
            $header | Should -Not -BeLike '*key-from-file*'
        }

        It '-BaseUri beats $env:LAMINI_API_URL, which beats configure.yaml' {
            $null = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n  url: $root/from-file`n"
            $env:LAMINI_API_URL = "$root/from-env"

            $null = Get-LaminiModel -BaseUri $server.BaseUri
            (Get-LaminiTestRequest -Server $server).path | Should -BeExactly '/inf/models'

            Reset-LaminiTestServer -Server $server
            Add-LaminiTestBehavior -Server $server -Behavior @{ path = '/from-env/'; fixture = 'models.json'; skipAuth = $true }
            $null = Get-LaminiModel
            (Get-LaminiTestRequest -Server $server).path | Should -BeExactly '/from-env/inf/models'

            Reset-LaminiTestServer -Server $server
            Add-LaminiTestBehavior -Server $server -Behavior @{ path = '/from-file/'; fixture = 'models.json'; skipAuth = $true }
            $env:LAMINI_API_URL = $null
            $null = Get-LaminiModel
            (Get-LaminiTestRequest -Server $server).path | Should -BeExactly '/from-file/inf/models'
        }
    }

    Context 'invalid base URI' {
        It 'refuses -BaseUri <Value> with InvalidBaseUri naming -BaseUri, and sends nothing' -ForEach @(
            @{ Value = 'ftp://x' }
            @{ Value = 'ftp://127.0.0.1/inf' }
            @{ Value = 'models' }
            @{ Value = 'mailto:someone@example.invalid' }
        ) {
            $failure = Get-Failure { Get-LaminiModel -BaseUri $Value -ApiKey $server.SecureApiKey -ErrorAction SilentlyContinue }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri*'
            $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
            $failure.Exception.Message | Should -BeLike '*-BaseUri*'
            Get-RequestCount | Should -Be 0
        }

        It 'refuses a malformed $env:LAMINI_API_URL with InvalidBaseUri naming it' {
            $env:LAMINI_API_URL = 'not a url'
            $failure = Get-Failure { Get-LaminiModel -ApiKey $server.SecureApiKey }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri*'
            $failure.Exception.Message | Should -BeLike '*LAMINI_API_URL*'
            Get-RequestCount | Should -Be 0
        }

        It 'refuses a malformed url in configure.yaml with InvalidBaseUri naming the file' {
            $null = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n  url: ftp://127.0.0.1`n"
            $failure = Get-Failure { Get-LaminiModel }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri*'
            $failure.Exception.Message | Should -BeLike '*configure.yaml*'
            Get-RequestCount | Should -Be 0
        }
    }

    Context 'plain http:// to a remote host' {
        # The test server doubles as the proxy: anything the module sent would be recorded.
        It 'refuses with UnencryptedAuthenticationRefused and sends nothing' {
            $failure = Get-Failure {
                Get-LaminiModel -BaseUri 'http://example.invalid/inf' -ApiKey $server.SecureApiKey -Proxy $server.RootUri -ErrorAction SilentlyContinue
            }
            $failure.FullyQualifiedErrorId | Should -BeLike 'UnencryptedAuthenticationRefused*'
            $failure.Exception.Message | Should -BeLike '*-AllowUnencryptedAuthentication*'
            $failure.Exception.Message | Should -BeLike '*example.invalid*'
            Get-RequestCount | Should -Be 0
        }

        It 'refuses an http:// $env:LAMINI_API_URL to a remote host too' {
            $env:LAMINI_API_URL = 'http://example.invalid'
            { Get-LaminiModel -ApiKey $server.SecureApiKey -Proxy $server.RootUri } | Should -Throw -ErrorId 'UnencryptedAuthenticationRefused*'
            Get-RequestCount | Should -Be 0
        }

        It 'sends the request with -AllowUnencryptedAuthentication' {
            $models = Get-LaminiModel -BaseUri 'http://example.invalid/inf' -ApiKey $server.SecureApiKey -Proxy $server.RootUri `
                -AllowUnencryptedAuthentication -MaximumRetryCount 0 -TimeoutSec 5
            $models | Should -Not -BeNullOrEmpty
            $request = Get-LaminiTestRequest -Server $server
            $request.headers.Host | Should -Be 'example.invalid'
            $request.path | Should -BeExactly '/inf/models'
        }

        It 'with -AllowUnencryptedAuthentication and no proxy, tries to connect and fails fast with ConnectionFailed' {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $failure = Get-Failure {
                Get-LaminiModel -BaseUri 'http://example.invalid/inf' -ApiKey $server.SecureApiKey `
                    -AllowUnencryptedAuthentication -MaximumRetryCount 0 -TimeoutSec 2
            }
            $watch.Stop()
            $failure.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed*'
            $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ConnectionError)
            $failure.Exception.Message | Should -BeLike '*example.invalid*'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            Get-RequestCount | Should -Be 0
        }
    }
}
