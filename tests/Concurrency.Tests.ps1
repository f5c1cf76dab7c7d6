# Batches through Invoke-LaminiChat -ThrottleLimit: how many requests are in flight (by the
# server's own count), replies in input order however the server orders its answers, replies
# written while the batch still runs (proved with timestamps, not wall-clock bounds), a large
# zero-delay batch, progress records, and token sums. (Ctrl+C with many requests in flight: Stopping.Tests.ps1.)

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ MaximumRetryCount = 0 }

    # Prompts whose text is unique as a substring of any request body: 'q07.' never matches 'q17.'.
    function New-Prompt([int] $Count) {
        1..$Count | ForEach-Object { 'q{0:d2}.' -f $_ }
    }

    # Polls the server until $Condition (given the stats) holds; false when $TimeoutSec passes first.
    function Wait-Stats([scriptblock] $Condition, [double] $TimeoutSec = 10) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        while ($clock.Elapsed.TotalSeconds -lt $TimeoutSec) {
            if (& $Condition (Get-LaminiTestStats -Server $server)) { return $true }
            Start-Sleep -Milliseconds 25
        }
        $false
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Invoke-LaminiChat -ThrottleLimit' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'requests in flight, with a fixed 300 ms per request' {
        It 'keeps at most, and reaches exactly, <Limit> in flight' -TestCases @(
            @{ Limit = 1; Count = 3 }
            @{ Limit = 3; Count = 6 }
            @{ Limit = 5; Count = 10 }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 300; times = -1 }

            $replies = @(New-Prompt $Count | Invoke-LaminiChat @conn -ThrottleLimit $Limit)

            $replies.Count | Should -Be $Count
            $stats = Get-LaminiTestStats -Server $server
            $stats.total | Should -Be $Count
            $stats.maxInFlight | Should -BeLessOrEqual $Limit
            $stats.maxInFlight | Should -Be $Limit
        }

        It 'sends one request after another with -ThrottleLimit 1' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 300; times = -1 }

            $null = Invoke-LaminiChat @conn -Prompt (New-Prompt 3) -ThrottleLimit 1

            $requests = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions')
            $requests.Count | Should -Be 3
            for ($i = 1; $i -lt $requests.Count; $i++) {
                $requests[$i].receivedAt | Should -BeGreaterOrEqual $requests[$i - 1].completedAt
            }
        }

        It 'keeps the default of 5 in flight for an array given to -Prompt' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 300; times = -1 }

            $replies = @(Invoke-LaminiChat @conn -Prompt (New-Prompt 10))

            $replies.Count | Should -Be 10
            (Get-LaminiTestStats -Server $server).maxInFlight | Should -Be 5
        }
    }

    Context 'output order' {
        It 'gives 50 replies in input order when the server answers them in reverse' {
            $prompts = @(New-Prompt 50)
            # Later prompts answer sooner, so within every window of requests in flight the
            # server finishes them back to front.
            $behaviors = for ($i = 0; $i -lt 50; $i++) {
                @{ match = $prompts[$i]; delayMs = (50 - $i) * 8; times = 1 }
            }
            Add-LaminiTestBehavior -Server $server -Behavior $behaviors

            $replies = @($prompts | Invoke-LaminiChat @conn -ThrottleLimit 10)

            $replies.Count | Should -Be 50
            $replies.Prompt | Should -Be $prompts
            $replies.Content | Should -Be ($prompts | ForEach-Object { "Echo: $_" })
            # The server really did answer out of order.
            $requests = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions')
            $answerOrder = @($requests | Sort-Object completedAt, seq | ForEach-Object { $_.Json.messages[-1].content })
            $answerOrder.Count | Should -Be 50
            ($answerOrder -join ',') | Should -Not -Be ($prompts -join ',')
            (Get-LaminiTestStats -Server $server).maxInFlight | Should -BeLessOrEqual 10
        }

        It 'writes the first reply before the last request is sent' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 300; times = -1 }
            $written = [System.Collections.Generic.List[DateTimeOffset]]::new()

            $replies = @(New-Prompt 20 | Invoke-LaminiChat @conn -ThrottleLimit 5 |
                ForEach-Object { $written.Add([DateTimeOffset]::UtcNow); $_ })

            $replies.Count | Should -Be 20
            $lastSent = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions' |
                Measure-Object -Property receivedAt -Maximum).Maximum
            $written[0] | Should -BeLessThan $lastSent
        }

        It 'writes the first reply early for an array given to -Prompt too' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 300; times = -1 }
            $written = [System.Collections.Generic.List[DateTimeOffset]]::new()

            $null = Invoke-LaminiChat @conn -Prompt (New-Prompt 20) -ThrottleLimit 5 |
                ForEach-Object { $written.Add([DateTimeOffset]::UtcNow) }

            $written.Count | Should -Be 20
            $lastSent = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions' |
                Measure-Object -Property receivedAt -Maximum).Maximum
            $written[0] | Should -BeLessThan $lastSent
        }

        It 'keeps every reply of 2,000 prompts in order at -ThrottleLimit 20 with no delay' {
            $prompts = 1..2000 | ForEach-Object { "n$_" }

            $replies = @($prompts | Invoke-LaminiChat @conn -ThrottleLimit 20)

            $replies.Count | Should -Be 2000
            $expected = $prompts | ForEach-Object { "Echo: $_" }
            ($replies.Content -join "`n") | Should -BeExactly ($expected -join "`n")
            ($replies.Prompt -join "`n") | Should -BeExactly ($prompts -join "`n")
            $stats = Get-LaminiTestStats -Server $server
            $stats.total | Should -Be 2000
            $stats.maxInFlight | Should -BeLessOrEqual 20
        }
    }

    Context 'failures and bounded memory' {
        It 'writes a failed prompt''s error in its place and carries on' {
            $prompts = @(New-Prompt 10)
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ match = 'q03.'; status = 400; errorFixture = 'vllm_flat_400'; times = -1 }
                @{ match = 'q06.'; status = 503; times = 1 }
                @{ delayMs = 100; times = -1 }
            )

            $output = @($prompts | Invoke-LaminiChat @conn -MaximumRetryCount 2 -RetryIntervalSec 0.05 -ThrottleLimit 4 -ErrorAction Continue 2>&1)

            $output.Count | Should -Be 10
            $output[2] | Should -BeOfType ([System.Management.Automation.ErrorRecord])
            $output[2].FullyQualifiedErrorId | Should -Be 'BadRequest,LaminiPS.Commands.InvokeLaminiChatCommand'
            $output[2].TargetObject | Should -Be 'q03.'
            $replies = @($output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
            $replies.Prompt | Should -Be ($prompts | Where-Object { $_ -ne 'q03.' })
            @(Get-LaminiTestRequest -Server $server | Where-Object { $_.Json.messages[-1].content -eq 'q06.' }).Count |
                Should -Be 2 -Because 'the 503 was retried'
        }

        It 'holds at most 4 x ThrottleLimit prompts while an early one is slow' {
            # q01 takes a second; the rest answer at once but cannot be written before it.
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ match = 'q01.'; delayMs = 1000; times = 1 }
            )

            $written = [System.Collections.Generic.List[DateTimeOffset]]::new()

            $replies = @(New-Prompt 30 | Invoke-LaminiChat @conn -ThrottleLimit 2 |
                ForEach-Object { $written.Add([DateTimeOffset]::UtcNow); $_ })

            $replies.Prompt | Should -Be @(New-Prompt 30)
            # Until q01's reply is written, at most 4 x 2 prompts may have been taken on.
            $requests = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions')
            $sentMeanwhile = @($requests | Where-Object receivedAt -LT $written[0])
            $sentMeanwhile.Count | Should -BeLessOrEqual 8
            $sentMeanwhile.Count | Should -BeGreaterOrEqual 2
        }
    }

    Context 'progress' {
        BeforeAll {
            # Runs a batch of 20 prompts (150 ms each, 5 at a time) in a child shell under
            # $ProgressPreference, given to -Prompt or piped; returns its replies, errors and progress records.
            function Invoke-BatchWithProgress([string] $Preference, [switch] $Piped) {
                Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 150; times = -1 }
                $ps = New-ChildShell
                try {
                    $null = $ps.AddScript({
                            param($Connection, $Prompts, $Preference, $Piped)
                            $ProgressPreference = $Preference
                            if ($Piped) { $Prompts | Invoke-LaminiChat @Connection -ThrottleLimit 5 } else { Invoke-LaminiChat @Connection -Prompt $Prompts -ThrottleLimit 5 }
                        }).AddArgument($conn).AddArgument(@(New-Prompt 20)).AddArgument($Preference).AddArgument([bool]$Piped)
                    $replies = @($ps.Invoke())
                    [pscustomobject]@{ Replies = $replies; HadErrors = $ps.HadErrors; Progress = @($ps.Streams.Progress) }
                } finally {
                    $ps.Dispose()
                }
            }
        }

        It 'writes progress records, and a Completed one, for a batch of 20' {
            $batch = Invoke-BatchWithProgress 'Continue'

            $batch.HadErrors | Should -BeFalse
            $batch.Replies.Count | Should -Be 20
            $records = $batch.Progress
            $records.Count | Should -BeGreaterOrEqual 2
            $records.ActivityId | Sort-Object -Unique | Should -Be 1
            $records[-1].RecordType | Should -Be 'Completed'
            $working = @($records | Where-Object RecordType -EQ 'Processing')
            $working.Count | Should -BeGreaterOrEqual 1
            $working[0].StatusDescription | Should -Match '^\d+ done, \d+ in flight, \d+ failed$'
            # The count is known for an array given to -Prompt, so there is a percentage.
            $working | ForEach-Object { $_.PercentComplete | Should -BeIn (0..100) }
        }

        It 'writes progress without a percentage when the count is unknown (piped prompts)' {
            $batch = Invoke-BatchWithProgress 'Continue' -Piped

            $batch.Replies.Count | Should -Be 20
            $working = @($batch.Progress | Where-Object RecordType -EQ 'Processing')
            $working.Count | Should -BeGreaterOrEqual 1
            $working | ForEach-Object { $_.PercentComplete | Should -Be -1 }
            $batch.Progress[-1].RecordType | Should -Be 'Completed'
        }

        It 'writes no progress under $ProgressPreference SilentlyContinue' {
            $batch = Invoke-BatchWithProgress 'SilentlyContinue'

            $batch.Replies.Count | Should -Be 20
            $batch.Progress.Count | Should -Be 0
        }
    }

    Context 'token accounting' {
        It 'sums the server''s usage with Measure-Object TotalTokens -Sum' {
            $prompts = @(New-Prompt 10)
            $behaviors = for ($i = 0; $i -lt 10; $i++) {
                $usage = @{ prompt_tokens = 10 + $i; completion_tokens = 100 * ($i + 1); total_tokens = 10 + $i + 100 * ($i + 1) }
                @{
                    match = $prompts[$i]
                    body  = @{
                        id      = "chatcmpl-$i"
                        object  = 'chat.completion'
                        created = 1741379785
                        model   = 'meta-llama/Llama-3.2-3B-Instruct'
                        choices = @(@{ index = 0; finish_reason = 'stop'; message = @{ role = 'assistant'; content = "reply $i" } })
                        usage   = $usage
                    }
                }
            }
            Add-LaminiTestBehavior -Server $server -Behavior $behaviors

            $replies = @($prompts | Invoke-LaminiChat @conn -ThrottleLimit 4)

            $replies.Count | Should -Be 10
            ($replies | Measure-Object TotalTokens -Sum).Sum | Should -Be (145 + 5500)
            ($replies | Measure-Object PromptTokens -Sum).Sum | Should -Be 145
            ($replies | Measure-Object CompletionTokens -Sum).Sum | Should -Be 5500
        }

        It 'sums the default replies'' usage as the server counted it' {
            # The test server counts words: the prompt's, and those of 'Echo: <prompt>'.
            $prompts = 'one', 'two words', 'now three words', 'and now four words'
            $expected = ($prompts | ForEach-Object { 2 * ($_ -split ' ').Count + 1 } | Measure-Object -Sum).Sum

            $replies = @($prompts | Invoke-LaminiChat @conn)

            ($replies | Measure-Object TotalTokens -Sum).Sum | Should -Be $expected
            ($replies | Measure-Object PromptTokens -Sum).Sum | Should -Be 10
        }
    }
}
