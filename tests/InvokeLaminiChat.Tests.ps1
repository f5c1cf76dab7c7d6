#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Invoke-LaminiChat end to end against the local test server: the exact request body for every
# parameter, conversations, validation before any request, the typed reply and how it displays and
# exports, ordered batches with per-prompt errors, model objects from the pipeline and odd payloads.
# (Stopping an in-flight request: Stopping.Tests.ps1.)

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server
    $script:defaultModel = 'meta-llama/Llama-3.2-3B-Instruct'
    $script:tempDir = New-TestDirectory -Name 'chat'
    # No LAMINI_MODEL (nor key, URL or configure.yaml) of the user's reaches a test.
    $script:savedEnvironment = Enter-LaminiTestEnvironment -Root $tempDir

    function Get-Fixture([string] $Name) {
        Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot "fixtures/$Name") | ConvertFrom-Json
    }

    # A complete chat.completion payload around one choice's message, for rawBody behaviours.
    function New-CompletionJson([hashtable] $Message, $FinishReason = 'stop', [switch] $NoUsage) {
        $reply = [ordered]@{
            id      = 'gen-123'
            object  = 'chat.completion'
            created = 1741379785
            model   = 'hosted_vllm/meta-llama/Llama-3.2-3B-Instruct'
            choices = @([ordered]@{ index = 0; finish_reason = $FinishReason; message = $Message })
        }
        if (-not $NoUsage) { $reply.usage = [ordered]@{ prompt_tokens = 3; completion_tokens = 5; total_tokens = 8 } }
        $reply | ConvertTo-Json -Depth 20 -Compress
    }
}

AfterAll {
    Restore-LaminiTestEnvironment -Saved $savedEnvironment
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempDir
}

