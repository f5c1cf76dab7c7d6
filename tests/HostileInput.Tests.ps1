# Sloppy and hostile input that LaminiPS does not control: keys with stray whitespace or control
# characters, configure.yaml entries it cannot read exactly, base URIs with a query or a password,
# server headers of any size or shape, redirects, short keys echoed in error text, and the error
# dialects of the servers in front of the models. Each case asserts what the user sees (outputs,
# error ids, messages) and exactly which requests the test server saw: none where nothing may be
# sent. Every test runs with LAMINI_API_KEY/LAMINI_API_URL cleared and HOME pointing at an empty
# temporary folder; the real values are put back after each test.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server
    $script:root = $server.RootUri.AbsoluteUri.TrimEnd('/')
    $script:tempRoot = New-TestDirectory -Name 'hostile'

    function script:Get-Requests([string] $Path = '*') {
        @(Get-LaminiTestRequest -Server $server -Path $Path)
    }

    function script:ConvertTo-PlainSecureString([string] $Text) {
        ConvertTo-SecureString -String $Text -AsPlainText -Force
    }

    # Every id the module documents: an error carrying any other id is not a LaminiPS error.
    $script:knownIds = [LaminiPS.ErrorIds].GetFields() | Where-Object IsLiteral | ForEach-Object { $_.GetRawConstantValue() }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempRoot
}

