# Ctrl+C, in every wait Invoke-LaminiChat can be in: a request in flight, a backoff before a retry, a
# stream that stalls or keeps sending, ten requests of a batch, a tool command that runs. Each runs in
# a child runspace that is stopped as Ctrl+C stops a pipeline; the command must end at once (within
# 2 s), its requests must be abandoned, and nothing more may be sent.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    # Retries stay on, so "nothing more is sent" also means "not retried after Ctrl+C".
    $script:conn = New-TestConnection $server @{ RetryIntervalSec = 0.05 }

    <#
    .SYNOPSIS
        Runs $Script (given the connection splat) in a child runspace, waits until $Ready (given the
        child shell and its output so far) holds, then -SettleMs more, and stops it as Ctrl+C does.
        Returns how long the stop took, the shell's state, whether the invocation had completed before
        and after, and the output written before the stop.
    #>
    function Stop-WhenReady {
        param(
            [Parameter(Mandatory)] [scriptblock] $Script,
            [Parameter(Mandatory)] [scriptblock] $Ready,
            [int] $SettleMs = 200
        )
        $shell = New-ChildShell
        try {
            $null = $shell.AddScript($Script).AddArgument($conn)
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            # An input collection left open would hold the script until it completes.
            $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $noInput.Complete()
            $handle = $shell.BeginInvoke($noInput, $output)
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while (-not (& $Ready $shell $output) -and -not $handle.IsCompleted -and $clock.Elapsed.TotalSeconds -lt 30) {
                Start-Sleep -Milliseconds 25
            }
            & $Ready $shell $output | Should -BeTrue -Because 'the command must reach the wait before it is stopped'
            Start-Sleep -Milliseconds $SettleMs
            $completedBefore = $handle.IsCompleted

            $clock.Restart()
            $shell.Stop()
            $clock.Stop()
            [pscustomobject]@{
                StopSeconds     = $clock.Elapsed.TotalSeconds
                State           = $shell.InvocationStateInfo.State
                CompletedBefore = $completedBefore
                Completed       = $handle.IsCompleted
                # By index: enumerating a PSDataCollection waits until it is completed.
                Output          = @(for ($i = 0; $i -lt $output.Count; $i++) { $output[$i] })
            }
        } finally {
            $shell.Dispose()
        }
    }

    # Polls the server until no request is in flight; false when $TimeoutSec passes first.
    function Wait-NoneInFlight([double] $TimeoutSec = 3) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        while ((Get-LaminiTestStats -Server $server).inFlight -gt 0 -and $clock.Elapsed.TotalSeconds -lt $TimeoutSec) {
            Start-Sleep -Milliseconds 25
        }
        (Get-LaminiTestStats -Server $server).inFlight -eq 0
    }

    # One chat.completion.chunk with a content delta, as vLLM frames it.
    function New-ContentChunk([string] $Content, [string] $FinishReason) {
        $choice = [ordered]@{ index = 0; delta = @{ content = $Content } }
        if ($FinishReason) { $choice.finish_reason = $FinishReason }
        ConvertTo-CompactJson ([ordered]@{ id = 's1'; object = 'chat.completion.chunk'; created = 1741379785; model = 'm'; choices = @($choice) })
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Ctrl+C stops Invoke-LaminiChat at once' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    It 'while a 30 s request is in flight, and the request is not retried' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 30000; times = -1 }

        $stopped = Stop-WhenReady -Script {
            param($Connection)
            Invoke-LaminiChat 'slow question' @Connection -TimeoutSec 0
        } -Ready { @(Get-ChatRequest $server).Count -ge 1 }

        $stopped.CompletedBefore | Should -BeFalse
        $stopped.StopSeconds | Should -BeLessThan 2
        $stopped.State | Should -Be 'Stopped'
        $stopped.Completed | Should -BeTrue
        $requests = @(Get-ChatRequest $server -Settled)
        $requests | Should -HaveCount 1 -Because 'nothing is sent after Ctrl+C'
        $requests[0].clientAborted | Should -BeTrue
    }

    It 'during a backoff wait (retry-after-ms 20000 on a 503)' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = -1; headers = @{ 'retry-after-ms' = '20000' } }

        $stopped = Stop-WhenReady -Script {
            param($Connection)
            Invoke-LaminiChat 'stop me' @Connection -TimeoutSec 0 -Verbose
        } -Ready {
            param($Shell)
            @(Get-ChatRequest $server).Count -ge 1 -and @($Shell.Streams.Verbose | Where-Object Message -Like '*retrying in 20 s*').Count -ge 1
        }

        $stopped.CompletedBefore | Should -BeFalse
        $stopped.StopSeconds | Should -BeLessThan 2
        $stopped.State | Should -Be 'Stopped'
        @(Get-ChatRequest $server) | Should -HaveCount 1 -Because 'the retry it waited for is never sent'
    }

    It 'while a stream that has started stalls' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ sse = @(
                @{ data = (New-ContentChunk 'Hel') }
                @{ data = (New-ContentChunk 'lo' 'stop'); delayMs = 30000 }
                @{ data = '[DONE]' }
            ) }

        $stopped = Stop-WhenReady -Script {
            param($Connection)
            Invoke-LaminiChat 'slow stream' -Stream @Connection -MaximumRetryCount 0 -TimeoutSec 120
        } -Ready { param($Shell, $Output) $Output.Count -ge 1 } -SettleMs 0

        $stopped.Output | Should -HaveCount 1 -Because 'the first piece must have arrived before the pipeline is stopped'
        "$($stopped.Output[0])" | Should -BeExactly 'Hel'
        $stopped.CompletedBefore | Should -BeFalse
        $stopped.StopSeconds | Should -BeLessThan 2
        $stopped.State | Should -Be 'Stopped'
    }

    It 'while stream pieces keep arriving, and the stream is abandoned' {
        $events = @(
            @{ data = (New-ContentChunk 'Never') }
            @{ data = (New-ContentChunk ' ending') }
        ) + @(1..60 | ForEach-Object { @{ data = (New-ContentChunk " $_"); delayMs = 500 } })
        Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

        $stopped = Stop-WhenReady -Script {
            param($Connection)
            Invoke-LaminiChat @Connection -Stream -Prompt 'go on'
        } -Ready { param($Shell, $Output) $Output.Count -ge 3 } -SettleMs 0

        $stopped.Output.Count | Should -BeGreaterOrEqual 3 -Because 'pieces reach the pipeline while the stream runs'
        $stopped.StopSeconds | Should -BeLessThan 2
        $stopped.Completed | Should -BeTrue
        Wait-NoneInFlight | Should -BeTrue -Because 'the server should see the stream abandoned'
        (Get-ChatRequest $server)[0].clientAborted | Should -BeTrue
    }

    It 'with ten requests of a batch in flight: all are abandoned and no more are sent' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ delayMs = 60000; times = -1 }

        $stopped = Stop-WhenReady -Script {
            param($Connection)
            1..100 | ForEach-Object { "p$_" } | Invoke-LaminiChat @Connection -MaximumRetryCount 0 -ThrottleLimit 10
        } -Ready { (Get-LaminiTestStats -Server $server).inFlight -ge 10 } -SettleMs 0

        $stopped.StopSeconds | Should -BeLessThan 2
        $stopped.Completed | Should -BeTrue
        $stopped.State | Should -Be 'Stopped'
        Wait-NoneInFlight | Should -BeTrue -Because 'the server should see every request abandoned'
        (Get-LaminiTestStats -Server $server).total | Should -Be 10 -Because 'nothing more is sent after Ctrl+C'
        @(Get-LaminiTestRequest -Server $server | Where-Object { -not $_.clientAborted }).Count | Should -Be 0
    }

    It 'while a tool command runs (-InvokeTool), and nothing more is sent' {
        Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Wait-Long'; arguments = @{ Seconds = 60 } }) }

        $stopped = Stop-WhenReady -Script {
            param($Connection)
            function Wait-Long { param([int] $Seconds) Start-Sleep -Seconds $Seconds; 'done' }
            Invoke-LaminiChat 'wait' -Tool (Get-Command Wait-Long) -InvokeTool @Connection -MaximumRetryCount 0
        } -Ready { @(Get-ChatRequest $server).Count -ge 1 } -SettleMs 500

        $stopped.StopSeconds | Should -BeLessThan 10
        $stopped.State | Should -Be 'Stopped'
        $stopped.Completed | Should -BeTrue
        $requests = @(Get-ChatRequest $server)
        $requests.Count | Should -Be 1 -Because ('the requests were: ' + (($requests | ForEach-Object { ConvertTo-CompactJson $_.Json.messages }) -join ' | '))
    }
}