Describe 'Invoke-LaminiChat' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
        $env:LAMINI_MODEL = $null
    }

    Context 'request body, one parameter at a time' {
        It '<Name> sends exactly <Expected>' -ForEach @(
            @{ Name = 'nothing but a prompt'; Params = @{}; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}]}' }
            @{ Name = '-Model'; Params = @{ Model = 'mistralai/Mistral-7B-Instruct-v0.3' }; Expected = '{"model":"mistralai/Mistral-7B-Instruct-v0.3","messages":[{"role":"user","content":"hi"}]}' }
            @{ Name = '-SystemPrompt'; Params = @{ SystemPrompt = 'Be brief.' }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}' }
            @{ Name = '-Temperature'; Params = @{ Temperature = 0.5 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"temperature":0.5}' }
            @{ Name = '-Temperature 0'; Params = @{ Temperature = 0 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"temperature":0}' }
            @{ Name = '-Temperature 2'; Params = @{ Temperature = 2 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"temperature":2}' }
            @{ Name = '-TopP'; Params = @{ TopP = 0.9 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"top_p":0.9}' }
            @{ Name = '-MaxTokens'; Params = @{ MaxTokens = 100 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"max_tokens":100}' }
            @{ Name = '-Stop (one)'; Params = @{ Stop = 'END' }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"stop":["END"]}' }
            @{ Name = '-Stop (four)'; Params = @{ Stop = 'a', 'b', 'c', 'd' }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d"]}' }
            @{ Name = '-Seed'; Params = @{ Seed = 42 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"seed":42}' }
            @{ Name = '-PresencePenalty'; Params = @{ PresencePenalty = 1.5 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"presence_penalty":1.5}' }
            @{ Name = '-FrequencyPenalty'; Params = @{ FrequencyPenalty = -1.5 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"frequency_penalty":-1.5}' }
            @{ Name = '-Count'; Params = @{ Count = 2 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"n":2}' }
            @{ Name = '-CacheTtl'; Params = @{ CacheTtl = 600 }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"cache":{"ttl":600}}' }
            @{ Name = '-AdditionalParameters (keys sorted)'; Params = @{ AdditionalParameters = @{ user = 'me'; logprobs = $true; top_logprobs = 2 } }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":2,"user":"me"}' }
            @{ Name = '-AdditionalParameters (nested)'; Params = @{ AdditionalParameters = @{ extra = @{ level = @{ deep = 1 }; list = @(1, 'two') } } }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"extra":{"level":{"deep":1},"list":[1,"two"]}}' }
            @{ Name = '-AdditionalParameters (ordered)'; Params = @{ AdditionalParameters = [ordered]@{ z = 1; a = 2 } }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"z":1,"a":2}' }
            @{ Name = '-Stream'; Params = @{ Stream = $true }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}' }
            @{ Name = '-JsonObject'; Params = @{ JsonObject = $true }; Expected = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}' }
        ) {
            # -JsonObject gets 'Echo: hi' back, which is not JSON: that error is not what this test is about.
            $null = Invoke-LaminiChat -Prompt 'hi' @conn @Params -ErrorAction SilentlyContinue
            $requests = Get-ChatRequest $server
            $requests | Should -HaveCount 1
            $requests[0].body | Should -BeExactly $Expected
            $requests[0].body | Should -Not -Match 'null'
        }

        It 'sends every parameter together' {
            $params = @{
                Model                = 'mistralai/Mistral-7B-Instruct-v0.3'
                SystemPrompt         = 'Be brief.'
                Temperature          = 0.5
                TopP                 = 0.9
                MaxTokens            = 100
                Stop                 = 'END', 'STOP'
                Seed                 = 7
                PresencePenalty      = 0.25
                FrequencyPenalty     = -0.75
                Count                = 2
                CacheTtl             = 600
                JsonSchema           = New-LaminiJsonSchema -Property @{ answer = 'string' }
                AdditionalParameters = @{ user = 'admin'; logprobs = $false }
            }
            $null = Invoke-LaminiChat 'What is the best llama?' @conn @params -ErrorAction SilentlyContinue
            $requests = Get-ChatRequest $server
            $requests | Should -HaveCount 1
            $expected = '{"model":"mistralai/Mistral-7B-Instruct-v0.3",' +
                '"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is the best llama?"}],' +
                '"temperature":0.5,"top_p":0.9,"max_tokens":100,"stop":["END","STOP"],"seed":7,' +
                '"presence_penalty":0.25,"frequency_penalty":-0.75,"n":2,"cache":{"ttl":600},' +
                '"response_format":{"type":"json_schema","json_schema":{"name":"json_response","schema":{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}}},' +
                '"logprobs":false,"user":"admin"}'
            Format-Json $requests[0].body | Should -BeExactly (Format-Json $expected)
        }

        It 'leaves every unset parameter out of the body (no nulls)' {
            $null = Invoke-LaminiChat 'hi' @conn
            $json = (Get-ChatRequest $server)[0].Json
            $json.PSObject.Properties.Name | Should -Be @('model', 'messages')
            $json.messages[0].PSObject.Properties.Name | Should -Be @('role', 'content')
        }

        It 'ignores an -AdditionalParameters key that a named parameter sets, with a warning' {
            $null = Invoke-LaminiChat 'hi' @conn -Temperature 0.5 -AdditionalParameters @{ temperature = 1.5; user = 'x' } -WarningVariable warnings -WarningAction SilentlyContinue
            (Get-ChatRequest $server)[0].body | Should -BeExactly '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"hi"}],"temperature":0.5,"user":"x"}'
            $warnings | Should -HaveCount 1
            "$warnings" | Should -Match 'temperature'
        }

        It 'uses $env:LAMINI_MODEL when -Model is not given, and -Model over it' {
            $env:LAMINI_MODEL = 'Qwen/Qwen2-7B-Instruct'
            $fromEnv = Invoke-LaminiChat 'hi' @conn
            $explicit = Invoke-LaminiChat 'hi' @conn -Model 'gpt-4o-mini'
            $requests = Get-ChatRequest $server
            $requests[0].Json.model | Should -BeExactly 'Qwen/Qwen2-7B-Instruct'
            $requests[1].Json.model | Should -BeExactly 'gpt-4o-mini'
            $fromEnv.Model | Should -BeExactly 'Qwen/Qwen2-7B-Instruct'
            $explicit.Model | Should -BeExactly 'gpt-4o-mini'
        }

        It 'reads $env:LAMINI_MODEL once, when the command starts: every piped row without a Model gets that one, a row''s Model still wins' {
            $env:LAMINI_MODEL = 'Qwen/Qwen2-7B-Instruct'
            $rows = @(
                [pscustomobject]@{ Prompt = 'first' }
                [pscustomobject]@{ Prompt = 'second'; Model = 'gpt-4o-mini' }
                [pscustomobject]@{ Prompt = 'third' }
            )
            # The batch's default is the one set when it started, whatever runs upstream of it meanwhile.
            $replies = $rows | ForEach-Object { $env:LAMINI_MODEL = 'changed/after-start'; $_ } | Invoke-LaminiChat @conn -ThrottleLimit 1
            (Get-ChatRequest $server).Json.model | Should -Be @('Qwen/Qwen2-7B-Instruct', 'gpt-4o-mini', 'Qwen/Qwen2-7B-Instruct')
            $replies.Model | Should -Be @('Qwen/Qwen2-7B-Instruct', 'gpt-4o-mini', 'Qwen/Qwen2-7B-Instruct')

            # The next command starts with the value set now.
            $null = Invoke-LaminiChat 'fourth' @conn
            (Get-ChatRequest $server)[-1].Json.model | Should -BeExactly 'changed/after-start'
        }

        It 'uses meta-llama/Llama-3.2-3B-Instruct when neither -Model nor $env:LAMINI_MODEL is set' {
            $reply = Invoke-LaminiChat 'hi' @conn
            (Get-ChatRequest $server)[0].Json.model | Should -BeExactly $defaultModel
            $reply.Model | Should -BeExactly $defaultModel
        }

        It 'sends one completion per prompt given as an array to -Prompt' {
            $replies = Invoke-LaminiChat -Prompt 'one', 'two' @conn -ThrottleLimit 1
            $replies.Content | Should -Be @('Echo: one', 'Echo: two')
            (Get-ChatRequest $server).Json.messages.content | Should -Be @('one', 'two')
        }

        It 'keeps every choice of -Count 3' {
            $reply = Invoke-LaminiChat 'hi' @conn -Count 3
            (Get-ChatRequest $server)[0].Json.n | Should -Be 3
            $reply.Choices | Should -HaveCount 3
            $reply.Choices.Index | Should -Be @(0, 1, 2)
            $reply.Choices[1].Message.Content | Should -BeExactly 'Echo: hi (choice 1)'
            $reply.Choices.FinishReason | Should -Be @('stop', 'stop', 'stop')
            $reply.Content | Should -BeExactly 'Echo: hi'
        }
    }

    Context 'conversations' {
        It 'continues a conversation over three turns by piping each reply back' {
            $first = Invoke-LaminiChat 'one' @conn
            $second = $first | Invoke-LaminiChat -Prompt 'two' @conn
            $third = $second | Invoke-LaminiChat -Prompt 'three' @conn
            $bodies = (Get-ChatRequest $server).body
            $bodies | Should -HaveCount 3
            $m = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":['
            $bodies[0] | Should -BeExactly ($m + '{"role":"user","content":"one"}]}')
            $bodies[1] | Should -BeExactly ($m + '{"role":"user","content":"one"},{"role":"assistant","content":"Echo: one"},{"role":"user","content":"two"}]}')
            $bodies[2] | Should -BeExactly ($m + '{"role":"user","content":"one"},{"role":"assistant","content":"Echo: one"},{"role":"user","content":"two"},{"role":"assistant","content":"Echo: two"},{"role":"user","content":"three"}]}')
            $third.Content | Should -BeExactly 'Echo: three'
            $third.Prompt | Should -BeExactly 'three'
            $third.Messages | Should -HaveCount 6
            $third.Messages.Role | Should -Be @('user', 'assistant', 'user', 'assistant', 'user', 'assistant')
            $third.Messages[-1].Content | Should -BeExactly 'Echo: three'
        }

        It 'keeps the system prompt and the model of the first turn' {
            $first = Invoke-LaminiChat 'one' @conn -SystemPrompt 'Be brief.' -Model 'gpt-4o-mini'
            $null = $first | Invoke-LaminiChat -Prompt 'two' @conn
            $second = (Get-ChatRequest $server)[1]
            $second.body | Should -BeExactly '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"one"},{"role":"assistant","content":"Echo: one"},{"role":"user","content":"two"}]}'
        }

        It 'continues each of several piped replies as its own conversation' {
            $firsts = 'alpha', 'beta' | Invoke-LaminiChat @conn
            Reset-LaminiTestServer -Server $server
            $seconds = $firsts | Invoke-LaminiChat -Prompt 'and then?' @conn
            $seconds.Content | Should -Be @('Echo: and then?', 'Echo: and then?')
            $seconds[0].Messages.Content | Should -Be @('alpha', 'Echo: alpha', 'and then?', 'Echo: and then?')
            $seconds[1].Messages.Content | Should -Be @('beta', 'Echo: beta', 'and then?', 'Echo: and then?')
            (Get-ChatRequest $server).Json | ForEach-Object { $_.messages | Should -HaveCount 3 }
        }

        It 'shares a long conversation among the replies that continue it instead of copying it into each' {
            $turns = foreach ($i in 1..1000) { @{ role = 'user'; content = "q$i" }; @{ role = 'assistant'; content = "a$i" } }
            $long = Invoke-LaminiChat -Messages (@($turns) + @{ role = 'user'; content = 'last' }) @conn
            $long.Messages | Should -HaveCount 2002
            $prompts = 1..100 | ForEach-Object { "next $_" }
            $before = [GC]::GetTotalMemory($true)
            $replies = $prompts | Invoke-LaminiChat -Conversation $long @conn
            $perReply = ([GC]::GetTotalMemory($true) - $before) / $prompts.Count
            $replies | Should -HaveCount 100
            $replies[-1].Messages | Should -HaveCount 2004
            $replies[-1].Messages[2002].Content | Should -BeExactly 'next 100'
            $replies[-1].Messages[0].Content | Should -BeExactly 'q1'
            # A copy of the history alone would hold 2,002 references (about 16 KB) per reply.
            $perReply | Should -BeLessThan 8000
        }

        It 'writes a history that holds the sent messages and the reply' {
            $reply = Invoke-LaminiChat 'hi' @conn -SystemPrompt 'Be brief.'
            $reply.Messages.Role | Should -Be @('system', 'user', 'assistant')
            $reply.Messages.Content | Should -Be @('Be brief.', 'hi', 'Echo: hi')
            $reply.Messages[0] | Should -BeOfType 'LaminiPS.Models.LaminiChatMessage'
        }
    }

    Context '-Messages' {
        It 'sends hashtables as messages, in order' {
            $messages = @(
                @{ role = 'system'; content = 'You answer in French.' }
                @{ role = 'user'; content = 'Hello' }
                [ordered]@{ role = 'assistant'; content = 'Bonjour' }
                @{ role = 'user'; content = 'Goodbye' }
            )
            $reply = Invoke-LaminiChat -Messages $messages @conn
            (Get-ChatRequest $server)[0].body | Should -BeExactly '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"system","content":"You answer in French."},{"role":"user","content":"Hello"},{"role":"assistant","content":"Bonjour"},{"role":"user","content":"Goodbye"}]}'
            $reply.Content | Should -BeExactly 'Echo: Goodbye'
            $reply.Prompt | Should -BeExactly 'Goodbye'
            $reply.Messages | Should -HaveCount 5
        }

        It 'sends typed LaminiChatMessage objects, also mixed with hashtables' {
            $messages = @(
                [LaminiPS.Models.LaminiChatMessage]::new('system', 'Be brief.')
                @{ role = 'user'; content = 'Hi' }
                [LaminiPS.Models.LaminiChatMessage]::new('assistant', 'Hello')
                [LaminiPS.Models.LaminiChatMessage]::new('user', 'Bye')
            )
            $null = Invoke-LaminiChat -Messages $messages @conn
            (Get-ChatRequest $server)[0].body | Should -BeExactly '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Bye"}]}'
        }

        It 'reads role and content from [pscustomobject] messages' {
            $null = Invoke-LaminiChat -Messages ([pscustomobject]@{ role = 'user'; content = 'From an object' }) @conn
            (Get-ChatRequest $server)[0].Json.messages[0].content | Should -BeExactly 'From an object'
        }

        It 'matches roles in any case and sends them in lower case, for <Name>' -ForEach @(
            @{ Name = 'hashtables'; Messages = { @{ ROLE = 'System'; content = 'Be brief.' }, @{ role = 'USER'; Content = 'Hi' } } }
            @{ Name = '[pscustomobject]s'; Messages = { [pscustomobject]@{ Role = 'SYSTEM'; Content = 'Be brief.' }, [pscustomobject]@{ role = 'uSeR'; content = 'Hi' } } }
            @{ Name = 'typed messages'; Messages = { [LaminiPS.Models.LaminiChatMessage]::new('System', 'Be brief.'), [LaminiPS.Models.LaminiChatMessage]::new('USER', 'Hi') } }
        ) {
            $list = @(& $Messages)
            $reply = Invoke-LaminiChat -Messages $list @conn
            (Get-ChatRequest $server)[0].body | Should -BeExactly '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}'
            $reply.Messages.Role | Should -Be @('system', 'user', 'assistant')
        }

        It 'leaves the caller''s typed message as it was when it sends its role in lower case' {
            $typed = [LaminiPS.Models.LaminiChatMessage]::new('User', 'Hi')
            $null = Invoke-LaminiChat -Messages $typed @conn
            (Get-ChatRequest $server)[0].Json.messages[0].role | Should -BeExactly 'user'
            $typed.Role | Should -BeExactly 'User'
        }

        It 'keeps name and tool_call_id of <Name> messages' -ForEach @(
            @{ Name = 'hashtable'; Messages = { @{ role = 'user'; content = 'Hi'; name = 'ada' }, @{ role = 'assistant'; content = 'Looking.' }, @{ role = 'tool'; content = '42'; tool_call_id = 'call_1' }, @{ role = 'user'; content = 'And?' } } }
            @{ Name = '[pscustomobject]'; Messages = { [pscustomobject]@{ role = 'user'; content = 'Hi'; name = 'ada' }, [pscustomobject]@{ role = 'assistant'; content = 'Looking.' }, [pscustomobject]@{ role = 'tool'; content = '42'; tool_call_id = 'call_1' }, [pscustomobject]@{ role = 'user'; content = 'And?' } } }
            @{ Name = 'ToolCallId-keyed'; Messages = { @{ role = 'user'; content = 'Hi'; Name = 'ada' }, [ordered]@{ role = 'assistant'; content = 'Looking.' }, [pscustomobject]@{ Role = 'tool'; Content = '42'; ToolCallId = 'call_1' }, @{ role = 'user'; content = 'And?' } } }
        ) {
            $null = Invoke-LaminiChat -Messages @(& $Messages) @conn
            (Get-ChatRequest $server)[0].body | Should -BeExactly ('{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[' +
                '{"role":"user","content":"Hi","name":"ada"},{"role":"assistant","content":"Looking."},' +
                '{"role":"tool","content":"42","tool_call_id":"call_1"},{"role":"user","content":"And?"}]}')
        }

        It 'rejects <Name> with InvalidMessage before any request' -ForEach @(
            @{ Name = 'an unknown role'; Messages = @(@{ role = 'user'; content = 'ok' }, @{ role = 'wizard'; content = 'abracadabra' }) }
            @{ Name = 'a missing role'; Messages = @(@{ content = 'who am I' }) }
            @{ Name = 'a missing content'; Messages = @(@{ role = 'user' }) }
            @{ Name = 'a typed message with an unknown role'; Messages = { @([LaminiPS.Models.LaminiChatMessage]::new('bot', 'x')) } }
            @{ Name = 'a typed message without content'; Messages = { @([LaminiPS.Models.LaminiChatMessage]@{ Role = 'user' }) } }
            @{ Name = 'something that is not a message'; Messages = @(42) }
        ) {
            # Typed messages are made at run time: the module is not loaded during discovery.
            $list = if ($Messages -is [scriptblock]) { & $Messages } else { $Messages }
            { Invoke-LaminiChat -Messages $list @conn } | Should -Throw -ErrorId 'InvalidMessage*'
            Get-ChatRequest $server | Should -HaveCount 0
        }

        It 'refuses <What>, naming the entry, the field and its type, and sends nothing' -ForEach @(
            @{ What = 'content that is a list of content parts'; Field = 'content'; Value = { , @(@{ type = 'text'; text = 'Hi' }) }; Type = 'Object[]' }
            @{ What = 'content that is a hashtable'; Field = 'content'; Value = { @{ text = 'Hi' } }; Type = 'Hashtable' }
            @{ What = 'content that is a number'; Field = 'content'; Value = { 42 }; Type = 'Int32' }
            @{ What = 'content that is an object read back with Import-Clixml'; Field = 'content'; Value = { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize([pscustomobject]@{ text = 'Hi' })) }; Type = 'pscustomobject' }
            @{ What = 'a saved tool call whose Id is a hashtable'; Field = 'Id'; Value = { @{ id = 'call_2' } }; Type = 'Hashtable' }
            @{ What = 'a saved tool call whose Type is a number'; Field = 'Type'; Value = { 1 }; Type = 'Int32' }
            @{ What = 'a saved tool call whose Name is a list'; Field = 'Name'; Value = { , @('Get-Date', 'Get-Item') }; Type = 'Object[]' }
            @{ What = 'a saved tool call whose ArgumentsJson is a hashtable'; Field = 'ArgumentsJson'; Value = { @{ Path = '/tmp' } }; Type = 'Hashtable' }
            @{ What = 'a saved tool call whose ArgumentsJson is an object read back with Import-Clixml'; Field = 'ArgumentsJson'; Value = { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize([pscustomobject]@{ Path = '/tmp' })) }; Type = 'pscustomobject' }
        ) {
            if ($Field -eq 'content') {
                $messages = @(@{ role = 'system'; content = 'Be brief.' }, @{ role = 'user'; content = & $Value })
                $says = "-Messages entry 1 has content of type [$Type], not text"
            }
            else {
                # The second call of the assistant's two is the bad one, so the error must name its position.
                $badCall = @{ Id = 'call_2'; Type = 'function'; Name = 'Get-Item'; ArgumentsJson = '{"Path":"/tmp"}' }
                $badCall[$Field] = & $Value
                $messages = @(
                    @{ role = 'user'; content = 'What time is it, and what is in /tmp?' }
                    [pscustomobject]@{ Role = 'assistant'; Content = $null; ToolCalls = @([pscustomobject]@{ Id = 'call_1'; Type = 'function'; Name = 'Get-Date'; ArgumentsJson = '{}' }, [pscustomobject]$badCall) }
                    @{ role = 'tool'; content = 'noon'; tool_call_id = 'call_1' }
                    @{ role = 'tool'; content = 'a.txt'; tool_call_id = 'call_2' }
                )
                $says = "-Messages entry 1 has $Field of type [$Type] in tool call 1, not text"
            }

            $failure = Get-Failure { Invoke-LaminiChat -Messages $messages @conn }
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidMessage,*'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike ([WildcardPattern]::Escape($says) + '*')
            "$failure" | Should -Not -BeLike '*System.*'
            Get-ChatRequest $server | Should -HaveCount 0
        }

        It 'refuses a saved reply whose message content is not text, piped in, and goes on with the next input' {
            $broken = [pscustomobject]@{ Messages = @([pscustomobject]@{ Role = 'user'; Content = @('a', 'b') }) }
            $good = [pscustomobject]@{ Messages = @([pscustomobject]@{ Role = 'user'; Content = 'Hi' }, [pscustomobject]@{ Role = 'assistant'; Content = 'Hello' }) }
            $replies = @($broken, $good | Invoke-LaminiChat -Prompt 'Why?' @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidMessage,*'
            "$($errs[0])" | Should -BeLike '*Message 0 of the conversation has content of type `[Object`[`]`], not text*'
            $replies | Should -HaveCount 1
            (Get-ChatRequest $server).Json.messages.content | Should -Be @('Hi', 'Hello', 'Why?')
        }

        It 'refuses a saved reply whose tool call has arguments that are not text, piped in, and goes on with the next input' {
            $call = [pscustomobject]@{ Id = 'call_1'; Type = 'function'; Name = 'Get-Date'; ArgumentsJson = [pscustomobject]@{ Format = 'o' } }
            $broken = [pscustomobject]@{ Messages = @([pscustomobject]@{ Role = 'user'; Content = 'When?' }, [pscustomobject]@{ Role = 'assistant'; Content = $null; ToolCalls = @($call) }, [pscustomobject]@{ Role = 'tool'; Content = 'noon'; ToolCallId = 'call_1' }) }
            $good = [pscustomobject]@{ Messages = @([pscustomobject]@{ Role = 'user'; Content = 'Hi' }, [pscustomobject]@{ Role = 'assistant'; Content = 'Hello' }) }
            $replies = @($broken, $good | Invoke-LaminiChat -Prompt 'Why?' @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidMessage,*'
            "$($errs[0])" | Should -BeLike '*Message 1 of the conversation has ArgumentsJson of type `[pscustomobject`] in tool call 0, not text*'
            "$($errs[0])" | Should -Not -BeLike '*System.*'
            $replies | Should -HaveCount 1
            (Get-ChatRequest $server).Json.messages.content | Should -Be @('Hi', 'Hello', 'Why?')
        }
    }

    Context 'binding' {
        It 'shows in Get-Command -Syntax that -JsonSchema and -JsonObject exclude each other, and the types binding converts to' {
            $lines = @((Get-Command Invoke-LaminiChat -Syntax) -split '\r?\n' | Where-Object { $_ -match '\S' })
            $lines | Should -HaveCount 4
            $lines | Where-Object { $_ -match '-JsonSchema' -and $_ -match '-JsonObject' } | Should -BeNullOrEmpty
            # In the sets that have it, -JsonObject is required: without it, they are the -JsonSchema sets.
            @($lines | Where-Object { $_ -match ' -JsonObject ' -and $_ -notmatch '\[-JsonObject\]' }) | Should -HaveCount 2
            @($lines | Where-Object { $_ -match '\[-JsonSchema <LaminiJsonSchema>\]' }) | Should -HaveCount 2
            @($lines | Where-Object { $_ -match '-Messages <LaminiChatMessage\[\]>' }) | Should -HaveCount 2
            @($lines | Where-Object { $_ -match '\[-Prompt\] <string\[\]>' }) | Should -HaveCount 2
        }

        It 'refuses -JsonSchema together with -JsonObject while binding' {
            { Invoke-LaminiChat 'q' -JsonSchema @{ answer = 'string' } -JsonObject @conn } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
            Get-ChatRequest $server | Should -HaveCount 0
        }

        It 'turns <Name> given to -JsonSchema into the schema New-LaminiJsonSchema makes of it' -ForEach @(
            @{ Name = 'a hashtable of property types'; Given = { @{ answer = 'string'; score = 'integer' } }; Made = { New-LaminiJsonSchema -Property @{ answer = 'string'; score = 'integer' } } }
            @{ Name = 'a [type]'; Given = { [System.Net.IPEndPoint] }; Made = { New-LaminiJsonSchema -Type ([System.Net.IPEndPoint]) } }
            @{ Name = 'JSON text'; Given = { '{"type":"object","properties":{"n":{"type":"number"}},"required":["n"]}' }; Made = { New-LaminiJsonSchema -Json '{"type":"object","properties":{"n":{"type":"number"}},"required":["n"]}' } }
        ) {
            $null = Invoke-LaminiChat 'q' -JsonSchema (& $Given) @conn -ErrorAction SilentlyContinue
            $made = & $Made
            $format = (Get-ChatRequest $server)[0].Json.response_format
            $format.type | Should -BeExactly 'json_schema'
            ($format.json_schema.schema | ConvertTo-Json -Compress -Depth 20) | Should -BeExactly ($made.ToString() | ConvertFrom-Json | ConvertTo-Json -Compress -Depth 20)
        }

        It 'stops while binding, before any request, for a -JsonSchema that cannot be a schema, and says why' {
            $failure = $null
            try { Invoke-LaminiChat 'q' -JsonSchema '{"type":"string"}' @conn } catch { $failure = $_ }
            $failure.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
            $cause = $failure.Exception.GetBaseException()
            $cause | Should -BeOfType 'LaminiPS.Models.LaminiSchemaException'
            $cause.ErrorId | Should -BeExactly 'SchemaNotObject'
            $failure.Exception.Message | Should -BeLike '*JsonSchema*'
            Get-ChatRequest $server | Should -HaveCount 0
        }
    }

    Context 'validation before any request' {
        It 'rejects <Name>' -ForEach @(
            @{ Name = '-Temperature 2.1'; Params = @{ Temperature = 2.1 } }
            @{ Name = '-Temperature -0.1'; Params = @{ Temperature = -0.1 } }
            @{ Name = '-TopP 1.1'; Params = @{ TopP = 1.1 } }
            @{ Name = '-TopP -0.1'; Params = @{ TopP = -0.1 } }
            @{ Name = '-MaxTokens 0'; Params = @{ MaxTokens = 0 } }
            @{ Name = '-Stop with 5 items'; Params = @{ Stop = 'a', 'b', 'c', 'd', 'e' } }
            @{ Name = '-Stop with an empty string'; Params = @{ Stop = '' } }
            @{ Name = '-PresencePenalty 2.1'; Params = @{ PresencePenalty = 2.1 } }
            @{ Name = '-PresencePenalty -2.1'; Params = @{ PresencePenalty = -2.1 } }
            @{ Name = '-FrequencyPenalty 2.1'; Params = @{ FrequencyPenalty = 2.1 } }
            @{ Name = '-FrequencyPenalty -2.1'; Params = @{ FrequencyPenalty = -2.1 } }
            @{ Name = '-Count 0'; Params = @{ Count = 0 } }
            @{ Name = '-CacheTtl -1'; Params = @{ CacheTtl = -1 } }
            @{ Name = '-ThrottleLimit 0'; Params = @{ ThrottleLimit = 0 } }
            @{ Name = 'an empty -Model'; Params = @{ Model = '' } }
            @{ Name = 'an empty -SystemPrompt'; Params = @{ SystemPrompt = '' } }
        ) {
            { Invoke-LaminiChat -Prompt 'hi' @conn @Params } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            Get-ChatRequest $server | Should -HaveCount 0
        }

        It 'rejects an empty prompt' {
            { Invoke-LaminiChat -Prompt '' @conn } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            { Invoke-LaminiChat -Prompt $null @conn } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            Get-ChatRequest $server | Should -HaveCount 0
        }

        It 'skips an empty piped prompt without sending it, with a warning rather than an error, and still sends the others' {
            $replies = 'first', '', 'last' | Invoke-LaminiChat @conn -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
            $replies.Content | Should -Be @('Echo: first', 'Echo: last')
            # Issue 12: a blank line of a file is no error (an -ErrorVariable recipe would fail the job); it is counted in a warning.
            $errs | Should -BeNullOrEmpty
            "$warnings" | Should -BeLike '*skipped 1 blank prompt*'
            (Get-ChatRequest $server).Json.messages.content | Sort-Object | Should -Be @('first', 'last')
        }

        It 'rejects -AsObject without -JsonSchema or -JsonObject' {
            { Invoke-LaminiChat 'hi' @conn -AsObject } | Should -Throw -ErrorId 'AsObjectNeedsJson*'
            Get-ChatRequest $server | Should -HaveCount 0
        }

        It 'rejects -AsObject without -JsonSchema or -JsonObject with -Messages or piped prompts too, naming the rule' {
            $err = { Invoke-LaminiChat -Messages @{ role = 'user'; content = 'hi' } @conn -AsObject } | Should -Throw -ErrorId 'AsObjectNeedsJson*' -PassThru
            $err.Exception.Message | Should -BeLike '*-JsonSchema or -JsonObject*'
            { 'a', 'b' | Invoke-LaminiChat @conn -AsObject } | Should -Throw -ErrorId 'AsObjectNeedsJson*'
            Get-ChatRequest $server | Should -HaveCount 0
        }
    }

    Context 'the reply' {
        It 'turns <File> into a LaminiChatResponse' -ForEach @(
            @{ File = 'chat-completion.json' }
            @{ File = 'chat-completion-max-tokens.json' }
            @{ File = 'chat-completion-json-schema.json' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = $File }
            $expected = Get-Fixture $File
            $reply = Invoke-LaminiChat 'What is the best llama?' @conn -WarningAction SilentlyContinue
            $reply | Should -BeOfType 'LaminiPS.Models.LaminiChatResponse'
            $reply.Content | Should -BeExactly $expected.choices[0].message.content
            $reply.FinishReason | Should -BeExactly $expected.choices[0].finish_reason
            $reply.Model | Should -BeExactly $expected.model
            $reply.Id | Should -BeExactly $expected.id
            $reply.Created | Should -BeOfType [datetime]
            $reply.Created.Kind | Should -Be ([System.DateTimeKind]::Utc)
            $reply.Created | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds($expected.created).UtcDateTime)
            $reply.Usage | Should -BeOfType 'LaminiPS.Models.LaminiUsage'
            $reply.Usage.PromptTokens | Should -Be $expected.usage.prompt_tokens
            $reply.Usage.CompletionTokens | Should -Be $expected.usage.completion_tokens
            $reply.Usage.TotalTokens | Should -Be $expected.usage.total_tokens
            $reply.TotalTokens | Should -Be $expected.usage.total_tokens
            $reply.Choices | Should -HaveCount 1
            $reply.Choices[0].Index | Should -Be 0
            $reply.Choices[0].FinishReason | Should -BeExactly $expected.choices[0].finish_reason
            $reply.Choices[0].Message.Role | Should -BeExactly 'assistant'
            $reply.Prompt | Should -BeExactly 'What is the best llama?'
            $reply.Elapsed | Should -BeOfType [timespan]
            $reply.Elapsed | Should -BeGreaterThan ([timespan]::Zero)
            $reply.ReasoningContent | Should -BeNullOrEmpty
            $reply.Data | Should -BeNullOrEmpty
        }

        It 'reads the hosted_vllm/ model and an id without chatcmpl- as sent' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion.json' }, @{ fixture = 'chat-completion-json-schema.json' }
            $a = Invoke-LaminiChat 'a' @conn
            $b = Invoke-LaminiChat 'b' @conn
            $a.Model | Should -BeExactly 'hosted_vllm/meta-llama/Llama-3.2-3B-Instruct'
            $b.Id | Should -BeExactly 'meta-llama/Llama-3.2-3B-Instruct-20364893-cbd0-45af-84ff-b4f51a7864fd'
        }

        It 'warns when the reply was cut off (finish_reason length), naming -MaxTokens' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion-max-tokens.json' }
            $reply = Invoke-LaminiChat 'What is the best llama?' @conn -MaxTokens 100 -WarningVariable warnings -WarningAction SilentlyContinue
            $reply.FinishReason | Should -BeExactly 'length'
            $warnings | Should -HaveCount 1
            "$warnings" | Should -Match 'MaxTokens'
            "$warnings" | Should -Match '100'
        }

        It 'warns when the server''s content filter stopped the reply (finish_reason content_filter), naming the prompt, <Mode>' -ForEach @(
            @{ Mode = 'not streamed'; Stream = $false }
            @{ Mode = 'streamed'; Stream = $true }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"How do I pick a lock?"'; finishReason = 'content_filter'; content = 'I cannot' }
            $replies = @('What do llamas eat?', 'How do I pick a lock?' | Invoke-LaminiChat @conn -Stream:$Stream -PassThru:$Stream -WarningVariable warnings -WarningAction SilentlyContinue |
                    Where-Object { $_ -is [LaminiPS.Models.LaminiChatResponse] })
            $replies.FinishReason | Should -Be @('stop', 'content_filter')
            $replies[1].Content | Should -BeExactly 'I cannot'
            $warnings | Should -HaveCount 1
            "$warnings" | Should -BeLike "*'How do I pick a lock?'*content filter*finish_reason 'content_filter'*"
        }

        It 'does not warn for a complete reply' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion.json' }
            $null = Invoke-LaminiChat 'hi' @conn -WarningVariable warnings
            $warnings | Should -HaveCount 0
        }

        It 'is its content as a string' {
            $reply = Invoke-LaminiChat 'hi' @conn
            $reply.ToString() | Should -BeExactly 'Echo: hi'
            "$reply" | Should -BeExactly 'Echo: hi'
            "$(Invoke-LaminiChat 'hello there' @conn)" | Should -BeExactly 'Echo: hello there'
        }

        It 'gives the content with Select-Object -ExpandProperty Content' {
            $text = 'one', 'two' | Invoke-LaminiChat @conn | Select-Object -ExpandProperty Content
            $text | Should -Be @('Echo: one', 'Echo: two')
            $text | ForEach-Object { $_ | Should -BeOfType [string] }
        }

        It 'exports to CSV without JSON element noise' {
            $path = Join-Path $tempDir 'replies.csv'
            'one', 'two' | Invoke-LaminiChat @conn | Export-Csv -LiteralPath $path -NoTypeInformation
            $text = Get-Content -Raw -LiteralPath $path
            $text | Should -Not -Match 'JsonElement|ValueKind|System\.Collections|LaminiPS\.Models'
            $rows = Import-Csv -LiteralPath $path
            $rows | Should -HaveCount 2
            $rows.Content | Should -Be @('Echo: one', 'Echo: two')
            $rows.Prompt | Should -Be @('one', 'two')
            $rows[0].FinishReason | Should -BeExactly 'stop'
            $rows[0].Model | Should -BeExactly $defaultModel
            # Issue 14: no collection summaries ('2 messages', '1 choices') as cells any more.
            $rows[0].PSObject.Properties.Name | Should -Not -Contain 'Messages'
            $rows[0].PSObject.Properties.Name | Should -Not -Contain 'Choices'
        }

        It 'converts to JSON with -Depth 5 without JSON element noise' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion.json' }
            $reply = Invoke-LaminiChat 'What is the best llama?' @conn
            $json = $reply | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue
            $json | Should -Not -Match 'ValueKind|JsonElement'
            $back = $json | ConvertFrom-Json
            $back.Content | Should -BeExactly $reply.Content
            $back.Usage.TotalTokens | Should -Be 378
            $back.Messages[-1].Role | Should -BeExactly 'assistant'
            # Issue 14: Choices is left out of the JSON (its messages nest past the default depth).
            $back.Messages[-1].Content | Should -BeExactly $reply.Content
        }

        It 'converts a structured reply (-JsonObject) to JSON with its Data as plain values' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"name":"Ada","tags":["x","y"],"n":3}' }
            $reply = Invoke-LaminiChat 'who' @conn -JsonObject
            $json = $reply | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue
            $json | Should -Not -Match 'ValueKind|JsonElement'
            ($json | ConvertFrom-Json).Data.tags | Should -Be @('x', 'y')
        }

        It 'displays the content, then one status line' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = 'A llama is a camelid.' }
            $reply = Invoke-LaminiChat 'hi' @conn
            $lines = @(($reply | Out-String -Width 300) -split '\r?\n' | Where-Object { $_.Trim() })
            $lines | Should -HaveCount 2
            $lines[0] | Should -BeExactly 'A llama is a camelid.'
            $lines[1] | Should -Match ([regex]::Escape($defaultModel))
            $lines[1] | Should -Match 'stop'
            $lines[1] | Should -Match "$($reply.PromptTokens)\D.*$($reply.CompletionTokens)\D.*$($reply.TotalTokens)"
            $lines[1] | Should -Not -Match 'Content|Messages'
        }
    }

    Context 'payload shapes' {
        It 'reads reasoning_content into ReasoningContent' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ reasoningContent = 'Llamas are camelids, so...' }
            $reply = Invoke-LaminiChat 'think' @conn
            $reply.ReasoningContent | Should -BeExactly 'Llamas are camelids, so...'
            $reply.Content | Should -BeExactly 'Echo: think'
        }

        It 'reads content null with tool_calls (arguments kept as sent, even invalid)' {
            $body = New-CompletionJson -FinishReason 'tool_calls' -Message ([ordered]@{
                role       = 'assistant'
                content    = $null
                tool_calls = @([ordered]@{ id = 'call_1'; type = 'function'; function = [ordered]@{ name = 'get_weather'; arguments = '{"city": "Lima' } })
            })
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = $body }
            $reply = Invoke-LaminiChat 'weather?' @conn
            $reply.Content | Should -BeNullOrEmpty
            "$reply" | Should -BeExactly ''
            $reply.FinishReason | Should -BeExactly 'tool_calls'
            $call = $reply.Choices[0].Message.ToolCalls[0]
            $call.Id | Should -BeExactly 'call_1'
            $call.Name | Should -BeExactly 'get_weather'
            $call.ArgumentsJson | Should -BeExactly '{"city": "Lima'
            $call.Arguments | Should -BeNullOrEmpty
        }

        It 'reads tool_calls [] and a refusal with content null' {
            $body = New-CompletionJson -Message ([ordered]@{ role = 'assistant'; content = $null; refusal = 'I cannot help with that.'; tool_calls = @() })
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = $body }
            $reply = Invoke-LaminiChat 'x' @conn
            $reply.Content | Should -BeNullOrEmpty
            $reply.Choices[0].Message.Refusal | Should -BeExactly 'I cannot help with that.'
            @($reply.Choices[0].Message.ToolCalls).Where({ $_ }).Count | Should -Be 0
        }

        It 'reads finish_reason <Reason>' -ForEach @(
            @{ Reason = 'abort' }
            @{ Reason = 'timeout' }
            @{ Reason = 'content_filter' }
            @{ Reason = 'something_new' }
        ) {
            $body = New-CompletionJson -FinishReason $Reason -Message @{ role = 'assistant'; content = 'partial' }
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = $body }
            $reply = Invoke-LaminiChat 'x' @conn
            $reply.FinishReason | Should -BeExactly $Reason
            $reply.Content | Should -BeExactly 'partial'
        }

        It 'reads finish_reason null and a reply without usage or extras' {
            $body = '{"id":"x1","object":"chat.completion","created":1741379785,"model":"m","choices":[{"index":0,"finish_reason":null,"message":{"role":"assistant","content":"hi"}}]}'
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = $body }
            $reply = Invoke-LaminiChat 'x' @conn
            $reply.Content | Should -BeExactly 'hi'
            $reply.FinishReason | Should -BeNullOrEmpty
            $reply.TotalTokens | Should -Be 0
        }

        It 'ignores unknown fields everywhere' {
            $body = '{"id":"x2","object":"chat.completion","created":1741379785,"model":"m","kv_transfer_params":{"a":1},"choices":[{"index":0,"finish_reason":"stop","stop_reason":128001,"logprobs":null,"message":{"role":"assistant","content":"ok","annotations":[],"audio":null,"function_call":null,"reasoning":null,"future":{"x":[1,2]}}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"prompt_tokens_details":{"cached_tokens":0}},"service_tier":"default"}'
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = $body }
            $reply = Invoke-LaminiChat 'x' @conn
            $reply.Content | Should -BeExactly 'ok'
            $reply.Usage.TotalTokens | Should -Be 2
        }
    }

    Context 'batches from the pipeline' {
        BeforeAll {
            $script:prompts = 1..20 | ForEach-Object { 'prompt {0:d2}' -f $_ }
        }

        It 'answers 20 piped prompts with 20 replies in order, each with its Prompt' {
            $replies = $prompts | Invoke-LaminiChat @conn
            $replies | Should -HaveCount 20
            $replies.Prompt | Should -Be $prompts
            $replies.Content | Should -Be ($prompts | ForEach-Object { "Echo: $_" })
            Get-ChatRequest $server | Should -HaveCount 20
        }

        It 'answers in input order while the requests overlap and the server finishes them in another order' {
            # The earlier the prompt, the slower its answer: finished in any order but input order.
            Add-LaminiTestBehavior -Server $server -Behavior @(
                @{ match = '"prompt 01"'; delayMs = 1500 }
                @{ match = '"prompt 02"'; delayMs = 1000 }
                @{ match = '"prompt 03"'; delayMs = 500 }
            )

            $replies = $prompts[0..5] | Invoke-LaminiChat @conn -ThrottleLimit 6

            $replies.Prompt | Should -Be $prompts[0..5]
            $replies.Content | Should -Be ($prompts[0..5] | ForEach-Object { "Echo: $_" })
            $requests = @(Get-ChatRequest $server -Settled)
            $requests | Should -HaveCount 6
            $byPrompt = @{}
            foreach ($request in $requests) { $byPrompt[$request.Json.messages[-1].content] = $request }
            # Overlap, from the server's own clock: every later prompt arrived before the first one was answered.
            foreach ($later in $prompts[1..5]) {
                $byPrompt[$later].receivedAt | Should -BeLessThan $byPrompt[$prompts[0]].completedAt -Because "$later was sent while prompt 01 was in flight"
            }
            $finished = @($requests | Sort-Object completedAt | ForEach-Object { $_.Json.messages[-1].content })
            $finished[-1] | Should -Be $prompts[0] -Because 'the first prompt, the slowest, was answered last'
            ($finished -join ', ') | Should -Not -Be ($prompts[0..5] -join ', ') -Because 'the server finished them out of input order'
        }

        Context 'with 3 prompts scripted to fail' {
            BeforeEach {
                Add-LaminiTestBehavior -Server $server -Behavior @(
                    @{ match = '"prompt 05"'; status = 400; errorFixture = 'vllm_flat_400' }
                    @{ match = '"prompt 11"'; status = 404; errorFixture = 'vllm_flat_404' }
                    @{ match = '"prompt 17"'; status = 500 }
                )
            }

            It 'writes 17 replies and 3 non-terminating errors, each naming its prompt' {
                $replies = $prompts | Invoke-LaminiChat @conn -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue
                $succeeded = $?
                $succeeded | Should -BeFalse
                $replies | Should -HaveCount 17
                $replies.Prompt | Should -Be ($prompts | Where-Object { $_ -notin 'prompt 05', 'prompt 11', 'prompt 17' })
                $errs | Should -HaveCount 3
                $errs | ForEach-Object { $_ | Should -BeOfType [System.Management.Automation.ErrorRecord] }
                $errs.TargetObject | Should -Be @('prompt 05', 'prompt 11', 'prompt 17')
                $errs[0].FullyQualifiedErrorId | Should -BeLike 'BadRequest*'
                $errs[1].FullyQualifiedErrorId | Should -BeLike 'ModelNotFound*'
                $errs[2].FullyQualifiedErrorId | Should -BeLike 'ServerError*'
                $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
                $errs[1].CategoryInfo.Category | Should -Be 'ObjectNotFound'
                "$($errs[0])" | Should -Match 'maximum context length'
                Get-ChatRequest $server | Should -HaveCount 20
            }

            It 'sets $? to true when nothing fails' {
                $null = $prompts[0..3] | Invoke-LaminiChat @conn
                $? | Should -BeTrue
            }

            It 'adds the errors to $Error' {
                $Error.Clear()
                $null = $prompts | Invoke-LaminiChat @conn -MaximumRetryCount 0 -ErrorAction SilentlyContinue
                $Error.Count | Should -Be 3
            }

            It 'makes the first failure terminating with -ErrorAction Stop' {
                $got = [System.Collections.Generic.List[object]]::new()
                $caught = $null
                try {
                    $prompts | Invoke-LaminiChat @conn -MaximumRetryCount 0 -ErrorAction Stop | ForEach-Object { $got.Add($_) }
                } catch {
                    $caught = $_
                }
                $caught | Should -Not -BeNullOrEmpty
                $caught.FullyQualifiedErrorId | Should -BeLike 'BadRequest*'
                $caught.TargetObject | Should -BeExactly 'prompt 05'
                $got.Prompt | Should -Be $prompts[0..3]
            }

            It 'retries the 500 when retries are left (and still fails the 400 and 404 without retrying)' {
                Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"prompt 17"'; status = 500 }
                $replies = $prompts | Invoke-LaminiChat @conn -MaximumRetryCount 2 -RetryIntervalSec 0 -ErrorVariable errs -ErrorAction SilentlyContinue
                $replies | Should -HaveCount 18
                $errs.TargetObject | Should -Be @('prompt 05', 'prompt 11')
                $requests = Get-ChatRequest $server
                @($requests | Where-Object { $_.body -like '*"prompt 17"*' }) | Should -HaveCount 3
                @($requests | Where-Object { $_.body -like '*"prompt 05"*' }) | Should -HaveCount 1
            }
        }
    }

    Context 'models from Get-LaminiModel' {
        It 'asks every model piped from Get-LaminiModel, each reply naming its model' {
            $models = Get-LaminiModel @conn
            Reset-LaminiTestServer -Server $server
            $replies = Get-LaminiModel @conn | Invoke-LaminiChat -Prompt 'What is the best llama?' @conn
            $requests = Get-ChatRequest $server
            $requests | Should -HaveCount $models.Count
            $requests.Json.model | Sort-Object | Should -Be ($models.Id | Sort-Object)
            $requests | ForEach-Object { $_.Json.messages.content | Should -BeExactly 'What is the best llama?' }
            $replies | Should -HaveCount $models.Count
            $replies.Model | Should -Be $models.Id
            $replies.Prompt | Should -Be ($models | ForEach-Object { 'What is the best llama?' })
        }

        It 'asks only the models a wildcard selects' {
            $replies = Get-LaminiModel *llama* @conn | Invoke-LaminiChat -Prompt 'What is the best llama?' @conn
            $expected = @('meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct')
            (Get-ChatRequest $server).Json.model | Sort-Object | Should -Be $expected
            $replies.Model | Should -Be $expected
        }

        It 'lets -Model win over a piped model' {
            $null = Get-LaminiModel 'gpt-4o-mini' @conn | Invoke-LaminiChat -Prompt 'hi' -Model 'explicit/model' @conn
            (Get-ChatRequest $server).Json.model | Should -Be 'explicit/model'
        }
    }
}