Describe 'Hostile input' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
        $script:savedEnvironment = Enter-LaminiTestEnvironment -Root $tempRoot
    }

    AfterEach {
        Restore-LaminiTestEnvironment -Saved $savedEnvironment
    }

    Context 'API keys with surrounding whitespace' {
        It 'a key in $env:LAMINI_API_KEY with <Name> is sent trimmed, and every prompt of a piped batch is answered' -ForEach @(
            @{ Name = 'a trailing LF (Get-Content -Raw of a key file)'; Before = ''; After = "`n" }
            @{ Name = 'a trailing CRLF'; Before = ''; After = "`r`n" }
            @{ Name = 'spaces and a tab around it'; Before = "  `t"; After = ' ' }
        ) {
            $env:LAMINI_API_KEY = $Before + $server.ApiKey + $After
            $replies = @('one', 'two', 'three' | Invoke-LaminiChat -BaseUri $server.BaseUri)
            $replies.Prompt | Should -Be @('one', 'two', 'three')
            $requests = Get-Requests
            $requests | Should -HaveCount 3
            $requests.headers.Authorization | Should -Be (@("Bearer $($server.ApiKey)") * 3)
        }

        It 'an -ApiKey with surrounding whitespace is sent trimmed' {
            Invoke-LaminiChat 'hello' -BaseUri $server.BaseUri -ApiKey (ConvertTo-PlainSecureString " $($server.ApiKey)`r`n") |
                Should -HaveCount 1
            (Get-Requests).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'a quoted configure.yaml key with spaces and a tab inside the quotes is sent trimmed' {
            $null = Set-LaminiTestConfig "production:`n  key: `"  $($server.ApiKey)`t`"`n"
            Get-LaminiModel -BaseUri $server.BaseUri | Should -Not -BeNullOrEmpty
            (Get-Requests).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'a blank -ApiKey counts as none: the key comes from $env:LAMINI_API_KEY' {
            $env:LAMINI_API_KEY = $server.ApiKey
            $null = Get-LaminiModel -BaseUri $server.BaseUri -ApiKey (ConvertTo-PlainSecureString " `t ")
            (Get-Requests).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'a whitespace-only $env:LAMINI_API_KEY counts as unset: the key comes from configure.yaml' {
            $env:LAMINI_API_KEY = " `r`n"
            $null = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n"
            $null = Get-LaminiModel -BaseUri $server.BaseUri
            (Get-Requests).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'blank in every source: MissingApiKey, and nothing is sent' {
            $env:LAMINI_API_KEY = "`n"
            $null = Set-LaminiTestConfig "production:`n  key: `"   `"`n"
            $failure = Get-Failure { Invoke-LaminiChat 'hello' -BaseUri $server.BaseUri -ApiKey (ConvertTo-PlainSecureString '  ') }
            $failure.FullyQualifiedErrorId | Should -BeLike 'MissingApiKey,*'
            Get-Requests | Should -BeNullOrEmpty
        }
    }

    Context 'API keys that cannot be sent' {
        It 'a key from <Source> with <Name> inside stops with InvalidApiKey naming <Source>, never showing the key, and sends nothing' -ForEach @(
            @{ Source = '$env:LAMINI_API_KEY'; Name = 'a line break'; Key = "sk-first-half`nsk-second-half" }
            @{ Source = '-ApiKey'; Name = 'a bell character'; Key = "sk-abc`adef-123456" }
            @{ Source = 'production.key'; Name = 'a tab'; Key = "sk-abc`tdef-123456" }
            @{ Source = '$env:LAMINI_API_KEY'; Name = 'a pasted curly quote'; Key = "sk-abcdef-123456$([char]0x2019)" }
        ) {
            $run = switch ($Source) {
                '$env:LAMINI_API_KEY' { $env:LAMINI_API_KEY = $Key; { 'a', 'b' | Invoke-LaminiChat -BaseUri $server.BaseUri } }
                '-ApiKey' { $secure = ConvertTo-PlainSecureString $Key; { 'a', 'b' | Invoke-LaminiChat -BaseUri $server.BaseUri -ApiKey $secure } }
                'production.key' { $null = Set-LaminiTestConfig "production:`n  key: `"$Key`"`n"; { 'a', 'b' | Invoke-LaminiChat -BaseUri $server.BaseUri } }
            }
            $failure = Get-Failure $run
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidApiKey,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidData'
            $failure.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($Source))*"
            $failure.Exception.Message | Should -Not -BeLike '*sk-*'
            $failure.TargetObject | Should -Not -BeLike '*sk-*'
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'the configure.yaml source names the file and the line' {
            $path = Set-LaminiTestConfig "# mine`nproduction:`n  url: $root`n  key: `"sk-abc`tdef`"`n"
            $failure = Get-Failure { Get-LaminiModel }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidApiKey,*'
            $failure.Exception.Message | Should -BeLike "*line 4 of $([WildcardPattern]::Escape($path))*"
            Get-Requests | Should -BeNullOrEmpty
        }
    }

    Context 'configure.yaml entries that cannot be read exactly' {
        It '<Name>: InvalidConfiguration naming the file and line <Line>, never the key, and nothing is sent' -ForEach @(
            @{ Name = 'an unbalanced double quote'; Text = "production:`n  key: `"sk-secret-value`n"; Line = 2; Says = 'no closing' }
            @{ Name = 'an unbalanced single quote'; Text = "production:`n  url: http://127.0.0.1:9`n  key: 'sk-secret-value`n"; Line = 3; Says = 'no closing' }
            @{ Name = 'a closing quote without an opening one'; Text = "production:`n  key: sk-secret-value`"`n"; Line = 2; Says = 'no opening' }
            @{ Name = 'text after the closing quote'; Text = "production:`n  key: `"sk-secret`" value`n"; Line = 2; Says = 'after its closing quote' }
            @{ Name = 'a literal block scalar'; Text = "production:`n  key: |`n    sk-secret-value`n"; Line = 2; Says = 'block scalar' }
            @{ Name = 'a folded block scalar'; Text = "production:`n  key: >-`n    sk-secret-value`n"; Line = 2; Says = 'block scalar' }
            @{ Name = 'a tab-indented key'; Text = "production:`n`tkey: sk-secret-value`n"; Line = 2; Says = 'tab' }
            @{ Name = 'a value on the next line'; Text = "production:`n  key:`n    sk-secret-value`n"; Line = 2; Says = 'continues on line 3' }
            @{ Name = 'a plain value continued on the next line'; Text = "production:`n  key: sk-secret`n    -value`n"; Line = 2; Says = 'continues on line 3' }
            @{ Name = 'the key given twice'; Text = "production:`n  key: sk-secret-one`n  key: sk-secret-two`n"; Line = 3; Says = 'lines 2 and 3' }
            @{ Name = 'an anchor'; Text = "production:`n  key: &k sk-secret-value`n"; Line = 2; Says = 'anchor' }
            @{ Name = 'a nested entry'; Text = "production:`n  key: sk: secret-value`n"; Line = 2; Says = 'colon' }
            @{ Name = 'no space after the colon'; Text = "production:`n  key:sk-secret-value`n"; Line = 2; Says = 'space must follow' }
            @{ Name = 'an unclosed flow mapping'; Text = "production: {key: sk-secret-value, url: http://127.0.0.1:9`n"; Line = 1; Says = '{...}' }
            @{ Name = 'an unknown escape in double quotes'; Text = "production:`n  key: `"sk-secret\u0041value`"`n"; Line = 2; Says = 'escape' }
        ) {
            $path = Set-LaminiTestConfig $Text
            $failure = Get-Failure { 'a', 'b' | Invoke-LaminiChat -BaseUri $server.BaseUri }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidConfiguration,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidData'
            $message = $failure.Exception.Message
            $message | Should -BeLike "$([WildcardPattern]::Escape($path)), line $($Line): production.key *"
            $message | Should -BeLike "*$([WildcardPattern]::Escape($Says))*"
            $message | Should -Not -BeLike '*secret*'
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'an unreadable production.url: InvalidConfiguration naming the file and line, and nothing is sent' {
            $path = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n  url: `"$root`n"
            $failure = Get-Failure { Get-LaminiModel }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidConfiguration,*'
            $failure.Exception.Message | Should -BeLike "$([WildcardPattern]::Escape($path)), line 3: production.url *"
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'a broken entry that is not needed (-ApiKey and -BaseUri given) does not stop the command' {
            $null = Set-LaminiTestConfig "production:`n  key: `"broken`n  url: |`n"
            Get-LaminiModel @conn | Should -Not -BeNullOrEmpty
            Get-Requests | Should -HaveCount 1
        }

        It 'broken entries outside production do not matter' {
            $null = Set-LaminiTestConfig "staging:`n  key: `"broken`n  url: |`n    http://x`nproduction:`n  key: '$($server.ApiKey)'  # ok`n"
            $null = Get-LaminiModel -BaseUri $server.BaseUri
            (Get-Requests).headers.Authorization | Should -BeExactly "Bearer $($server.ApiKey)"
        }

        It 'reads <Name> exactly' -ForEach @(
            @{ Name = "a single-quoted value with an escaped quote"; Value = "'sk-it''s'"; Expected = "sk-it's" }
            @{ Name = 'a double-quoted value with escaped quote and backslash'; Value = '"sk-\"a\\b"'; Expected = 'sk-"a\b' }
            @{ Name = 'a plain value holding a # without a space before it'; Value = 'sk-a#b # comment'; Expected = 'sk-a#b' }
        ) {
            $null = Set-LaminiTestConfig "production:`n  key: $Value`n"
            Add-LaminiTestBehavior -Server $server -Behavior @{ skipAuth = $true; fixture = 'models.json' }
            $null = Get-LaminiModel -BaseUri $server.BaseUri
            (Get-Requests).headers.Authorization | Should -BeExactly "Bearer $Expected"
        }
    }

    Context 'base URIs the endpoint path cannot follow' {
        It 'refuses <Name> with InvalidBaseUri, and sends nothing' -ForEach @(
            @{ Name = 'a query string'; Suffix = '/inf?tenant=1' }
            @{ Name = 'an empty query'; Suffix = '/inf?' }
            @{ Name = 'a fragment'; Suffix = '/inf#top' }
        ) {
            $failure = Get-Failure { 'a', 'b' | Invoke-LaminiChat -BaseUri "$root$Suffix" -ApiKey $server.SecureApiKey }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidBaseUri,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike '*query string or fragment*'
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'refuses user information from <Source> without ever showing the password, also with -Verbose, and sends nothing' -ForEach @(
            @{ Source = '-BaseUri' }
            @{ Source = '$env:LAMINI_API_URL' }
            @{ Source = 'configure.yaml' }
        ) {
            $withPassword = $root -replace '^http://', 'http://admin:hunter2-pw@'
            $parameters = @{ ApiKey = $server.SecureApiKey }
            switch ($Source) {
                '-BaseUri' { $parameters.BaseUri = "$withPassword/inf" }
                '$env:LAMINI_API_URL' { $env:LAMINI_API_URL = $withPassword }
                'configure.yaml' { $null = Set-LaminiTestConfig "production:`n  url: $withPassword`n" }
            }
            $failure = $null
            $everything = try { Get-LaminiModel @parameters -Verbose -Debug 4>&1 5>&1 | Out-String } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidBaseUri,*'
            $failure.Exception.Message | Should -BeLike '*user information*'
            $failure.Exception.Message | Should -BeLike "*$root/inf*"
            ($failure | Format-List * -Force | Out-String) + $failure.TargetObject + $everything | Should -Not -BeLike '*hunter2*'
            Get-Requests | Should -BeNullOrEmpty
        }
    }

    Context 'Retry-After and retry-after-ms of absurd size' {
        # With no retry allowed, the wait does not matter: the 429 itself is the error.
        It '<Header>: <Value> with -MaximumRetryCount <Retries> fails only its own prompt, with <Id>; the others are answered' -ForEach @(
            @{ Header = 'Retry-After'; Value = 'Infinity'; Retries = 2; Id = 'RetryAfterTooLong'; Says = '*asked to wait Infinity s before retrying, longer than the 120 s*' }
            @{ Header = 'Retry-After'; Value = '1e400'; Retries = 2; Id = 'RetryAfterTooLong'; Says = '*asked to wait Infinity s before retrying, longer than the 120 s*' }
            @{ Header = 'Retry-After'; Value = '99999999999999999999999999999'; Retries = 2; Id = 'RetryAfterTooLong'; Says = '*asked to wait 1E+29 s before retrying*' }
            @{ Header = 'Retry-After'; Value = 'Fri, 31 Dec 9999 23:59:59 GMT'; Retries = 2; Id = 'RetryAfterTooLong'; Says = '*asked to wait * s before retrying, longer than the 120 s*' }
            @{ Header = 'retry-after-ms'; Value = '1.7976931348623157e308'; Retries = 2; Id = 'RetryAfterTooLong'; Says = '*asked to wait 1.8E+305 s before retrying*' }
            @{ Header = 'retry-after-ms'; Value = '9223372036854775807'; Retries = 1; Id = 'RetryAfterTooLong'; Says = '*asked to wait 9.2E+15 s before retrying*' }
            @{ Header = 'retry-after-ms'; Value = 'Infinity'; Retries = 0; Id = 'RateLimited'; Says = '*HTTP 429*Rate limit reached*' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"second"'; status = 429; headers = @{ $Header = $Value }; errorFixture = 'litellm_429' }
            $errs = $null
            $replies = @('first', 'second', 'third' | Invoke-LaminiChat @conn -MaximumRetryCount $Retries -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
            $replies.Prompt | Should -Be @('first', 'third')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be "$Id,LaminiPS.Commands.InvokeLaminiChatCommand"
            $errs[0].TargetObject | Should -Be 'second'
            $errs[0].Exception.Message | Should -BeLike $Says
            (Get-Requests).Json.messages.content | Should -Be @('first', 'second', 'third')
        }
    }

    Context 'content lengths and framing' {
        # Raw answers past Kestrel, which would refuse to send them. -Id is the one outcome that
        # makes sense; where .NET reads past a broken header to the end of the connection (and
        # .NET Framework may not), any one reply or LaminiPS error is right.
        It 'a reply with <Name> affects only its own prompt (<Id>)' -ForEach @(
            @{ Name = 'a Content-Length beyond any integer'; Head = "200 OK`r`nContent-Length: 99999999999999999999999"; Id = 'reply or error' }
            @{ Name = 'a negative Content-Length'; Head = "200 OK`r`nContent-Length: -5"; Id = 'reply or error' }
            @{ Name = 'a Content-Length that is not a number'; Head = "200 OK`r`nContent-Length: abc"; Id = 'reply or error' }
            @{ Name = 'no Content-Length, ended by closing'; Head = "200 OK`r`nConnection: close"; Id = 'reply or error' }
            @{ Name = 'a Content-Length of 2^63-1'; Head = "200 OK`r`nContent-Length: 9223372036854775807"; Id = 'ResponseTooLarge' }
            @{ Name = 'an error status with a Content-Length of 2^63-1'; Head = "500 Oops`r`nContent-Length: 9223372036854775807"; Id = 'ServerError' }
            @{ Name = 'a Content-Length larger than the body'; Head = "200 OK`r`nContent-Length: 100000"; Id = 'ConnectionFailed' }
            @{ Name = 'a Content-Length smaller than the body'; Head = "200 OK`r`nContent-Length: 10"; Id = 'InvalidResponse' }
            @{ Name = 'two different Content-Lengths'; Head = "200 OK`r`nContent-Length: 3`r`nContent-Length: 4"; Id = 'InvalidResponse' }
            @{ Name = 'a five-digit status'; Head = "20000 OK`r`nContent-Length: 0"; Id = 'ConnectionFailed' }
        ) {
            $completion = '{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"raw reply"},"finish_reason":"stop"}]}'
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"second"'; rawResponse = "HTTP/1.1 $Head`r`nContent-Type: application/json`r`n`r`n$completion" }
            $errs = $null
            $replies = @('first', 'second', 'third' | Invoke-LaminiChat @conn -MaximumRetryCount 0 -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
            @($replies.Prompt) + @($errs.TargetObject) | Sort-Object | Should -Be @('first', 'second', 'third')
            ($replies | Where-Object Prompt -NE 'second').Content | Should -Be @('Echo: first', 'Echo: third')
            if ($Id -eq 'reply or error') {
                @($errs | Where-Object { $_.FullyQualifiedErrorId.Split(',')[0] -notin $knownIds }) | Should -BeNullOrEmpty
                ($replies | Where-Object Prompt -EQ 'second').Content | Should -BeIn @($null, 'raw reply')
            } else {
                $errs | Should -HaveCount 1
                $errs[0].FullyQualifiedErrorId | Should -Be "$Id,LaminiPS.Commands.InvokeLaminiChatCommand"
                $errs[0].TargetObject | Should -Be 'second'
            }
            Get-Requests | Should -HaveCount 3
        }
        It 'reads a reply whose body starts with a UTF-8 byte order mark, as some gateways send it (<Name>)' -ForEach @(
            @{ Name = 'JSON'; ContentType = 'application/json'; Stream = $false
                Body = '{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"marked reply"},"finish_reason":"stop"}]}'
            }
            @{ Name = 'a stream'; ContentType = 'text/event-stream'; Stream = $true
                Body = 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"marked reply"},"finish_reason":"stop"}]}' + "`n`ndata: [DONE]`n`n"
            }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = [string][char]0xFEFF + $Body; contentType = $ContentType }
            $output = @(Invoke-LaminiChat 'hi' @conn -Stream:$Stream -MaximumRetryCount 0)
            $text = if ($Stream) { -join $output } else { $output.Content }
            $text | Should -BeExactly 'marked reply'
        }
    }

    Context 'request ids' {
        It 'an over-long x-request-id is shortened in the message and the exception' {
            $id = 'req-' + ('0123456789' * 1000)
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; headers = @{ 'x-request-id' = $id }; errorFixture = 'vllm_flat_400' }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 1
            $errs[0].Exception.RequestId.Length | Should -BeLessOrEqual 101
            $errs[0].Exception.RequestId | Should -BeLike 'req-0123456789*…'
            $errs[0].Exception.Message.Length | Should -BeLessThan 600
            $errs[0].Exception.Message | Should -BeLike "*Request id: $($id.Substring(0, 100))…*"
        }

        It "LiteLLM's x-litellm-call-id is reported as the request id" {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; headers = @{ 'x-litellm-call-id' = 'b5f1c2d4-litellm-call' }; errorFixture = 'vllm_flat_400' }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].Exception.RequestId | Should -BeExactly 'b5f1c2d4-litellm-call'
            $errs[0].Exception.Message | Should -BeLike '*Request id: b5f1c2d4-litellm-call.*'
        }
    }

    Context 'fuzzed server headers in a piped batch' {
        It 'every prompt yields exactly one reply or one LaminiPS error, never a terminating error' {
            # Seeded, so a failure can be reproduced. Values that parse to a wait between 0.05 s and
            # 120 s would really be waited for; the generator keeps numbers outside that range.
            $random = [System.Random]::new(20240611)
            $now = [DateTimeOffset]::UtcNow
            $fixed = @(
                '', ' ', '0', '-0', '-1', '-1e308', '-Infinity', 'Infinity', '+Infinity', 'NaN', '1e400', '-1e400',
                '1e308', '1.7976931348623157E+308', '4.9e-324', '0x10', '1,5', '1_000', '12 34', 'null', 'true', '[]', '{}',
                '9223372036854775807', '9223372036854775808', '-9223372036854775809', '18446744073709551616',
                ('9' * 400), ('1' + '0' * 40), '0.00000000001', '1e-30', "$([char]0xFF11)$([char]0xFF12)", "$([char]0x0663)",
                "$([char]0x221E)", "$([char]0xD83D)$([char]0xDE00)", 'caf' + [char]0xE9, ('x' * 8000),
                'Thu, 01 Jan 1970 00:00:00 GMT', 'Mon, 01 Jan 0001 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT',
                '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', 'Sun, 32 Foo 2024 25:61:61 GMT', '2024-02-30',
                $now.AddYears(50).ToString('r', [cultureinfo]::InvariantCulture),
                $now.AddYears(-50).ToString('r', [cultureinfo]::InvariantCulture),
                $now.AddHours(3).ToString('o', [cultureinfo]::InvariantCulture)
            )
            $generated = for ($i = 0; $i -lt 30; $i++) {
                $sign = if ($random.Next(2)) { '-' } else { '' }
                # At least 1e6 (longer than 120 s even as milliseconds), or at most 1e-5.
                $exponent = if ($random.Next(2)) { $random.Next(6, 400) } else { -$random.Next(5, 400) }
                '{0}{1}.{2}e{3}' -f $sign, $random.Next(1, 10), $random.Next(0, 1000), $exponent
                -join (1..$random.Next(1, 40) | ForEach-Object { [char]$random.Next(0x21, 0x7F) })
                -join (1..$random.Next(1, 20) | ForEach-Object { [char]$random.Next(0xA0, 0x3000) })
            }
            $values = @($fixed) + @($generated)
            $headers = 'Retry-After', 'retry-after-ms', 'x-request-id'
            $cases = foreach ($header in $headers) {
                for ($i = 0; $i -lt $values.Count; $i++) {
                    [pscustomobject]@{ Prompt = "fuzz-$header-$i"; Header = $header; Value = $values[$i] }
                }
            }
            $cases.Count | Should -BeGreaterThan 300

            # Each prompt first meets a 429 carrying its value; an x-request-id case meets it on
            # every attempt, so its value also ends up in the final error's message.
            Add-LaminiTestBehavior -Server $server -Behavior @($cases | ForEach-Object {
                    @{ match = "`"$($_.Prompt)`""; status = 429; headers = @{ $_.Header = $_.Value }; errorFixture = 'litellm_429'; times = $(if ($_.Header -eq 'x-request-id') { 2 } else { 1 }) }
                })

            $errs = $null
            $terminating = $null
            $output = try {
                @($cases.Prompt | Invoke-LaminiChat @conn -MaximumRetryCount 1 -RetryIntervalSec 0.01 -ThrottleLimit 16 -ErrorVariable errs -ErrorAction SilentlyContinue)
            } catch {
                $terminating = $_
            }
            $terminating | Should -BeNullOrEmpty

            $replies = @($output | Where-Object { $_ -is [LaminiPS.Models.LaminiChatResponse] })
            @($output).Count | Should -Be $replies.Count
            # Checked in bulk: one Should per error would make this test slow.
            @($errs | Where-Object { $_.FullyQualifiedErrorId.Split(',')[0] -notin $knownIds }) | Should -BeNullOrEmpty
            @($errs | Where-Object { $_.Exception -isnot [LaminiPS.Models.LaminiApiException] }) | Should -BeNullOrEmpty
            @($errs | Where-Object { $_.Exception.Message.Length -ge 1000 }) | Should -BeNullOrEmpty
            $outcomes = @($replies.Prompt) + @($errs.TargetObject)
            ($outcomes | Sort-Object) | Should -Be ($cases.Prompt | Sort-Object)

            # The server saw every prompt, and nothing twice beyond the one retry each was allowed.
            $seen = Get-Requests '*/chat/completions' | Group-Object { $_.Json.messages[0].content }
            $seen.Count | Should -Be $cases.Count
            $seen | Where-Object Count -GT 2 | Should -BeNullOrEmpty
        }
    }

    Context 'redirects' {
        It 'HTTP <Status> is not followed: Redirected names the status and Location, suggests -BaseUri, and the new address sees nothing' -ForEach @(
            @{ Status = 301 }, @{ Status = 302 }, @{ Status = 303 }, @{ Status = 307 }, @{ Status = 308 }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ match = '"moved"'; status = $Status; headers = @{ Location = "$root/elsewhere/inf/chat/completions" } }
                @{ path = '/elsewhere/'; skipAuth = $true; times = -1 }
            )
            $errs = $null
            $replies = @('before', 'moved', 'after' | Invoke-LaminiChat @conn -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
            $replies.Prompt | Should -Be @('before', 'after')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'Redirected,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].TargetObject | Should -Be 'moved'
            $errs[0].Exception.StatusCode | Should -Be $Status
            $message = $errs[0].Exception.Message
            $message | Should -BeLike "*HTTP $Status*"
            $message | Should -BeLike "*$root/elsewhere/inf/chat/completions*"
            $message | Should -BeLike "*-BaseUri $root/elsewhere/inf.*"
            (Get-Requests).path | Should -Be (@('/inf/chat/completions') * 3)
        }

        It 'a redirect of Get-LaminiModel to another host stops it with Redirected, and the key goes nowhere else' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 308; headers = @{ Location = 'https://other.example.invalid/v1/models' } }
            $failure = Get-Failure { Get-LaminiModel @conn }
            $failure.FullyQualifiedErrorId | Should -Be 'Redirected,LaminiPS.Commands.GetLaminiModelCommand'
            $failure.Exception.Message | Should -BeLike '*https://other.example.invalid/v1/models*-BaseUri https://other.example.invalid/v1.'
            Get-Requests | Should -HaveCount 1
        }

        It 'a redirect without a Location still says what happened, and is not followed' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 302 }
            $failure = Get-Failure { Get-LaminiModel @conn }
            $failure.FullyQualifiedErrorId | Should -BeLike 'Redirected,*'
            $failure.Exception.Message | Should -BeLike '*HTTP 302*no usable Location*-BaseUri*'
            Get-Requests | Should -HaveCount 1
        }

        It 'a relative Location is resolved against the request for the message' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 307; headers = @{ Location = '/v2/inf/models' } }
            $failure = Get-Failure { Get-LaminiModel @conn }
            $failure.Exception.Message | Should -BeLike "*It points to $root/v2/inf/models.*-BaseUri $root/v2/inf.*"
        }
    }

    Context 'key masking' {
        It 'a one-letter key is masked where it stands as a word, and no other word is garbled' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ skipAuth = $true; status = 400; body = @{ error = @{ message = 'The key e was rejected; every other letter e stays.' } } }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' -BaseUri $server.BaseUri -ApiKey (ConvertTo-PlainSecureString 'e') -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].Exception.Message | Should -BeLike '*The key `[API key removed`] was rejected; every other letter `[API key removed`] stays.*'
            $errs[0].Exception.ServerMessage | Should -BeExactly 'The key [API key removed] was rejected; every other letter [API key removed] stays.'
            $errs[0].Exception.Message | Should -BeLike '*rejected the request*'
        }

        It 'a long key is masked wherever it occurs, also inside a word' {
            $key = 'sk-long-canary-0123456789'
            Add-LaminiTestBehavior -Server $server -Behavior @{ skipAuth = $true; status = 401; body = @{ error = @{ message = "Bad key: x${key}y." } } }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' -BaseUri $server.BaseUri -ApiKey (ConvertTo-PlainSecureString $key) -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].Exception.ServerMessage | Should -BeExactly 'Bad key: x[API key removed]y.'
            $errs[0].Exception.Message | Should -Not -BeLike "*$key*"
        }
    }

    Context 'request headers' {
        It 'every request sends User-Agent "LaminiPS/(module version) PowerShell/(PowerShell version)", and an Accept that fits' {
            $null = Get-LaminiModel @conn
            $null = Invoke-LaminiChat 'hello' @conn
            $null = Invoke-LaminiChat 'hello' @conn -Stream
            $requests = Get-Requests
            $requests | Should -HaveCount 3
            $version = (Get-Module LaminiPS).Version.ToString(3)
            # A PowerShell 7 preview's label (7.5.0-preview.3) is not part of the product version.
            $shell = $PSVersionTable.PSVersion.ToString() -replace '-.*$', ''
            $requests.headers.'User-Agent' | Should -Be (@("LaminiPS/$version PowerShell/$shell") * 3)
            $requests.headers.Accept | Should -Be @('application/json', 'application/json', 'text/event-stream, application/json')
        }
    }

    Context 'error dialects' {
        It "LiteLLM's stream that fails before its first chunk (HTTP 529, text/event-stream, data: {error}) reads as the server's message" {
            $body = "data: {`"error`": {`"message`": `"litellm.InternalServerError: upstream overloaded`", `"type`": null, `"param`": null, `"code`": `"529`"}}`n`n"
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 529; contentType = 'text/event-stream'; rawBody = $body; headers = @{ 'x-litellm-call-id' = 'call-529' } }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' @conn -Stream -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ServerError,*'
            $errs[0].Exception.ServerMessage | Should -BeExactly 'litellm.InternalServerError: upstream overloaded'
            $errs[0].Exception.Message | Should -Not -BeLike '*data:*'
            $errs[0].Exception.Message | Should -Not -BeLike '*{*'
            $errs[0].Exception.Message | Should -BeLike '*Request id: call-529.*'
        }

        It 'an SSE-framed error body with several data lines, a comment and [DONE] yields the message' {
            $body = ": keep-alive`r`nevent: error`r`ndata: {`"error`":`r`ndata:  {`"message`": `"bad things`"}}`r`n`r`ndata: [DONE]`r`n`r`n"
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; contentType = 'text/plain'; rawBody = $body }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'BadRequest,*'
            $errs[0].Exception.ServerMessage | Should -BeExactly 'bad things'
        }

        It 'an unknown model in the <Dialect> dialect (HTTP <Status>) is ModelNotFound naming the model, streamed or not' -ForEach @(
            @{ Dialect = 'vLLM'; Status = 404; Body = @{ object = 'error'; message = 'The model `no/such-model` does not exist.'; type = 'NotFoundError'; param = $null; code = 404 } }
            @{ Dialect = 'Lamini'; Status = 594; Body = @{ detail = 'Model no/such-model not found' } }
            @{ Dialect = 'LiteLLM'; Status = 400; Body = @{ error = @{ message = 'litellm.BadRequestError: Invalid model name passed in model=no/such-model. Call `/v1/models` to view available models for your key.'; type = 'invalid_request_error'; param = 'model'; code = '400' } } }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = $Status; body = $Body; times = 2 }
            foreach ($stream in $false, $true) {
                $errs = $null
                $null = Invoke-LaminiChat 'hello' @conn -Model 'no/such-model' -Stream:$stream -ErrorVariable errs -ErrorAction SilentlyContinue
                $errs | Should -HaveCount 1
                $errs[0].FullyQualifiedErrorId | Should -Be 'ModelNotFound,LaminiPS.Commands.InvokeLaminiChatCommand'
                $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
                $errs[0].Exception.Message | Should -BeLike "Model 'no/such-model' was not found at *"
            }
            Get-Requests | Should -HaveCount 2
        }

        It 'a LiteLLM 400 that is not about the model stays BadRequest' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; body = @{ error = @{ message = 'litellm.BadRequestError: temperature must be at most 2'; code = '400' } } }
            $errs = $null
            $null = Invoke-LaminiChat 'hello' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'BadRequest,*'
        }

        It 'messages for HTTP <Status> name the server that answered, not Lamini' -ForEach @(
            @{ Status = 400 }, @{ Status = 401 }, @{ Status = 403 }, @{ Status = 404 }, @{ Status = 429 }, @{ Status = 500 }, @{ Status = 503 }, @{ Status = 418 }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = $Status; rawBody = 'nope'; contentType = 'text/plain' }
            $failure = Get-Failure { Get-LaminiModel @conn -MaximumRetryCount 0 }
            $failure.Exception.Message | Should -BeLike "*$($server.RootUri.Authority)*"
            $failure.Exception.Message | Should -Not -BeLike '*Lamini*'
        }
    }
}

Describe 'Hostile input: piped objects, blank prompts, -AdditionalParameters, errors that name their prompt' {
    BeforeAll {
        $script:defaultModel = 'meta-llama/Llama-3.2-3B-Instruct'
    }

    BeforeEach {
        Reset-LaminiTestServer -Server $server
        $script:savedEnvironment = Enter-LaminiTestEnvironment -Root $tempRoot
    }

    AfterEach {
        Restore-LaminiTestEnvironment -Saved $savedEnvironment
    }

    Context 'objects piped in bring their Prompt, Model and SystemPrompt' {
        It 'Import-Csv with Prompt and Model columns sends each row''s prompt to its model' {
            $csv = Join-Path $tempRoot "questions-$([guid]::NewGuid()).csv"
            @(
                'Id,Prompt,Model,SystemPrompt'
                '1,What is a llama?,gpt-4o-mini,'
                '2,What is an alpaca?,mistralai/Mistral-7B-Instruct-v0.3,Answer in French.'
                '3,Where do vicunas live?,,'
            ) | Set-Content -LiteralPath $csv
            $errs = $null
            $replies = @(Import-Csv -LiteralPath $csv | Invoke-LaminiChat @conn -ThrottleLimit 1 -ErrorVariable errs)
            $errs | Should -BeNullOrEmpty
            $bodies = (Get-ChatRequest $server).body
            $bodies | Should -Be @(
                '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is a llama?"}]}'
                '{"model":"mistralai/Mistral-7B-Instruct-v0.3","messages":[{"role":"system","content":"Answer in French."},{"role":"user","content":"What is an alpaca?"}]}'
                "{`"model`":`"$defaultModel`",`"messages`":[{`"role`":`"user`",`"content`":`"Where do vicunas live?`"}]}"
            )
            $replies.Prompt | Should -Be @('What is a llama?', 'What is an alpaca?', 'Where do vicunas live?')
            $replies.Model | Should -Be @('gpt-4o-mini', 'mistralai/Mistral-7B-Instruct-v0.3', $defaultModel)
        }

        It 'reads <Name> the same way, whatever the case of its names' -ForEach @(
            @{ Name = '[pscustomobject]s'; Items = { [pscustomobject]@{ prompt = 'one'; MODEL = 'm/one' }, [pscustomobject]@{ Prompt = 'two'; SystemPrompt = 'Be brief.' } } }
            @{ Name = 'hashtables'; Items = { @{ PROMPT = 'one'; model = 'm/one' }, @{ prompt = 'two'; systemprompt = 'Be brief.' } } }
            @{ Name = 'ordered dictionaries'; Items = { [ordered]@{ Prompt = 'one'; Model = 'm/one' }, [ordered]@{ Prompt = 'two'; SYSTEMPROMPT = 'Be brief.' } } }
        ) {
            $null = & $Items | Invoke-LaminiChat @conn -ThrottleLimit 1
            (Get-ChatRequest $server).body | Should -Be @(
                '{"model":"m/one","messages":[{"role":"user","content":"one"}]}'
                "{`"model`":`"$defaultModel`",`"messages`":[{`"role`":`"system`",`"content`":`"Be brief.`"},{`"role`":`"user`",`"content`":`"two`"}]}"
            )
        }

        It 'sends each text of a Prompt that holds several, in order' {
            $replies = [pscustomobject]@{ Prompt = @('first', 'second'); Model = 'm/x' } | Invoke-LaminiChat @conn -ThrottleLimit 1
            $replies.Prompt | Should -Be @('first', 'second')
            (Get-ChatRequest $server).Json.model | Should -Be @('m/x', 'm/x')
        }

        It '-Model and -SystemPrompt given on the command line win over a row''s columns' {
            $null = [pscustomobject]@{ Prompt = 'q'; Model = 'row/model'; SystemPrompt = 'From the row.' } |
                Invoke-LaminiChat @conn -Model 'explicit/model' -SystemPrompt 'From the command line.'
            (Get-ChatRequest $server).body | Should -BeExactly '{"model":"explicit/model","messages":[{"role":"system","content":"From the command line."},{"role":"user","content":"q"}]}'
        }

        It 'a piped reply continues with the model it asked for, never the model that answered (hosted_vllm/...)' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"first question"'; fixture = 'chat-completion.json' }
            $first = Invoke-LaminiChat 'first question' @conn -Model $defaultModel
            $first.Model | Should -BeExactly "hosted_vllm/$defaultModel"
            $second = $first | Invoke-LaminiChat -Prompt 'second question' @conn
            $requests = Get-ChatRequest $server
            $requests | Should -HaveCount 2
            $requests[1].Json.model | Should -BeExactly $defaultModel
            $requests[1].Json.messages.content | Should -Be @('first question', $first.Content, 'second question')
            $second.Model | Should -BeExactly $defaultModel
        }

        It 'a reply piped without a prompt is PromptMissing, says how to continue, and sends nothing for it; the prompts around it go' {
            $reply = Invoke-LaminiChat 'earlier' @conn
            Reset-LaminiTestServer -Server $server
            $errs = $null
            $replies = @('before', $reply, 'after' | Invoke-LaminiChat @conn -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
            $replies.Prompt | Should -Be @('before', 'after')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'PromptMissing,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $errs[0].TargetObject | Should -Be $reply
            $errs[0].Exception.Message | Should -BeLike '*continue its conversation*$reply | Invoke-LaminiChat -Prompt*'
            (Get-ChatRequest $server).Json.messages.content | Should -Be @('before', 'after')
        }

        It 'models piped without a prompt are each PromptMissing naming the model, and nothing is sent to any' {
            $models = @(Get-LaminiModel @conn)
            Reset-LaminiTestServer -Server $server
            $errs = $null
            $output = @($models | Invoke-LaminiChat @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $output | Should -BeNullOrEmpty
            $errs | Should -HaveCount $models.Count
            $errs.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'PromptMissing,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].Exception.Message | Should -BeLike "Model '$($models[0].Id)' was piped in without a prompt*-Prompt*"
            Get-Requests | Should -BeNullOrEmpty
        }

        It '<Name> is never sent as its text: PromptMissing, and nothing is sent' -ForEach @(
            @{ Name = 'a row without a Prompt column'; Item = { [pscustomobject]@{ Id = 1; Question = 'What is a llama?' } }; Says = 'The piped [pscustomobject] has no Prompt property' }
            @{ Name = 'a hashtable without a Prompt key'; Item = { @{ Question = 'What is a llama?' } }; Says = 'The piped [Hashtable] has no Prompt key' }
            @{ Name = 'a number'; Item = { 42 }; Says = 'The piped [Int32] has no Prompt property' }
            @{ Name = 'a file'; Item = { Get-Item -LiteralPath $PSCommandPath }; Says = 'The piped [FileInfo] has no Prompt property' }
        ) {
            $errs = $null
            $output = @(& $Item | Invoke-LaminiChat @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $output | Should -BeNullOrEmpty
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'PromptMissing,*'
            $errs[0].Exception.Message | Should -BeLike "$([WildcardPattern]::Escape($Says))*-Prompt*"
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'a <Field> that is not text is InvalidPipelineInput for that object alone' -ForEach @(
            @{ Field = 'Prompt'; Item = { [pscustomobject]@{ Prompt = @{ text = 'hi' } } }; Says = 'its Prompt is [Hashtable], not text' }
            @{ Field = 'Model'; Item = { [pscustomobject]@{ Prompt = 'hi'; Model = 7 } }; Says = 'its Model is [Int32], not text' }
            @{ Field = 'SystemPrompt'; Item = { @{ Prompt = 'hi'; SystemPrompt = (Get-Date) } }; Says = 'its SystemPrompt is [DateTime], not text' }
        ) {
            $errs = $null
            $replies = @('before', (& $Item), 'after' | Invoke-LaminiChat @conn -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
            $replies.Prompt | Should -Be @('before', 'after')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'InvalidPipelineInput,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].Exception.Message | Should -BeLike "Nothing was sent for the piped *: $([WildcardPattern]::Escape($Says))."
            (Get-ChatRequest $server).Json.messages.content | Should -Be @('before', 'after')
        }

        It 'a piped prompt together with -Prompt is InvalidPipelineInput, and nothing is sent' {
            $errs = $null
            $output = @('piped one', [pscustomobject]@{ Prompt = 'piped two' } | Invoke-LaminiChat 'given' @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $output | Should -BeNullOrEmpty
            $errs | Should -HaveCount 2
            $errs.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'InvalidPipelineInput,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs.Exception.Message | Should -Be @(
                "Nothing was sent for the piped prompt 'piped one': -Prompt is given too. Pipe prompts or give -Prompt, not both."
                "Nothing was sent for the piped prompt 'piped two': -Prompt is given too. Pipe prompts or give -Prompt, not both."
            )
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'a piped reply together with -Conversation is InvalidPipelineInput, and nothing is sent' {
            $first = Invoke-LaminiChat 'one' @conn
            $other = Invoke-LaminiChat 'two' @conn
            Reset-LaminiTestServer -Server $server
            $errs = $null
            $null = $first | Invoke-LaminiChat -Conversation $other -Prompt 'three' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPipelineInput,*'
            $errs[0].Exception.Message | Should -BeLike '*-Conversation is given too*'
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'input piped to -Messages is refused while binding (those sets take no pipeline input), and nothing is sent' {
            $errs = $null
            $null = 'piped' | Invoke-LaminiChat -Messages @{ role = 'user'; content = 'given' } @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'InputObjectNotBound,*'
            Get-Requests | Should -BeNullOrEmpty
        }

        It 'no -Prompt, nothing piped and no -Messages stops with PromptMissing before anything is sent' {
            $failure = Get-Failure { Invoke-LaminiChat @conn -Model 'm/x' }
            $failure.FullyQualifiedErrorId | Should -Be 'PromptMissing,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.Exception.Message | Should -BeLike '*-Prompt*$reply | Invoke-LaminiChat -Prompt*'
            Get-Requests | Should -BeNullOrEmpty
        }
    }

    Context 'blank prompts' {
        It 'blank and whitespace-only lines of a file are skipped with one warning that counts them; no error, not sent' {
            $file = Join-Path $tempRoot "questions-$([guid]::NewGuid()).txt"
            [System.IO.File]::WriteAllText($file, "What is a llama?`n`n   `n`t`nWhat do llamas eat?`n")
            $errs = $null
            $replies = @(Get-Content -LiteralPath $file | Invoke-LaminiChat @conn -ErrorVariable errs -WarningVariable warnings -WarningAction SilentlyContinue)
            $replies.Prompt | Should -Be @('What is a llama?', 'What do llamas eat?')
            $errs | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            "$warnings" | Should -BeLike '*skipped 3 blank prompts*'
            # Sent concurrently, so they reach the server in any order.
            (Get-ChatRequest $server).Json.messages.content | Sort-Object | Should -Be @('What do llamas eat?', 'What is a llama?')
        }

        It 'empty Prompt cells, a null Prompt and a piped $null count as blank prompts in the same warning' {
            $items = @([pscustomobject]@{ Prompt = ''; Model = 'm/x' }, @{ Prompt = $null }, $null, 'asked', [pscustomobject]@{ Prompt = ' ' })
            $errs = $null
            $replies = @($items | Invoke-LaminiChat @conn -ErrorVariable errs -WarningVariable warnings -WarningAction SilentlyContinue)
            $replies.Prompt | Should -Be 'asked'
            $errs | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            "$warnings" | Should -BeLike '*skipped 4 blank prompts*'
            Get-ChatRequest $server | Should -HaveCount 1
        }

        It 'a blank -Prompt given directly (<Name>) is still a parameter error, and nothing is sent' -ForEach @(
            @{ Name = 'spaces'; Prompt = '   ' }
            @{ Name = 'a tab and a line break'; Prompt = "`t`r`n" }
            @{ Name = 'one blank among others'; Prompt = @('fine', ' ') }
        ) {
            { Invoke-LaminiChat -Prompt $Prompt @conn } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            Get-Requests | Should -BeNullOrEmpty
        }
    }

    Context '-AdditionalParameters' {
        BeforeDiscovery {
            # Every parameter that writes a top-level request field, with a value and what it needs beside
            # it. Each other parameter of Invoke-LaminiChat is in $writesNoField; a new parameter must join
            # one list (the first test below), so the fields it writes are checked by the second.
            $tool = @{ type = 'function'; function = @{ name = 'get_time'; parameters = @{ type = 'object'; properties = @{} } } }
            $fieldSetters = @(
                @{ Parameter = 'Prompt'; Value = 'hello' }
                @{ Parameter = 'Messages'; Value = @(@{ role = 'user'; content = 'hello' }); ReplacesPrompt = $true }
                @{ Parameter = 'Model'; Value = 'm/x' }
                @{ Parameter = 'Temperature'; Value = 0.5 }
                @{ Parameter = 'TopP'; Value = 0.9 }
                @{ Parameter = 'MaxTokens'; Value = 100 }
                @{ Parameter = 'Stop'; Value = 'END' }
                @{ Parameter = 'Seed'; Value = 7 }
                @{ Parameter = 'PresencePenalty'; Value = 0.25 }
                @{ Parameter = 'FrequencyPenalty'; Value = -0.75 }
                @{ Parameter = 'Count'; Value = 2 }
                @{ Parameter = 'CacheTtl'; Value = 600 }
                @{ Parameter = 'JsonSchema'; Value = @{ type = 'object'; properties = @{ answer = @{ type = 'string' } } } }
                @{ Parameter = 'JsonObject'; Value = [switch] $true }
                @{ Parameter = 'Tool'; Value = $tool }
                @{ Parameter = 'ToolChoice'; Value = 'required'; Beside = @{ Tool = $tool } }
                @{ Parameter = 'Stream'; Value = [switch] $true }
            )
            # SystemPrompt, Conversation and ToolResult shape messages, which -Prompt's warning names.
            $writesNoField = @(
                'SystemPrompt', 'Conversation', 'ToolResult', 'InputObject', 'AsObject', 'AdditionalParameters', 'InvokeTool',
                'MaximumToolRound', 'ThrottleLimit', 'PassThru', 'ApiKey', 'BaseUri', 'TimeoutSec', 'TotalTimeoutSec', 'MaximumRetryCount',
                'RetryIntervalSec', 'SkipCertificateCheck', 'Proxy', 'ProxyCredential', 'ProxyUseDefaultCredentials', 'AllowUnencryptedAuthentication'
            )

            # The help's list of the fields the command writes itself, "field (-Parameter), ...", read with the
            # build's own markdown reader; the tests below hold it to what the command does.
            Import-Module "$PSScriptRoot/../build/MarkdownHelp.psm1" -Force
            $page = Read-MarkdownHelp -Path "$PSScriptRoot/../docs/en-US" | Where-Object Name -EQ 'Invoke-LaminiChat'
            $helpListLead = 'Fields the cmdlet writes itself, each with the parameter that sets it: '
            $helpList = @(($page.Parameters | Where-Object Name -EQ 'AdditionalParameters').Description |
                    Where-Object { $_.StartsWith($helpListLead) })
            $helpFields = @(foreach ($entry in [regex]::Matches("$helpList", '(?<field>\w+) \((?<parameter>-[^()]+)\)')) {
                    @{ Field = $entry.Groups['field'].Value; Parameter = $entry.Groups['parameter'].Value }
                })
        }

        BeforeAll {
            # Sends the prompt without -Parameter and with it; returns what was sent with it and the fields it changed.
            function Get-FieldSetBy([string] $Parameter, [object] $Value, [hashtable] $Beside, [bool] $ReplacesPrompt) {
                $before = @{ Prompt = 'hi' }
                if ($Beside) { $before += $Beside }
                $given = $before.Clone()
                $given[$Parameter] = $Value
                if ($ReplacesPrompt) { $given.Remove('Prompt') }
                $null = Invoke-LaminiChat @conn @before -ErrorAction SilentlyContinue
                $null = Invoke-LaminiChat @conn @given -ErrorAction SilentlyContinue
                $baseline, $plain = Get-ChatRequest $server
                $changed = @($plain.Json.PSObject.Properties.Name | Where-Object {
                        $was = $baseline.Json.PSObject.Properties[$_]
                        -not $was -or (ConvertTo-CompactJson $was.Value) -cne (ConvertTo-CompactJson $plain.Json.$_)
                    })
                [pscustomobject]@{ Given = $given; Request = $plain; Changed = $changed }
            }

            # Sends $Key (and user) in -AdditionalParameters: only user reaches the body, and one warning names $Parameter.
            function Assert-FieldRefused([string] $Key, [string] $Parameter) {
                # Set by index: a hash literal would throw on a $Key of user, which the body check reports instead.
                $additional = @{ user = 'u' }
                $additional[$Key] = 'x'
                $null = Invoke-LaminiChat 'hi' @conn -AdditionalParameters $additional -WarningVariable warnings -WarningAction SilentlyContinue
                (Get-ChatRequest $server).body | Should -BeExactly "{`"model`":`"$defaultModel`",`"messages`":[{`"role`":`"user`",`"content`":`"hi`"}],`"user`":`"u`"}"
                $warnings | Should -HaveCount 1
                "$warnings" | Should -BeExactly "-AdditionalParameters['$Key'] is ignored: Invoke-LaminiChat writes that field itself. Use $Parameter instead."
            }
        }

        It '<Key> is ignored with a warning naming <Parameter>, also when that parameter is not given' -ForEach @(
            @{ Key = 'Model'; Parameter = '-Model' }
            @{ Key = 'MESSAGES'; Parameter = '-Prompt or -Messages' }
            @{ Key = 'Stream'; Parameter = '-Stream' }
            @{ Key = 'stream_options'; Parameter = '-Stream' }
            @{ Key = 'Response_Format'; Parameter = '-JsonSchema or -JsonObject' }
            @{ Key = 'N'; Parameter = '-Count' }
            @{ Key = 'tools'; Parameter = '-Tool' }
            @{ Key = 'Tool_Choice'; Parameter = '-ToolChoice' }
            @{ Key = 'Temperature'; Parameter = '-Temperature' }
            @{ Key = 'cache'; Parameter = '-CacheTtl' }
        ) {
            Assert-FieldRefused -Key $Key -Parameter $Parameter
        }

        It 'no field a parameter sets can be sent twice: each, capitalised, leaves the body as the parameters made it (<Mode>)' -ForEach @(
            @{ Mode = 'every parameter'; Parameters = @{
                    Model = 'm/x'; SystemPrompt = 'Be brief.'; Temperature = 0.5; TopP = 0.9; MaxTokens = 100; Stop = 'END'; Seed = 7
                    PresencePenalty = 0.25; FrequencyPenalty = -0.75; Count = 2; CacheTtl = 600; JsonObject = $true
                }
            }
            @{ Mode = '-Stream'; Parameters = @{ Stream = $true } }
        ) {
            $null = Invoke-LaminiChat 'hi' @conn @Parameters -ErrorAction SilentlyContinue
            $plain = (Get-ChatRequest $server)[0]
            $fields = $plain.Json.PSObject.Properties.Name
            Reset-LaminiTestServer -Server $server
            $shadows = [ordered]@{}
            foreach ($field in $fields) { $shadows[$field.ToUpperInvariant()] = 'shadow' }
            $null = Invoke-LaminiChat 'hi' @conn @Parameters -AdditionalParameters $shadows -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
            (Get-ChatRequest $server)[0].body | Should -BeExactly $plain.body
            $warnings | Should -HaveCount $fields.Count
        }

        It 'every parameter of Invoke-LaminiChat is one the next test gives, or one that writes no top-level field of its own' -ForEach @{
            Setters = $fieldSetters.Parameter; Others = $writesNoField
        } {
            $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
            $parameters = (Get-Command Invoke-LaminiChat).Parameters.Keys | Where-Object { $_ -notin $common }
            $parameters | Where-Object { $_ -notin ($Setters + $Others) } | Should -BeNullOrEmpty -Because 'a new parameter needs a place in one list'
            $Setters + $Others | Where-Object { $_ -notin $parameters } | Should -BeNullOrEmpty -Because 'the lists name only real parameters'
        }

        It '-<Parameter>''s fields are all the command''s own: each, capitalised in -AdditionalParameters, is sent once as -<Parameter> set it, with a warning naming -<Parameter>' -ForEach $fieldSetters {
            $set = Get-FieldSetBy -Parameter $Parameter -Value $Value -Beside $Beside -ReplacesPrompt ([bool] $ReplacesPrompt)
            $given = $set.Given
            $plain = $set.Request
            $written = @($plain.Json.PSObject.Properties.Name)
            $changed = $set.Changed
            $changed | Should -Not -BeNullOrEmpty -Because "-$Parameter sets some field"

            Reset-LaminiTestServer -Server $server
            $shadows = [ordered]@{}
            foreach ($field in $written) { $shadows[$field.ToUpperInvariant()] = 'shadow' }
            $null = Invoke-LaminiChat @conn @given -AdditionalParameters $shadows -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
            (Get-ChatRequest $server)[0].body | Should -BeExactly $plain.body
            $warnings | Should -HaveCount $written.Count
            foreach ($field in $changed) {
                $warning = @($warnings | Where-Object { $_.Message.StartsWith("-AdditionalParameters['$($field.ToUpperInvariant())']") })
                $warning | Should -HaveCount 1
                $warning[0].Message | Should -Match "Use (.+ or )?-$Parameter( or .+)? instead\.$"
            }
        }

        It 'the help of -AdditionalParameters lists the fields the command writes itself, as "field (-Parameter), ..."' -ForEach @{
            List = $helpList; Lead = $helpListLead; Fields = $helpFields
        } {
            $List | Should -HaveCount 1 -Because 'docs/en-US/Invoke-LaminiChat.md has one paragraph that starts with the lead'
            $Lead + (@($Fields | ForEach-Object { "$($_.Field) ($($_.Parameter))" }) -join ', ') + '.' |
                Should -BeExactly $List[0] -Because 'every entry of the list reads "field (-Parameter)"'
        }

        It '<Field>, as the help lists it, is ignored with a warning naming <Parameter>, as the help says' -ForEach $helpFields {
            Assert-FieldRefused -Key $Field -Parameter $Parameter
        }

        It '-<Parameter>''s fields are in the help''s list of fields the command writes itself, each with -<Parameter>' -ForEach @(
            foreach ($setter in $fieldSetters) { $setter + @{ HelpFields = $helpFields } }
        ) {
            $documented = @{}
            foreach ($entry in $HelpFields) { $documented[$entry.Field] = $entry.Parameter }
            $changed = (Get-FieldSetBy -Parameter $Parameter -Value $Value -Beside $Beside -ReplacesPrompt ([bool] $ReplacesPrompt)).Changed
            $changed | Should -Not -BeNullOrEmpty -Because "-$Parameter sets some field"
            foreach ($field in $changed) {
                $documented.Contains($field) | Should -BeTrue -Because "-$Parameter writes $field, so the help must list it"
                $documented[$field] | Should -Match "^(.+ or )?-$Parameter( or .+)?$" -Because "-$Parameter writes $field, so the help must name -$Parameter for it"
            }
        }

        It 'a value JSON cannot hold (<Name>) stops the command with InvalidAdditionalParameters naming the key, and nothing is sent' -ForEach @(
            @{ Name = 'a script block'; Value = { { 'code' } }; Says = '*script block*' }
            @{ Name = 'NaN'; Value = { [double]::NaN }; Says = '*NaN*' }
            @{ Name = 'infinity'; Value = { [double]::PositiveInfinity }; Says = '*Infinity*' }
            @{ Name = 'a negative single-precision infinity'; Value = { [float]::NegativeInfinity }; Says = '*Infinity*' }
            @{ Name = 'a live process, nested in a hashtable'; Value = { @{ owner = @{ process = Get-Process -Id $PID } } }; Says = '*`[System.Diagnostics.Process`] is a live .NET object*' }
            @{ Name = 'NaN in an array'; Value = { @(1, [double]::NaN) }; Says = '*NaN*' }
        ) {
            $value = & $Value
            $failure = Get-Failure { 'a', 'b' | Invoke-LaminiChat @conn -AdditionalParameters @{ extra = $value } }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidAdditionalParameters,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike "$([WildcardPattern]::Escape("-AdditionalParameters['extra'] cannot be written as JSON: "))$Says"
            Get-Requests | Should -BeNullOrEmpty
        }
    }

    Context 'errors name their prompt' {
        It 'every per-prompt error''s message starts with its prompt (first 60 characters, one line), so Out-File says which questions failed' {
            $long = "Please summarise this ticket:`nThe printer on floor three has been printing llamas since Monday."
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ match = 'floor three'; status = 400; errorFixture = 'vllm_flat_400' }
                @{ match = '"Who answers 503?"'; status = 503; rawBody = 'busy'; contentType = 'text/plain'; times = -1 }
            )
            $errs = $null
            $replies = @('What is a llama?', $long, 'Who answers 503?' | Invoke-LaminiChat @conn -MaximumRetryCount 0 -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
            $replies.Prompt | Should -Be 'What is a llama?'
            $errs | Should -HaveCount 2
            $errs.TargetObject | Should -Be @($long, 'Who answers 503?')
            # The first 60 characters, its line break read as a space.
            $errs[0].ErrorDetails.Message | Should -BeLike "Prompt 'Please summarise this ticket: The printer on floor three has…': *HTTP 400*"
            $errs[1].ErrorDetails.Message | Should -BeLike "Prompt 'Who answers 503?': *HTTP 503*"
            $errs[0].ToString() | Should -BeExactly $errs[0].ErrorDetails.Message
            $log = Join-Path $tempRoot "failures-$([guid]::NewGuid()).log"
            $errs | Out-File -LiteralPath $log
            $text = Get-Content -Raw -LiteralPath $log
            $text | Should -BeLike "*Prompt 'Please summarise this ticket: The printer on floor three has…'*"
            $text | Should -BeLike "*Prompt 'Who answers 503?'*"
        }

        It 'a JSON reply that does not parse names its prompt before the raw reply' {
            $errs = $null
            $null = 'Give me JSON' | Invoke-LaminiChat @conn -JsonObject -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'JsonReplyInvalid,*'
            $errs[0].ErrorDetails.Message | Should -BeLike "Prompt 'Give me JSON': *Raw reply: Echo: Give me JSON"
        }
    }
}
