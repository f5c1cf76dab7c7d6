# Nothing lost in a batch: 200 prompts piped into Invoke-LaminiChat while the test server fails
# a fifth of the requests transiently (503, 429, dropped connections) and, in the second case,
# ten prompts for good. Every prompt must yield exactly one reply or exactly one error, in input
# order, and the server's log must show no prompt sent more often than the retry policy allows.
# Run one at a time and ten at a time. Long lists are compared joined into one string: Pester's
# element-by-element comparison of 200 items costs most of a second each.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ RetryIntervalSec = 0.05 }

    # Fixed width, so no prompt is a substring of another and a behaviour's match hits one prompt.
    $script:prompts = @(1..200 | ForEach-Object { 'prompt-{0:d3}' -f $_ })

    # 50 prompts (every fourth) fail once: 50 of the 250 requests, a fifth, in three ways.
    $script:transient = @(for ($i = 3; $i -lt 200; $i += 4) { $prompts[$i] })
    $script:transientBehaviors = @(for ($k = 0; $k -lt $transient.Count; $k++) {
            $match = $transient[$k] + '"'
            switch ($k % 3) {
                0 { @{ match = $match; times = 1; status = 503; headers = @{ 'retry-after-ms' = '20' } } }
                1 { @{ match = $match; times = 1; status = 429; errorFixture = 'litellm_429'; headers = @{ 'retry-after-ms' = '30' } } }
                2 { @{ match = $match; times = 1; drop = $true } }
            }
        })

    # 10 prompts fail for good: half with a 400 (never retried), half with a 503 every time.
    $script:permanent = @(for ($i = 9; $i -lt 200; $i += 20) { $prompts[$i] })
    $script:badRequest = @($permanent | Where-Object { [array]::IndexOf($permanent, $_) % 2 -eq 0 })
    $script:unavailable = @($permanent | Where-Object { [array]::IndexOf($permanent, $_) % 2 -eq 1 })
    $script:permanentBehaviors = @(
        $badRequest | ForEach-Object { @{ match = $_ + '"'; times = -1; status = 400; errorFixture = 'vllm_flat_400' } }
        $unavailable | ForEach-Object { @{ match = $_ + '"'; times = -1; status = 503; headers = @{ 'retry-after-ms' = '20' } } }
    )

    # Pipes every prompt in; replies and errors come back in one stream, in the order written.
    function script:Invoke-Batch([hashtable] $Parameters) {
        $all = Join-Splat $conn $Parameters
        Invoke-Captured { $prompts | Invoke-LaminiChat @all -ErrorAction Continue }
    }

    # How often the server saw each prompt.
    function script:Get-PromptCount {
        $counts = @{}
        foreach ($request in Get-LaminiTestRequest -Server $server -Path '*/chat/completions') {
            $prompt = $request.Json.messages[-1].content
            $counts[$prompt] = 1 + [int]$counts[$prompt]
        }
        $counts
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Invoke-LaminiChat batches under faults' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    It 'ThrottleLimit <ThrottleLimit>: 200 prompts, a fifth of the requests failing transiently, give 200 replies in order' -ForEach @(
        @{ ThrottleLimit = 1 }
        @{ ThrottleLimit = 10 }
    ) {
        Add-LaminiTestBehavior -Server $server -Behavior $transientBehaviors

        $result = Invoke-Batch @{ ThrottleLimit = $ThrottleLimit }

        $result.Errors | Should -BeNullOrEmpty
        $result.Replies | Should -HaveCount 200
        ($result.Sequence -join "`n") | Should -Be ($prompts -join "`n")
        ($result.Replies.Content -join "`n") | Should -Be (@($prompts | ForEach-Object { "Echo: $_" }) -join "`n")

        # Transient ones exactly twice (one failure, one success), the rest once: never 3 or more.
        $counts = Get-PromptCount
        $counts.Count | Should -Be 200
        $wrong = @(foreach ($prompt in $prompts) {
                $expected = if ($transient -contains $prompt) { 2 } else { 1 }
                if ($counts[$prompt] -ne $expected) { "$prompt sent $($counts[$prompt]) times, expected $expected" }
            })
        $wrong | Should -BeNullOrEmpty
        $stats = Get-LaminiTestStats -Server $server
        $stats.total | Should -Be 250
        $stats.maxInFlight | Should -BeLessOrEqual $ThrottleLimit
        if ($ThrottleLimit -gt 1) { $stats.maxInFlight | Should -BeGreaterThan 1 }
    }

    It 'ThrottleLimit <ThrottleLimit>: with 10 prompts failing for good, 190 replies and 10 errors naming their prompts, in order' -ForEach @(
        @{ ThrottleLimit = 1 }
        @{ ThrottleLimit = 10 }
    ) {
        Add-LaminiTestBehavior -Server $server -Behavior ($permanentBehaviors + $transientBehaviors)

        $result = Invoke-Batch @{ ThrottleLimit = $ThrottleLimit; MaximumRetryCount = 1 }

        # Exactly one reply or one error per prompt, in input order, no duplicates.
        $result.All | Should -HaveCount 200
        ($result.Sequence -join "`n") | Should -Be ($prompts -join "`n")
        $result.Replies | Should -HaveCount 190
        ($result.Replies.Prompt -join "`n") | Should -Be (@($prompts | Where-Object { $permanent -notcontains $_ }) -join "`n")
        ($result.Replies.Content -join "`n") | Should -Be (@($result.Replies | ForEach-Object { "Echo: $($_.Prompt)" }) -join "`n")
        $result.Errors | Should -HaveCount 10
        $result.Errors.TargetObject | Should -Be $permanent
        foreach ($err in $result.Errors) {
            if ($badRequest -contains $err.TargetObject) {
                $err.FullyQualifiedErrorId | Should -Be 'BadRequest,LaminiPS.Commands.InvokeLaminiChatCommand'
                $err.Exception.Message | Should -BeLike '*maximum context length*'
                $err.Exception.Attempts | Should -Be 1
            } else {
                $err.FullyQualifiedErrorId | Should -Be 'ServiceUnavailable,LaminiPS.Commands.InvokeLaminiChatCommand'
                $err.Exception.Message | Should -BeLike '*Gave up after 2 attempts.*'
                $err.Exception.Attempts | Should -Be 2
            }
        }

        # The log: nobody beyond 1 + MaximumRetryCount; each fault retried exactly as the policy says.
        $counts = Get-PromptCount
        $counts.Count | Should -Be 200
        ($counts.Values | Measure-Object -Maximum).Maximum | Should -Be 2 -Because '-MaximumRetryCount 1 allows 2 attempts'
        $wrong = @(foreach ($prompt in $prompts) {
                $expected = if ($unavailable -contains $prompt -or $transient -contains $prompt) { 2 } else { 1 }
                if ($counts[$prompt] -ne $expected) { "$prompt sent $($counts[$prompt]) times, expected $expected" }
            })
        $wrong | Should -BeNullOrEmpty
        $stats = Get-LaminiTestStats -Server $server
        $stats.total | Should -Be (200 + $transient.Count + $unavailable.Count)
        $stats.maxInFlight | Should -BeLessOrEqual $ThrottleLimit
    }
}
