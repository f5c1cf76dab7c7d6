#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Structured output end to end: what Invoke-LaminiChat -JsonSchema / -JsonObject sends as
# response_format, how JSON replies come back as validated objects in Data, the errors for replies
# that are not JSON or break the schema, -AsObject into Export-Csv, and streaming.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server
    $script:tempDir = New-TestDirectory -Name 'structured'
    # No LAMINI_MODEL (nor key, URL or configure.yaml) of the user's reaches a test.
    $script:savedEnvironment = Enter-LaminiTestEnvironment -Root $tempDir

    # The seed document's "JSON Output" example: its SCHEMA and the response_format it sends.
    $script:seedSchema = '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}'
    $script:seedResponseFormat = '{"type":"json_schema","json_schema":{"name":"json_response","schema":' + $seedSchema + '}}'
    $script:seedPrompt = 'What is the best llama?'
    $script:seedBody = '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"What is the best llama?"}],"response_format":' + $seedResponseFormat + '}'
}

AfterAll {
    Restore-LaminiTestEnvironment -Saved $savedEnvironment
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempDir
}

Describe 'Structured output with Invoke-LaminiChat' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'what is sent' {
        It 'sends the seed''s response_format byte for byte for <Name>' -ForEach @(
            @{ Name = 'New-LaminiJsonSchema -Property @{ answer = ''string'' }'; Schema = { New-LaminiJsonSchema -Property @{ answer = 'string' } } }
            @{ Name = 'a hashtable schema'; Schema = { @{ type = 'object'; properties = @{ answer = @{ type = 'string' } }; required = @('answer') } } }
            @{ Name = 'an [ordered] schema'; Schema = { [ordered]@{ type = 'object'; properties = [ordered]@{ answer = [ordered]@{ type = 'string' } }; required = @('answer') } } }
            @{ Name = 'JSON text'; Schema = { '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}' } }
            @{ Name = 'indented JSON text'; Schema = { "{`n  `"type`": `"object`",`n  `"properties`": { `"answer`": { `"type`": `"string`" } },`n  `"required`": [ `"answer`" ]`n}" } }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion-json-schema.json' }
            $schema = & $Schema
            $reply = Invoke-LaminiChat $seedPrompt -JsonSchema $schema @conn
            $requests = Get-ChatRequest $server
            $requests | Should -HaveCount 1
            $requests[0].body | Should -BeExactly $seedBody
            $reply.Data.answer | Should -Not -BeNullOrEmpty
        }

        It 'sends name, description and strict from the schema object' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"answer":"x"}' }
            $schema = New-LaminiJsonSchema -Property @{ answer = 'string' } -Name 'llama_answer' -Description 'The answer.' -Strict
            $null = Invoke-LaminiChat 'q' -JsonSchema $schema @conn
            $format = (Get-ChatRequest $server)[0].Json.response_format
            $format.json_schema.name | Should -BeExactly 'llama_answer'
            $format.json_schema.description | Should -BeExactly 'The answer.'
            $format.json_schema.strict | Should -BeTrue
            $format.json_schema.schema.additionalProperties | Should -BeFalse
        }

        It 'sends {"type":"json_object"} for -JsonObject' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"anything":1}' }
            $null = Invoke-LaminiChat 'q' -JsonObject @conn
            (Get-ChatRequest $server)[0].body | Should -BeExactly '{"model":"meta-llama/Llama-3.2-3B-Instruct","messages":[{"role":"user","content":"q"}],"response_format":{"type":"json_object"}}'
        }

        It 'refuses <Name> before any request' -ForEach @(
            @{ Name = 'JSON text that is not JSON'; Params = @{ JsonSchema = '{"type": "object", ' } }
            @{ Name = 'a schema that is not an object schema'; Params = @{ JsonSchema = '{"type":"string"}' } }
            @{ Name = '-JsonSchema together with -JsonObject'; Params = @{ JsonSchema = '{"type":"object","properties":{}}'; JsonObject = $true } }
        ) {
            { Invoke-LaminiChat 'q' @conn @Params } | Should -Throw
            Get-ChatRequest $server | Should -HaveCount 0
        }
    }

    Context 'replies' {
        It 'parses the seed''s JSON fixture into Data with .answer set' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion-json-schema.json' }
            $fixture = Get-Content -Raw -LiteralPath "$PSScriptRoot/fixtures/chat-completion-json-schema.json" | ConvertFrom-Json
            $expected = ($fixture.choices[0].message.content | ConvertFrom-Json).answer
            $reply = Invoke-LaminiChat $seedPrompt -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) @conn
            $reply | Should -BeOfType 'LaminiPS.Models.LaminiChatResponse'
            $reply.Data.answer | Should -BeExactly $expected
            $reply.Data.answer | Should -BeLike 'It is difficult to pinpoint*'
            $reply.Data | Should -BeOfType [System.Management.Automation.PSCustomObject]
            $reply.Content | Should -BeExactly $fixture.choices[0].message.content
        }

        It 'gives nested objects, arrays and numbers as PowerShell values, never JsonElement' {
            $schema = New-LaminiJsonSchema -Property ([ordered]@{ name = 'string'; age = 'integer'; score = 'number'; ok = 'boolean'; tags = 'string[]'; owner = [ordered]@{ email = 'string' } })
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"name":"Ada","age":36,"score":9.5,"ok":true,"tags":["a","b"],"owner":{"email":"a@example.org"}}' }
            $data = (Invoke-LaminiChat 'q' -JsonSchema $schema @conn).Data
            $data.name | Should -BeExactly 'Ada'
            $data.age | Should -Be 36
            $data.score | Should -Be 9.5
            $data.ok | Should -BeTrue
            $data.ok | Should -BeOfType [bool]
            $data.tags | Should -Be @('a', 'b')
            $data.owner.email | Should -BeExactly 'a@example.org'
            $data.owner | Should -BeOfType [System.Management.Automation.PSCustomObject]
            ($data | ConvertTo-Json -Depth 5) | Should -Not -Match 'ValueKind|JsonElement'
        }

        It 'parses -JsonObject replies into Data without a schema' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"free":{"form":[1,2,3]}}' }
            $reply = Invoke-LaminiChat 'q' -JsonObject @conn
            $reply.Data.free.form | Should -Be @(1, 2, 3)
        }

        It 'writes <ErrorId> for <Name>, with the raw text, and goes on with the rest of the batch' -ForEach @(
            @{ Name = 'a reply cut off mid-JSON (finish_reason length)'; ErrorId = 'JsonReplyInvalid'; Behavior = @{ content = '{"answer": "Llamas are wonderf'; finishReason = 'length' } }
            @{ Name = 'a reply that is not JSON at all'; ErrorId = 'JsonReplyInvalid'; Behavior = @{ content = 'Sure! Here is your JSON:' } }
            @{ Name = 'a reply missing a required property'; ErrorId = 'JsonReplySchemaMismatch'; Behavior = @{ content = '{"reply":"no answer field"}' } }
            @{ Name = 'a reply with a property of the wrong type'; ErrorId = 'JsonReplySchemaMismatch'; Behavior = @{ content = '{"answer":42}' } }
        ) {
            $Behavior.match = '"bad one"'
            Add-LaminiTestBehavior -Server $server -Behavior $Behavior, @{ content = '{"answer":"fine"}'; times = -1 }
            $schema = New-LaminiJsonSchema -Property @{ answer = 'string' }
            $replies = 'first', 'bad one', 'last' | Invoke-LaminiChat -JsonSchema $schema @conn -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $ok = $?
            $ok | Should -BeFalse
            $replies | Should -HaveCount 2
            $replies.Prompt | Should -Be @('first', 'last')
            $replies.Data.answer | Should -Be @('fine', 'fine')
            $errs | Should -HaveCount 1
            $err = $errs[0]
            $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
            $err.TargetObject | Should -BeExactly 'bad one'
            $err.CategoryInfo.Category | Should -Be 'InvalidResult'
            $err.Exception | Should -BeOfType 'LaminiPS.Models.LaminiJsonReplyException'
            $err.Exception.RawText | Should -BeExactly $Behavior.content
            $err.Exception.Response | Should -BeOfType 'LaminiPS.Models.LaminiChatResponse'
            $err.Exception.Response.Prompt | Should -BeExactly 'bad one'
            if ($ErrorId -eq 'JsonReplySchemaMismatch') {
                $err.Exception.Violations | Should -Not -BeNullOrEmpty
                "$($err.Exception.Violations)" | Should -Match 'answer'
            }
        }

        It 'warns about the cut-off and says finish_reason length on the error for a truncated reply' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"answer": "Llamas are wonderf'; finishReason = 'length' }
            $null = Invoke-LaminiChat 'q' -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) -MaxTokens 10 @conn -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            $errs[0].Exception.Response.FinishReason | Should -BeExactly 'length'
        }

        It 'makes a bad reply terminating with -ErrorAction Stop' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = 'not json' }
            { Invoke-LaminiChat 'q' -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) @conn -ErrorAction Stop } |
                Should -Throw -ErrorId 'JsonReplyInvalid*'
        }

        It 'checks enums against the schema' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"priority":"urgent"}' }
            $schema = New-LaminiJsonSchema -Property @{ priority = @('low', 'medium', 'high') }
            $null = Invoke-LaminiChat 'q' -JsonSchema $schema @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'JsonReplySchemaMismatch*'
        }
    }

    Context '-AsObject' {
        It 'emits only the parsed data' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion-json-schema.json' }
            $out = @(Invoke-LaminiChat $seedPrompt -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) -AsObject @conn)
            $out | Should -HaveCount 1
            $out[0] | Should -Not -BeOfType 'LaminiPS.Models.LaminiChatResponse'
            $out[0] | Should -BeOfType [System.Management.Automation.PSCustomObject]
            $out[0].PSObject.Properties.Name | Should -Be @('answer')
            $out[0].answer | Should -BeLike 'It is difficult*'
        }

        It 'is also called -DataOnly' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"answer":"x"}' }
            $out = Invoke-LaminiChat 'q' -JsonObject -DataOnly @conn
            $out.answer | Should -BeExactly 'x'
        }

        It 'writes one CSV row per ticket with the schema''s columns in schema order' {
            $tickets = 1..10 | ForEach-Object { 'ticket {0:d2}: the printer on floor {0} is broken' -f $_ }
            $priorities = 'low', 'medium', 'high'
            $behaviors = for ($i = 1; $i -le 10; $i++) {
                # Keys deliberately in another order than the schema's.
                $json = '{{"tags":["printer","floor-{0}"],"priority":"{1}","title":"Printer {0}"}}' -f $i, $priorities[$i % 3]
                @{ match = ('ticket {0:d2}:' -f $i); content = $json }
            }
            Add-LaminiTestBehavior -Server $server -Behavior $behaviors
            $path = Join-Path $tempDir 'tickets.csv'
            $schema = [ordered]@{ title = 'string'; priority = @('low', 'medium', 'high'); tags = 'string[]' }
            $tickets | Invoke-LaminiChat -JsonSchema $schema -AsObject @conn | Export-Csv -LiteralPath $path -NoTypeInformation
            Get-ChatRequest $server | Should -HaveCount 10
            $lines = Get-Content -LiteralPath $path
            $lines[0] | Should -BeExactly '"title","priority","tags"'
            $rows = Import-Csv -LiteralPath $path
            $rows | Should -HaveCount 10
            $rows.title | Should -Be (1..10 | ForEach-Object { "Printer $_" })
            $rows.priority | Should -Be (1..10 | ForEach-Object { $priorities[$_ % 3] })
            # Arrays export as PowerShell exports any array property; what matters is no JSON noise.
            (Get-Content -Raw -LiteralPath $path) | Should -Not -Match 'JsonElement|ValueKind'
        }

        It 'keeps schema order for a LaminiJsonSchema made from an [ordered] -Property too' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"c":3,"b":2,"a":1}' }
            $schema = New-LaminiJsonSchema -Property ([ordered]@{ a = 'integer'; b = 'integer'; c = 'integer' })
            $out = Invoke-LaminiChat 'q' -JsonSchema $schema -AsObject @conn
            $out.PSObject.Properties.Name | Should -Be @('a', 'b', 'c')
        }
    }

    Context 'streaming' {
        It 'parses Data when the stream completes (-Stream -JsonSchema -PassThru)' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"answer": "Suri llamas are the best."}' }
            $out = @(Invoke-LaminiChat $seedPrompt -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) -Stream -PassThru @conn)
            $request = (Get-ChatRequest $server)[0]
            $request.Json.stream | Should -BeTrue
            $request.Json.response_format | ConvertTo-Json -Compress -Depth 20 | Should -BeExactly $seedResponseFormat
            $reply = $out | Where-Object { $_ -is [LaminiPS.Models.LaminiChatResponse] }
            $reply | Should -HaveCount 1
            $reply.Data.answer | Should -BeExactly 'Suri llamas are the best.'
            $reply.Content | Should -BeExactly '{"answer": "Suri llamas are the best."}'
            -join ($out | Where-Object { $_ -is [string] }) | Should -BeExactly '{"answer": "Suri llamas are the best."}'
        }

        It 'reports a streamed reply that breaks the schema' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"other": 1}' }
            $null = Invoke-LaminiChat 'q' -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) -Stream -PassThru @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'JsonReplySchemaMismatch*'
            $errs[0].Exception.RawText | Should -BeExactly '{"other": 1}'
        }

        It 'emits only the data with -Stream -AsObject' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"answer": "x"}' }
            $out = @(Invoke-LaminiChat 'q' -JsonSchema (New-LaminiJsonSchema -Property @{ answer = 'string' }) -Stream -AsObject @conn)
            $out | Should -HaveCount 1
            $out[0].answer | Should -BeExactly 'x'
        }
    }
}
