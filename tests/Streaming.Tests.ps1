# Invoke-LaminiChat -Stream: text pieces written as they arrive (proved with the server's event
# timestamps), the -PassThru reply, the request body, every SSE detail of ../shared/WIRE.md
# (CRLF, multi-line data, comments, other fields, missing [DONE], missing fields), errors after
# HTTP 200, cut streams, JSON errors, the idle (not total) deadline, and no retry once text is out.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    # Retries stay on (the default count) so every "not retried" check means something.
    $script:conn = New-TestConnection $server @{ RetryIntervalSec = 0.05 }
    $script:streamError = 'StreamError,LaminiPS.Commands.InvokeLaminiChatCommand'
    $script:streamTruncated = 'StreamTruncated,LaminiPS.Commands.InvokeLaminiChatCommand'

    # Runs Invoke-LaminiChat -Stream; returns what it wrote (Invoke-Captured) and how long it took.
    function Invoke-Stream([string] $Prompt = 'Tell me about llamas', [hashtable] $Extra = @{}) {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-Captured { Invoke-LaminiChat @conn -Stream -Prompt $Prompt @Extra -ErrorAction Continue }
        $result | Add-Member -PassThru -NotePropertyName Elapsed -NotePropertyValue $clock.Elapsed.TotalSeconds
    }

    # One chat.completion.chunk as JSON text, as vLLM frames it; -NoChoices gives 'choices: []'.
    function New-Chunk([hashtable] $Delta = @{}, [string] $FinishReason, [switch] $NoChoices, [hashtable] $Usage) {
        $chunk = [ordered]@{ id = 'chatcmpl-t'; object = 'chat.completion.chunk'; created = 1741379785; model = 'm' }
        $choice = [ordered]@{ index = 0; delta = $Delta; logprobs = $null; finish_reason = $null }
        if ($FinishReason) { $choice.finish_reason = $FinishReason }
        $chunk.choices = [object[]]@()
        if (-not $NoChoices) { $chunk.choices = [object[]]@($choice) }
        if ($Usage) { $chunk.usage = $Usage }
        ConvertTo-Json -InputObject $chunk -Depth 10 -Compress
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Invoke-LaminiChat -Stream' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'a normal stream' {
        It 'writes text pieces that concatenate to the reply' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse' }

            $result = Invoke-Stream

            $result.Errors.Count | Should -Be 0
            $result.Output | ForEach-Object { $_ | Should -BeOfType [string] }
            $result.Output | Should -Be 'The', ' best llama', ' is yours.'
            ($result.Output -join '') | Should -BeExactly 'The best llama is yours.'
        }

        It 'adds the assembled reply at the end with -PassThru' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse' }

            $result = Invoke-Stream -Prompt 'Which llama is best?' -Extra @{ PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output.Count | Should -Be 4
            ($result.Output[0..2] -join '') | Should -BeExactly 'The best llama is yours.'
            $reply = $result.Output[-1]
            $reply | Should -BeOfType ([LaminiPS.Models.LaminiChatResponse])
            $reply.Content | Should -BeExactly 'The best llama is yours.'
            $reply.FinishReason | Should -Be 'stop'
            $reply.Usage.PromptTokens | Should -Be 41
            $reply.Usage.CompletionTokens | Should -Be 5
            $reply.Usage.TotalTokens | Should -Be 46
            $reply.TotalTokens | Should -Be 46
            $reply.Id | Should -Be 'chatcmpl-5f0c'
            $reply.Prompt | Should -Be 'Which llama is best?'
            $reply.Messages.Count | Should -Be 2
            $reply.Messages[0].Role | Should -Be 'user'
            $reply.Messages[0].Content | Should -Be 'Which llama is best?'
            $reply.Messages[1].Role | Should -Be 'assistant'
            $reply.Messages[1].Content | Should -BeExactly 'The best llama is yours.'
        }

        It 'sends stream true with stream_options.include_usage' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse' }

            $null = Invoke-Stream

            $request = Get-ChatRequest $server
            $request.Count | Should -Be 1
            $request[0].Json.stream | Should -BeTrue
            $request[0].Json.stream_options.include_usage | Should -BeTrue
        }

        It 'writes the first piece before the server sends the last event' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse'; sseEventDelayMs = 200 }
            $written = [System.Collections.Generic.List[DateTimeOffset]]::new()

            $pieces = @(Invoke-LaminiChat @conn -Stream -Prompt 'live' | ForEach-Object { $written.Add([DateTimeOffset]::UtcNow); $_ })

            ($pieces -join '') | Should -BeExactly 'The best llama is yours.'
            $record = (Get-ChatRequest $server)[0]
            $record.eventTimes.Count | Should -Be 6
            $written[0] | Should -BeLessThan $record.eventTimes[-1]
            # And every piece but the last was out before the last event was sent.
            $written[1] | Should -BeLessThan $record.eventTimes[-1]
        }

        It 'streams piped prompts one at a time, in order, whatever -ThrottleLimit says' {
            $pieces = @('one', 'two three' | Invoke-LaminiChat @conn -Stream -ThrottleLimit 5)

            ($pieces -join '|') | Should -BeExactly 'Echo:| one|Echo:| two| three'
            # The server counts a request in flight until its handler returns, a moment after the
            # client has read the last event, so sequencing is judged by event times instead.
            $first, $second = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions' -Settled | Sort-Object seq)
            $second.receivedAt | Should -BeGreaterOrEqual $first.eventTimes[-1]
        }

        It 'writes each -PassThru reply after its own pieces' {
            $output = @('one', 'two' | Invoke-LaminiChat @conn -Stream -PassThru)

            $output.Count | Should -Be 6
            $output[0..1] -join '' | Should -BeExactly 'Echo: one'
            $output[2].Content | Should -BeExactly 'Echo: one'
            $output[3..4] -join '' | Should -BeExactly 'Echo: two'
            $output[5].Content | Should -BeExactly 'Echo: two'
        }
    }

    Context 'SSE framing' {
        It 'reads CRLF framing' {
            $events = @(
                (New-Chunk -Delta @{ role = 'assistant'; content = '' })
                (New-Chunk -Delta @{ content = 'Hello' })
                (New-Chunk -Delta @{ content = ', CRLF' } -FinishReason 'stop')
                '[DONE]'
            ) | ForEach-Object { @{ raw = "data: $_`r`n`r`n" } }
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output[0..1] | Should -Be 'Hello', ', CRLF'
            $result.Output[-1].FinishReason | Should -Be 'stop'
        }

        It 'joins several data lines of one event' {
            # Each line of a data text becomes its own 'data:' line; alone, none is valid JSON.
            $events = @(
                @{ data = "{`"choices`":[{`"index`":0,`n`"delta`":{`"content`":`"Multi`"},`n`"finish_reason`":null}]}" }
                @{ data = "{`"choices`":`n[{`"index`":0,`"delta`":{`"content`":`"-line`"},`n`"finish_reason`":`"stop`"}]`n}" }
                @{ data = '[DONE]' }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream

            $result.Errors.Count | Should -Be 0
            $result.Output | Should -Be 'Multi', '-line'
            (Get-ChatRequest $server)[0].eventTimes.Count | Should -Be 3
        }

        It 'ignores keep-alive comments, between events and inside one' {
            $events = @(
                @{ raw = ": keep-alive`n`n" }
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = '' }) }
                @{ raw = ": keep-alive`n`n" }
                @{ raw = ": ping`ndata: $(New-Chunk -Delta @{ content = 'Kept' })`n: another comment`n`n" }
                @{ raw = ":`n`n" }
                @{ data = (New-Chunk -Delta @{ content = ' alive' } -FinishReason 'stop') }
                @{ raw = ": keep-alive`n`n" }
                @{ data = '[DONE]' }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output[0..1] | Should -Be 'Kept', ' alive'
            $result.Output[-1].Content | Should -BeExactly 'Kept alive'
        }

        It 'counts keep-alive comments as activity for the idle deadline' {
            # Text, then 1.8 s of only comments (every 0.6 s) with -TimeoutSec 1, then the end.
            $events = @(
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = 'Slow' }) }
                @{ raw = ": keep-alive`n`n"; delayMs = 600 }
                @{ raw = ": keep-alive`n`n"; delayMs = 600 }
                @{ raw = ": keep-alive`n`n"; delayMs = 600 }
                @{ data = (New-Chunk -Delta @{ content = ' thinker' } -FinishReason 'stop') }
                @{ data = '[DONE]' }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ TimeoutSec = 1 }

            $result.Errors.Count | Should -Be 0
            ($result.Output -join '') | Should -BeExactly 'Slow thinker'
        }

        It 'ignores event:, id: and retry: lines (and reads data: without a space)' {
            $events = @(
                @{ raw = "retry: 3000`n`n" }
                @{ raw = "event: message`nid: 1`ndata: $(New-Chunk -Delta @{ role = 'assistant'; content = 'With' })`n`n" }
                @{ raw = "id: 2`nevent: message`ndata:$(New-Chunk -Delta @{ content = ' fields' } -FinishReason 'stop')`n`n" }
                @{ raw = "event: done`ndata: [DONE]`n`n" }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream

            $result.Errors.Count | Should -Be 0
            $result.Output | Should -Be 'With', ' fields'
        }

        It 'accepts a stream without [DONE] when a finish reason arrived' {
            $events = @(
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = '' }) }
                @{ data = (New-Chunk -Delta @{ content = 'No done' } -FinishReason 'stop') }
                @{ data = (New-Chunk -NoChoices -Usage @{ prompt_tokens = 3; completion_tokens = 2; total_tokens = 5 }) }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output[0] | Should -BeExactly 'No done'
            $result.Output[-1].FinishReason | Should -Be 'stop'
            $result.Output[-1].TotalTokens | Should -Be 5
            (Get-ChatRequest $server).Count | Should -Be 1
        }

        It 'accepts a last event with no blank line after it' {
            $events = @(
                @{ data = (New-Chunk -Delta @{ content = 'Unterminated' }) }
                @{ raw = "data: $(New-Chunk -FinishReason 'stop')" }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output[-1].FinishReason | Should -Be 'stop'
            $result.Output[-1].Content | Should -BeExactly 'Unterminated'
        }

        It 'reads chunks whose fields are missing rather than null' {
            $events = @(
                @{ data = '{"choices":[{"delta":{"content":"Bare"}}]}' }
                @{ data = '{"choices":[{"index":0,"delta":{}}]}' }
                @{ data = '{"choices":[{"delta":{"content":" chunks"}}]}' }
                @{ data = '{"choices":[{"finish_reason":"length"}]}' }
                @{ data = '{"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}' }
                @{ data = '[DONE]' }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ PassThru = $true; WarningAction = 'SilentlyContinue' }

            $result.Errors.Count | Should -Be 0
            $result.Output[0..1] | Should -Be 'Bare', ' chunks'
            $reply = $result.Output[-1]
            $reply.Content | Should -BeExactly 'Bare chunks'
            $reply.FinishReason | Should -Be 'length'
            $reply.Usage.TotalTokens | Should -Be 9
            $reply.Messages[-1].Role | Should -Be 'assistant'
            $reply.Id | Should -BeNullOrEmpty
        }

        It 'accepts a plain JSON completion answered to a stream request as one piece' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion.json' }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output.Count | Should -Be 2
            $result.Output[0] | Should -BeLike "That's a subjective question*"
            $result.Output[1].Content | Should -BeExactly $result.Output[0]
            $result.Output[1].TotalTokens | Should -Be 378
        }
    }

    Context 'failures' {
        It 'turns an error event after HTTP 200 into a StreamError that says how much text had arrived' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-error-midway.sse'; times = -1 }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            $result.Output | Should -Be 'Llamas are' -Because 'text that arrived before the error is still written'
            $result.Errors.Count | Should -Be 1
            $err = $result.Errors[0]
            $err.FullyQualifiedErrorId | Should -Be $streamError
            $err.Exception.Message | Should -Match '\b10 characters\b'
            $err.Exception.Message | Should -BeLike '*The engine was stopped while the request was running.*'
            $err.Exception.PartialContent | Should -BeExactly 'Llamas are'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            (Get-ChatRequest $server).Count | Should -Be 1 -Because 'text had reached the user, so it is not retried'
        }

        It 'reports a <Dialect> error event after HTTP 200 as a StreamError with the server''s message' -ForEach @(
            @{ Dialect = 'string error'; Event = '{"error": "engine overloaded"}' }
            @{ Dialect = 'vLLM flat'; Event = '{"object": "error", "message": "engine overloaded", "type": "InternalServerError", "param": null, "code": 500}' }
        ) {
            $first = '{"id":"c1","object":"chat.completion.chunk","created":1741379785,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Llamas"},"finish_reason":null}]}'
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = @(@{ data = $first }, @{ data = $Event }, @{ data = '[DONE]' }); times = -1 }

            $result = Invoke-Stream

            $result.Output | Should -Be 'Llamas'
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be $streamError
            $result.Errors[0].Exception.Message | Should -BeLike '*engine overloaded*'
        }

        It 'turns a stream cut short into StreamTruncated, without retrying' {
            # Role, 'The', ' best llama', then the connection is cut.
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse'; cutAfter = 3; times = 1 }
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse'; times = -1 }

            $result = Invoke-Stream -Extra @{ PassThru = $true }

            ($result.Output -join '') | Should -BeExactly 'The best llama' -Because 'nothing of a retry may follow'
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be $streamTruncated
            $result.Errors[0].Exception.Message | Should -Match '\b14 characters\b'
            $result.Errors[0].Exception.PartialContent | Should -BeExactly 'The best llama'
            (Get-ChatRequest $server).Count | Should -Be 1
        }

        It 'turns a stream that ends without a finish reason into StreamTruncated' {
            $events = @(
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = 'Half' }) }
                @{ data = (New-Chunk -Delta @{ content = ' a reply' }) }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events; times = -1 }

            $result = Invoke-Stream

            ($result.Output -join '') | Should -BeExactly 'Half a reply'
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be $streamTruncated
            $result.Errors[0].Exception.Message | Should -Match '\b12 characters\b'
            (Get-ChatRequest $server).Count | Should -Be 1
        }

        It 'reports a JSON error answer to a stream request with the usual error id' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; errorFixture = 'vllm_flat_400'; times = -1 }

            $result = Invoke-Stream

            $result.Output.Count | Should -Be 0
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be 'BadRequest,LaminiPS.Commands.InvokeLaminiChatCommand'
            $result.Errors[0].Exception.Message | Should -BeLike "*maximum context length is 131072 tokens*"
            (Get-ChatRequest $server).Count | Should -Be 1
        }

        It 'retries a failure before any text, then streams' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = 1 }
            Add-LaminiTestBehavior -Server $server -Behavior @{ sseFixture = 'stream-basic.sse' }

            $result = Invoke-Stream

            $result.Errors.Count | Should -Be 0
            ($result.Output -join '') | Should -BeExactly 'The best llama is yours.'
            (Get-ChatRequest $server).Count | Should -Be 2
        }
    }

    Context 'the idle deadline (-TimeoutSec)' {
        It 'reports StreamTruncated, not retried, when the next event is late after text arrived' {
            $events = @(
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = '' }) }
                @{ data = (New-Chunk -Delta @{ content = 'Hello' }) }
                @{ data = (New-Chunk -Delta @{ content = ' world' } -FinishReason 'stop'); delayMs = 5000 }
                @{ data = '[DONE]' }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events; times = -1 }

            $result = Invoke-Stream -Prompt 'stall late' -Extra @{ TimeoutSec = 1 }

            $result.Output | Should -Be 'Hello'
            $result.Errors.Count | Should -Be 1
            $err = $result.Errors[0]
            $err.FullyQualifiedErrorId | Should -Be $streamTruncated
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            $err.TargetObject | Should -Be 'stall late'
            $err.Exception.PartialContent | Should -Be 'Hello'
            $err.Exception.Message | Should -Match '\b5 characters\b'
            (Get-ChatRequest $server).Count | Should -Be 1 -Because 'text had reached the user'
            # The idle timeout (1 s) ends the wait, not the server's next event 5 s later.
            $result.Elapsed | Should -BeLessThan 3.5
        }

        It 'reports Timeout when the stream stalls before any text on every attempt, after retrying' {
            $events = @(
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = '' }) }
                @{ data = (New-Chunk -Delta @{ content = 'Late' } -FinishReason 'stop'); delayMs = 2000 }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events; times = -1 }

            $result = Invoke-Stream -Extra @{ TimeoutSec = 1; MaximumRetryCount = 1 }

            $result.Output.Count | Should -Be 0
            $result.Errors.Count | Should -Be 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be 'Timeout,LaminiPS.Commands.InvokeLaminiChatCommand'
            (Get-ChatRequest $server).Count | Should -Be 2 -Because 'nothing had reached the user, so it may be retried'
        }

        It 'retries a stream that stalls before any text, abandoning the stalled one, and answers' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = 1; sse = @(
                    @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = '' }) }
                    @{ data = (New-Chunk -Delta @{ content = 'late' }); delayMs = 5000 }
                ) }

            $result = Invoke-Stream -Prompt 'stall early' -Extra @{ PassThru = $true; TimeoutSec = 1; Verbose = $true }

            $result.Errors | Should -BeNullOrEmpty
            $result.Output[-1].Content | Should -Be 'Echo: stall early'
            $requests = @(Get-ChatRequest $server -Settled)
            $requests | Should -HaveCount 2
            $requests[0].clientAborted | Should -BeTrue
            @($result.Verbose | Where-Object { $_ -like 'Attempt *' }) | Should -Match '^Attempt 1 of 3 failed \(Timeout\)'
            $result.Elapsed | Should -BeLessThan 3.5
        }

        It 'lets a stream run longer than -TimeoutSec, in all, while events come 0.5 s apart' {
            $events = @(
                @{ data = (New-Chunk -Delta @{ role = 'assistant'; content = 'Steady' }) }
                @{ data = (New-Chunk -Delta @{ content = ' and' }); delayMs = 500 }
                @{ data = (New-Chunk -Delta @{ content = ' slow' }); delayMs = 500 }
                @{ data = (New-Chunk -Delta @{ content = ' sure' }); delayMs = 500 }
                @{ data = (New-Chunk -Delta @{ content = '.' } -FinishReason 'stop'); delayMs = 500 }
                @{ data = '[DONE]' }
            )
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }

            $result = Invoke-Stream -Extra @{ TimeoutSec = 1; PassThru = $true }

            $result.Errors.Count | Should -Be 0
            $result.Output[-1].Content | Should -BeExactly 'Steady and slow sure.'
            $record = (Get-ChatRequest $server)[0]
            ($record.completedAt - $record.receivedAt).TotalSeconds | Should -BeGreaterThan 1.5
            $result.Elapsed | Should -BeGreaterThan 1.5
            (Get-ChatRequest $server).Count | Should -Be 1
        }
    }
}
