# Secret hygiene: a canary API key must never show up in any output stream (with -Verbose -Debug),
# in $Error (however deeply it is rendered), or in files left behind, for successes and for every
# kind of failure. Each case is one row of $script:cases; to cover another cmdlet or fault, add a
# row: a name, an optional test-server behaviour (Behavior), Refused = $true when the command
# stops before any request, and a scriptblock that runs the command (it may
# use $conn, the splat of -BaseUri/-ApiKey, and $canary).

BeforeDiscovery {
    $script:cases = @(
        @{ Name = 'Get-LaminiModel, success'; Behavior = $null; Command = { Get-LaminiModel @conn } }
        @{ Name = 'Get-LaminiModel, success with the key from $env:LAMINI_API_KEY'; Behavior = $null; Command = {
                $env:LAMINI_API_KEY = $canary
                try { Get-LaminiModel -BaseUri $conn.BaseUri } finally { $env:LAMINI_API_KEY = $null }
            }
        }
        @{ Name = 'Get-LaminiModel, name not found'; Behavior = $null; Command = { Get-LaminiModel 'no/such-model' @conn } }
        @{ Name = 'Get-LaminiModel, 401'; Behavior = @{ status = 401; errorFixture = 'openai_nested_401' }; Command = { Get-LaminiModel @conn } }
        @{ Name = 'Get-LaminiModel, wrong key rejected by the server'; Behavior = $null; Command = {
                Get-LaminiModel -BaseUri $conn.BaseUri -ApiKey (ConvertTo-SecureString "$canary-WRONG" -AsPlainText -Force)
            }
        }
        @{ Name = 'Get-LaminiModel, 500 after retries'; Behavior = @{ status = 500; times = -1; body = @{ error = @{ message = 'engine failure'; type = 'server_error' } } }; Command = {
                Get-LaminiModel @conn -MaximumRetryCount 1 -RetryIntervalSec 0.01
            }
        }
        @{ Name = 'Get-LaminiModel, dropped connection'; Behavior = @{ drop = $true; times = -1 }; Command = {
                Get-LaminiModel @conn -MaximumRetryCount 1 -RetryIntervalSec 0.01
            }
        }
        @{ Name = 'Get-LaminiModel, timeout'; Behavior = @{ delayMs = 4000; times = -1 }; Command = {
                Get-LaminiModel @conn -TimeoutSec 1 -MaximumRetryCount 0
            }
        }
        @{ Name = 'Get-LaminiModel, malformed JSON'; Behavior = @{ rawBody = '{"data": [' }; Command = { Get-LaminiModel @conn -MaximumRetryCount 0 } }
        @{ Name = 'Get-LaminiModel, refused plain http:// to a remote host'; Behavior = $null; Refused = $true; Command = {
                Get-LaminiModel -BaseUri 'http://example.invalid/inf' -ApiKey $conn.ApiKey
            }
        }
        @{ Name = 'Get-LaminiModel, connection failure'; Behavior = $null; Command = {
                Get-LaminiModel -BaseUri 'http://example.invalid/inf' -ApiKey $conn.ApiKey -AllowUnencryptedAuthentication -MaximumRetryCount 0 -TimeoutSec 2
            }
        }
        @{ Name = 'Invoke-LaminiChat, success'; Behavior = $null; Command = { Invoke-LaminiChat 'hello' @conn } }
        @{ Name = 'Invoke-LaminiChat, stream'; Behavior = $null; Command = { Invoke-LaminiChat 'hello' -Stream -PassThru @conn } }
        @{ Name = 'Invoke-LaminiChat, 401'; Behavior = @{ status = 401; errorFixture = 'openai_nested_401' }; Command = { Invoke-LaminiChat 'hello' @conn } }
        @{ Name = 'Invoke-LaminiChat, 429 after retries'; Behavior = @{ status = 429; times = -1; errorFixture = 'litellm_429'; headers = @{ 'retry-after-ms' = '10' } }; Command = {
                Invoke-LaminiChat 'hello' @conn -MaximumRetryCount 1
            }
        }
        @{ Name = 'Invoke-LaminiChat, server echoes the key in its error'; Behavior = $null; Command = {
                Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; body = @{ error = @{ message = "bad key $canary" } } }
                Invoke-LaminiChat 'hello' @conn
            }
        }
        @{ Name = 'Invoke-LaminiChat, server echoes the key in its reason phrase'; Behavior = $null; Command = {
                Add-LaminiTestBehavior -Server $server -Behavior @{ rawResponse = "HTTP/1.1 400 Bad key $canary`r`nContent-Length: 0`r`nConnection: close`r`n`r`n" }
                Invoke-LaminiChat 'hello' @conn
            }
        }
        @{ Name = 'Invoke-LaminiChat, dropped connection'; Behavior = @{ drop = $true; times = -1 }; Command = {
                Invoke-LaminiChat 'hello' @conn -MaximumRetryCount 1 -RetryIntervalSec 0.01
            }
        }
        @{ Name = 'Invoke-LaminiChat, stream error mid-way'; Behavior = @{ sseFixture = 'stream-error-midway.sse' }; Command = { Invoke-LaminiChat 'hello' -Stream @conn } }
        @{ Name = 'Invoke-LaminiChat, reply not matching its schema'; Behavior = @{ content = '{"other": 1}' }; Command = {
                Invoke-LaminiChat 'hello' -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) @conn
            }
        }
        @{ Name = 'Invoke-LaminiChat, missing key'; Behavior = $null; Refused = $true; Command = {
                $env:LAMINI_API_KEY = $null
                Invoke-LaminiChat 'hello' -BaseUri $conn.BaseUri
            }
        }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule

    $script:canary = 'sk-CANARY-' + [guid]::NewGuid().ToString('N')
    $script:server = Start-LaminiTestServer -ApiKey $canary
    $script:conn = New-TestConnection $server

    # Anything the module might write under HOME or the temp folder lands here and is searched.
    $script:tempDir = New-TestDirectory -Name 'security'
    $script:saved = @{}
    foreach ($name in 'LAMINI_API_KEY', 'LAMINI_API_URL', 'HOME', 'USERPROFILE', 'TMPDIR', 'TEMP', 'TMP') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:LAMINI_API_KEY = $null
    $env:LAMINI_API_URL = $null
    foreach ($name in 'HOME', 'USERPROFILE', 'TMPDIR', 'TEMP', 'TMP') {
        [Environment]::SetEnvironmentVariable($name, $tempDir)
    }

    # Every rendering of a record a user or a log might see.
    function ConvertTo-AllText([object] $Record) {
        if ($null -eq $Record) { return '' }
        $parts = [System.Collections.Generic.List[string]]::new()
        $parts.Add(($Record | Out-String))
        $parts.Add(($Record | Format-List * -Force | Out-String))
        if ($Record -is [System.Management.Automation.ErrorRecord]) {
            $parts.Add([string]$Record.ErrorDetails)
            $parts.Add(($Record.TargetObject | Out-String))
            $parts.Add(($Record.CategoryInfo | Out-String))
            $parts.Add(($Record.InvocationInfo | Format-List * -Force | Out-String))
            if (Get-Command Get-Error -ErrorAction Ignore) {
                $parts.Add(($Record | Get-Error | Out-String))
            }
            $exception = $Record.Exception
            while ($null -ne $exception) {
                $parts.Add($exception.ToString())
                $parts.Add(($exception | Format-List * -Force | Out-String))
                foreach ($key in $exception.Data.Keys) { $parts.Add("$key=$($exception.Data[$key])") }
                $exception = $exception.InnerException
            }
        } elseif ($Record -is [System.Management.Automation.InformationalRecord]) {
            $parts.Add($Record.Message)
        }
        $parts -join "`n"
    }

    # Runs one case of $cases with every stream on, and logs what it wrote and what $Error then holds
    # in the temporary folder, as a scheduled task's log would. Returns the records, both texts and the log's name.
    function Invoke-SecretCase([string] $Name, [object] $Behavior, [scriptblock] $Command) {
        if ($Behavior) { Add-LaminiTestBehavior -Server $server -Behavior $Behavior }
        $Error.Clear()
        $records = [System.Collections.Generic.List[object]]::new()
        try {
            # -Verbose/-Debug through the preference variables, so every row stays a plain command.
            $VerbosePreference = 'Continue'
            $DebugPreference = 'Continue'
            $WarningPreference = 'Continue'
            $InformationPreference = 'Continue'
            & $Command *>&1 | ForEach-Object { $records.Add($_) }
        } catch {
            $records.Add($_)
        }

        $streamText = ($records | ForEach-Object { ConvertTo-AllText $_ }) -join "`n"
        $errorText = ($Error | Out-String) + "`n" + (($Error | ForEach-Object { ConvertTo-AllText $_ }) -join "`n")
        $logName = ($Name -replace '[^A-Za-z0-9]+', '-') + '.log'
        $streamText + $errorText | Set-Content -LiteralPath (Join-Path $tempDir $logName)
        [pscustomobject]@{ Records = $records.ToArray(); StreamText = $streamText; ErrorText = $errorText; LogName = $logName }
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
    foreach ($name in $saved.Keys) {
        [Environment]::SetEnvironmentVariable($name, $saved[$name])
    }
    if (-not $env:LAMINIPS_KEEP_TEMP) { Remove-TestDirectory $tempDir }
}

Describe 'The API key stays secret' {
    Context 'streams, $Error and files' {
        BeforeEach {
            Reset-LaminiTestServer -Server $server
        }

        It '<Name>: not in any stream with -Verbose -Debug, nor in $Error, nor in any file left behind' -ForEach $cases {
            $run = Invoke-SecretCase $Name $Behavior $Command

            # The streams were really on: the module reports each request on the debug stream (a
            # command refused before any request has nothing to report). The verbose line every
            # command writes first would not prove it.
            if (-not $Refused) {
                @($run.Records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count |
                    Should -BeGreaterThan 0
            }

            $run.StreamText | Should -Not -BeLike "*$canary*"
            $run.StreamText | Should -Not -BeLikeExactly '*sk-CANARY-*'
            $run.ErrorText | Should -Not -BeLikeExactly '*sk-CANARY-*'

            # Files: HOME and the temp folder are $tempDir, where this case (and any before it) left its log.
            $files = @(Get-ChildItem -LiteralPath $tempDir -Recurse -File -Force)
            $files.Name | Should -Contain $run.LogName -Because 'the case left its log there'
            # The key as UTF-8 and as UTF-16, compared as hex so any file (text or binary) is searched.
            $needles = @(
                [System.BitConverter]::ToString([System.Text.Encoding]::UTF8.GetBytes($canary))
                [System.BitConverter]::ToString([System.Text.Encoding]::Unicode.GetBytes($canary))
            )
            foreach ($file in $files) {
                $hex = [System.BitConverter]::ToString([System.IO.File]::ReadAllBytes($file.FullName))
                foreach ($needle in $needles) {
                    $hex.Contains($needle) | Should -BeFalse -Because "$($file.FullName) must not hold the key"
                }
            }
        }

        It 'is masked when a gateway echoes it back in a <Status> error body' -ForEach @(
            @{ Status = 401 }, @{ Status = 500 }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{
                status = $Status
                body   = @{ error = @{ message = "Invalid API key provided: $canary. Check your key."; type = 'auth_error' } }
            }
            $Error.Clear()
            $failure = $null
            try { Get-LaminiModel @conn -MaximumRetryCount 0 } catch { $failure = $_ }
            $failure | Should -Not -BeNullOrEmpty
            $failure.Exception.Message | Should -BeLike '*Invalid API key provided:*Check your key.*'
            ConvertTo-AllText $failure | Should -Not -BeLikeExactly '*sk-CANARY-*'
            (($Error | ForEach-Object { ConvertTo-AllText $_ }) -join "`n") | Should -Not -BeLikeExactly '*sk-CANARY-*'
        }

        It 'the leak detector itself finds a key hidden in an inner exception' {
            $inner = [System.InvalidOperationException]::new("token=$canary")
            $record = [System.Management.Automation.ErrorRecord]::new(
                [System.Exception]::new('outer', $inner), 'Probe', 'NotSpecified', $null)
            ConvertTo-AllText $record | Should -BeLikeExactly '*sk-CANARY-*'
        }

        It 'the requests themselves did carry the canary key (so the checks above mean something)' {
            $null = Get-LaminiModel @conn
            (Get-LaminiTestRequest -Server $server).headers.Authorization | Should -BeExactly "Bearer $canary"
        }
    }

    Context 'what a script can reach' {
        BeforeEach {
            Reset-LaminiTestServer -Server $server
        }

        It 'no type of the client or the engine is public, so no script can read the key from them or call them' {
            $exported = [LaminiPS.Commands.InvokeLaminiChatCommand].Assembly.GetExportedTypes()
            @($exported | Where-Object Namespace -In 'LaminiPS.Client', 'LaminiPS.Engine' | ForEach-Object FullName) | Should -BeNullOrEmpty
        }

        It 'a script can catch a failed call by its exception type, next to the models' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 401; errorFixture = 'openai_nested_401' }
            $kind = try { Get-LaminiModel @conn -MaximumRetryCount 0 -ErrorAction Stop } catch [LaminiPS.Models.LaminiApiException] { $_.Exception.Kind }
            $kind | Should -Be ([LaminiPS.Models.LaminiFailureKind]::Unauthorized)
        }
    }

}
