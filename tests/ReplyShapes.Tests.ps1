#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Replies in PowerShell habits (issue 14): ConvertTo-Json at its default depth, conversations
# continued from replies that went through Export-Clixml, jobs, remoting serialization,
# ForEach-Object -Parallel and JSON files (checked on the wire), Export-Csv columns, table views
# that fit, UTF-8 request bodies, -Stream -Count N -PassThru, and the README's recipes run in fresh
# processes.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server
    $script:tempDir = New-TestDirectory -Name 'shapes'
    # No LAMINI_MODEL (nor key, URL or configure.yaml) of the user's reaches a test.
    $script:savedEnvironment = Enter-LaminiTestEnvironment -Root $tempDir
    $script:askedModel = 'meta-llama/Llama-3.1-8B-Instruct'

    # The messages of a recorded request as 'role: content' lines, for comparing histories.
    function Get-WireHistory($Request) {
        @($Request.Json.messages | ForEach-Object { '{0}: {1}' -f $_.role, $_.content })
    }

    # A first reply whose answering model (hosted_vllm/...) differs from the one asked, so a
    # continuation shows which of the two it requests.
    function New-FirstReply {
        Add-LaminiTestBehavior -Server $server -Behavior @{ fixture = 'chat-completion.json' }
        Invoke-LaminiChat 'What is the best llama?' -SystemPrompt 'Be brief.' -Model $askedModel @conn
    }

    # Asserts that the last request continued $First: its history, the new prompt, the model asked.
    function Assert-Continued($First, [string] $Prompt) {
        $requests = Get-ChatRequest $server
        $last = $requests[-1]
        $expected = @(Get-WireHistory $requests[0]) + ('assistant: ' + $First.Content) + "user: $Prompt"
        Get-WireHistory $last | Should -Be $expected
        $last.Json.model | Should -BeExactly $askedModel
    }

    # Has the server answer the next request with an assistant message that asks for one tool call
    # (id call-1, Get-Date) and has no content.
    function Add-ToolCallBehavior {
        $toolReply = [ordered]@{
            id = 'gen-tools'; object = 'chat.completion'; created = 1741379785; model = $askedModel
            choices = @([ordered]@{ index = 0; finish_reason = 'tool_calls'; message = [ordered]@{
                        role = 'assistant'; content = $null
                        tool_calls = @([ordered]@{ id = 'call-1'; type = 'function'; function = [ordered]@{ name = 'Get-Date'; arguments = '{"Format":"yyyy"}' } })
                    } })
        }
        Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = ($toolReply | ConvertTo-Json -Depth 10 -Compress) }
    }

    # A reply to 'What day is it?' that asks for Add-ToolCallBehavior's call.
    function New-ToolCallReply {
        Add-ToolCallBehavior
        Invoke-LaminiChat 'What day is it?' -Model $askedModel @conn
    }

    # Asserts that the last request sent the assistant message of New-ToolCallReply with its call, then the given tool message.
    function Assert-ToolCallSent([string] $Answer) {
        $sent = @((Get-ChatRequest $server)[-1].Json.messages)
        $sent.role | Should -Be @('user', 'assistant', 'tool')
        $sent[1].tool_calls | Should -HaveCount 1
        $sent[1].tool_calls[0].id | Should -BeExactly 'call-1'
        $sent[1].tool_calls[0].type | Should -BeExactly 'function'
        $sent[1].tool_calls[0].function.name | Should -BeExactly 'Get-Date'
        $sent[1].tool_calls[0].function.arguments | Should -BeExactly '{"Format":"yyyy"}'
        $sent[2].tool_call_id | Should -BeExactly 'call-1'
        $sent[2].content | Should -BeExactly $Answer
    }

    # What Start-Job hands back of a tool-call reply (Add-ToolCallBehavior's) made in the job: the reply, then its Messages alone.
    function Receive-ToolCallReplyFromJob {
        $job = Start-Job -ScriptBlock {
            param($ModulePath, $BaseUri, $Key, $Model)
            Import-Module $ModulePath
            $reply = Invoke-LaminiChat 'What day is it?' -Model $Model -BaseUri $BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force)
            $reply
            , $reply.Messages
        } -ArgumentList (Get-LaminiManifestPath), $server.BaseUri, $server.ApiKey, $askedModel
        try {
            $job | Wait-Job -Timeout 120 | Receive-Job
        } finally {
            $job | Remove-Job -Force
        }
    }

    # Runs a script file in a fresh PowerShell process with the given environment; returns its output and errors as one text.
    function Invoke-FreshScript([string] $Path, [hashtable] $Environment) {
        $result = Wait-FreshPowerShell (Start-FreshPowerShell -ArgumentList '-File', $Path -Environment $Environment)
        [pscustomobject]@{ Output = $result.Output + $result.Errors; ExitCode = $result.ExitCode }
    }

    # The README's powershell block that follows the given HTML comment marker.
    function Get-ReadmeBlock([string] $Marker) {
        $blocks = @(Get-ReadmeExample -Marker $Marker)
        $blocks | Should -HaveCount 1 -Because "README.md marks one block with <!-- $Marker -->"
        $blocks[0].Code
    }
}

AfterAll {
    Restore-LaminiTestEnvironment -Saved $savedEnvironment
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempDir
}

Describe 'Replies in PowerShell habits' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'ConvertTo-Json at its default depth' {
        It 'writes every field of a reply, readable, with no warning' {
            $reply = New-FirstReply
            $json = $reply | ConvertTo-Json -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
            $back = $json | ConvertFrom-Json
            $back.Prompt | Should -BeExactly 'What is the best llama?'
            $back.Content | Should -BeExactly $reply.Content
            $back.Model | Should -BeExactly 'hosted_vllm/meta-llama/Llama-3.2-3B-Instruct'
            $back.RequestedModel | Should -BeExactly $askedModel
            $back.FinishReason | Should -BeExactly 'stop'
            $back.PromptTokens, $back.CompletionTokens, $back.TotalTokens | Should -Be @($reply.PromptTokens, $reply.CompletionTokens, $reply.TotalTokens)
            $back.TotalTokens | Should -BeGreaterThan 0
            $back.Id | Should -BeExactly $reply.Id
            ([datetime]$back.Created).ToUniversalTime() | Should -Be $reply.Created
            $back.Messages.Role | Should -Be @('system', 'user', 'assistant')
            $back.Messages.Content | Should -Be @('Be brief.', 'What is the best llama?', $reply.Content)
            $back.ElapsedMilliseconds | Should -BeOfType [double]
            $back.ElapsedMilliseconds | Should -Be ([math]::Round($reply.Elapsed.TotalMilliseconds, 1))
            $json | Should -Not -Match 'Ticks|TotalDays|assistant: '
        }

        It 'writes structured Data with its nested values and no warning' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = '{"name":"Ada","tags":["x","y"],"owner":{"city":"Lima"}}' }
            $reply = Invoke-LaminiChat 'who' @conn -JsonObject
            $json = $reply | ConvertTo-Json -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
            $back = $json | ConvertFrom-Json
            $back.Data.name | Should -BeExactly 'Ada'
            $back.Data.tags | Should -Be @('x', 'y')
            $back.Data.owner.city | Should -BeExactly 'Lima'
        }
    }

    Context 'continuing a conversation from anything that looks like a reply' {
        It 'continues a reply read back with Import-Clixml, piped in' {
            $first = New-FirstReply
            $first | Export-Clixml -LiteralPath (Join-Path $tempDir 'reply.xml')
            $imported = Import-Clixml -LiteralPath (Join-Path $tempDir 'reply.xml')
            $imported.PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.LaminiPS.Models.LaminiChatResponse'
            $next = $imported | Invoke-LaminiChat -Prompt 'Why?' @conn
            Assert-Continued $first 'Why?'
            $next.Messages | Should -HaveCount 5
        }

        It 'continues a reply read back with Import-Clixml, given to -Conversation' {
            $first = New-FirstReply
            $first | Export-Clixml -LiteralPath (Join-Path $tempDir 'reply.xml')
            $null = Invoke-LaminiChat -Conversation (Import-Clixml -LiteralPath (Join-Path $tempDir 'reply.xml')) -Prompt 'Why?' @conn
            Assert-Continued $first 'Why?'
        }

        It 'continues a reply received from Start-Job' {
            $job = Start-Job -ScriptBlock {
                param($ModulePath, $BaseUri, $Key, $Model)
                Import-Module $ModulePath
                Invoke-LaminiChat 'What is the best llama?' -SystemPrompt 'Be brief.' -Model $Model -BaseUri $BaseUri -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force)
            } -ArgumentList (Get-LaminiManifestPath), $server.BaseUri, $server.ApiKey, $askedModel
            try {
                $received = $job | Wait-Job -Timeout 120 | Receive-Job
            } finally {
                $job | Remove-Job -Force
            }
            $received.PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.LaminiPS.Models.LaminiChatResponse'
            $null = $received | Invoke-LaminiChat -Prompt 'And then?' @conn
            Assert-Continued $received 'And then?'
        }

        It 'continues a reply serialized as remoting does (Invoke-Command, depth 1)' {
            $first = New-FirstReply
            $remote = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($first, 1))
            $null = $remote | Invoke-LaminiChat -Prompt 'Why?' @conn
            Assert-Continued $first 'Why?'
        }

        It 'continues a reply handed to ForEach-Object -Parallel with $using:' -Skip:($PSVersionTable.PSVersion.Major -lt 7) {
            $first = New-FirstReply
            $modulePath = Get-LaminiManifestPath
            $next = 1 | ForEach-Object -Parallel {
                Import-Module $using:modulePath
                $using:first | Invoke-LaminiChat -Prompt 'Why?' @using:conn
            }
            Assert-Continued $first 'Why?'
            $null = $next | Invoke-LaminiChat -Prompt 'More?' @conn
            (Get-WireHistory (Get-ChatRequest $server)[-1])[-1] | Should -BeExactly 'user: More?'
            @(Get-WireHistory (Get-ChatRequest $server)[-1]) | Should -HaveCount 6
        }

        It 'continues a reply saved with ConvertTo-Json and read back with ConvertFrom-Json, piped in' {
            $first = New-FirstReply
            $file = Join-Path $tempDir 'reply.json'
            $first | ConvertTo-Json | Set-Content -LiteralPath $file -Encoding UTF8
            $null = Get-Content -Raw -LiteralPath $file | ConvertFrom-Json | Invoke-LaminiChat -Prompt 'Why?' @conn
            Assert-Continued $first 'Why?'
        }

        It 'continues a saved JSON reply given to -Conversation, also as hashtables (-AsHashtable)' -Skip:($PSVersionTable.PSVersion.Major -lt 7) {
            $first = New-FirstReply
            $json = $first | ConvertTo-Json
            $null = Invoke-LaminiChat -Conversation ($json | ConvertFrom-Json -AsHashtable) -Prompt 'Why?' @conn
            Assert-Continued $first 'Why?'
        }

        It 'keeps tool calls of a reply saved with -Depth 5, and refuses one saved with them cut to text' {
            $first = New-ToolCallReply


            $deep = $first | ConvertTo-Json -Depth 5 | ConvertFrom-Json
            $null = $deep | Invoke-LaminiChat -Prompt 'Thanks' @conn
            $sent = (Get-ChatRequest $server)[-1].Json.messages[1]
            $sent.role | Should -BeExactly 'assistant'
            $sent.tool_calls[0].id | Should -BeExactly 'call-1'
            $sent.tool_calls[0].function.name | Should -BeExactly 'Get-Date'

            $shallow = $first | ConvertTo-Json -WarningAction SilentlyContinue | ConvertFrom-Json
            { $shallow | Invoke-LaminiChat -Prompt 'Thanks' @conn -ErrorAction Stop } | Should -Throw '*Message 1 has its tool calls only as text*-Depth 5*'
            Get-ChatRequest $server | Should -HaveCount 2
        }

        It 'keeps the tool calls of a reply read back with Import-Clixml, answered with -ToolResult or -Messages' {
            $first = New-ToolCallReply
            $path = Join-Path $tempDir 'tool-reply.xml'
            $first | Export-Clixml -LiteralPath $path
            $imported = Import-Clixml -LiteralPath $path
            $imported.ToolCalls.Name | Should -BeExactly 'Get-Date'
            $null = $imported | Invoke-LaminiChat -ToolResult '2026' @conn
            Assert-ToolCallSent '2026'
            $null = Invoke-LaminiChat -Messages (@($imported.Messages) + @{ role = 'tool'; tool_call_id = 'call-1'; content = '2027' }) @conn
            Assert-ToolCallSent '2027'
        }

        It 'keeps the tool calls of messages saved alone with Export-Clixml' {
            $first = New-ToolCallReply
            $path = Join-Path $tempDir 'tool-messages.xml'
            $first.Messages | Export-Clixml -LiteralPath $path
            $null = Invoke-LaminiChat -Messages (@(Import-Clixml -LiteralPath $path) + @{ role = 'tool'; tool_call_id = 'call-1'; content = '2026' }) @conn
            Assert-ToolCallSent '2026'
        }

        It 'keeps the tool calls of a reply, and of its Messages alone, received from Start-Job' {
            Add-ToolCallBehavior
            $received = @(Receive-ToolCallReplyFromJob)
            $received | Should -HaveCount 2
            $received[0].PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.LaminiPS.Models.LaminiChatResponse'
            $received[0].ToolCalls.Name | Should -BeExactly 'Get-Date'
            $null = $received[0] | Invoke-LaminiChat -ToolResult '2026' @conn
            Assert-ToolCallSent '2026'
            $null = Invoke-LaminiChat -Messages (@($received[1]) + @{ role = 'tool'; tool_call_id = 'call-1'; content = '2027' }) @conn
            Assert-ToolCallSent '2027'
        }

        It 'says which message is broken and sends nothing for a saved reply that lost its roles' {
            $broken = [pscustomobject]@{ Messages = @([pscustomobject]@{ Content = 'hello' }) }
            { Invoke-LaminiChat -Conversation $broken -Prompt 'Why?' @conn -ErrorAction Stop } | Should -Throw '*Message 0*no role*'
            Get-ChatRequest $server | Should -BeNullOrEmpty
        }
    }

    Context 'Export-Csv' {
        It 'writes the report columns only, each useful' {
            $path = Join-Path $tempDir 'replies.csv'
            $replies = 'one', 'two' | Invoke-LaminiChat @conn
            $replies | Export-Csv -LiteralPath $path -NoTypeInformation
            $rows = @(Import-Csv -LiteralPath $path)
            $rows[0].PSObject.Properties.Name | Should -Be @('Prompt', 'Content', 'Model', 'FinishReason', 'PromptTokens', 'CompletionTokens', 'TotalTokens', 'ElapsedMilliseconds')
            $rows.Prompt | Should -Be @('one', 'two')
            $rows.Content | Should -Be @('Echo: one', 'Echo: two')
            foreach ($column in $rows[0].PSObject.Properties.Name) {
                @($rows | Where-Object { $_.$column -ne '' }).Count | Should -BeGreaterThan 0 -Because "column $column is not empty on every row"
            }
            Get-Content -Raw -LiteralPath $path | Should -Not -Match 'LaminiPS\.|System\.|\d+ (messages|choices)'
            [double]$rows[0].ElapsedMilliseconds | Should -BeGreaterThan 0
        }

        It 'keeps the rest of a reply reachable by name' {
            $reply = Invoke-LaminiChat 'hi' @conn -Count 2
            $reply.Messages.Role | Should -Be @('user', 'assistant')
            $reply.Choices | Should -HaveCount 2
            $reply.Id | Should -Not -BeNullOrEmpty
            $reply.Created | Should -BeOfType [datetime]
            $reply.Elapsed | Should -BeOfType [timespan]
            $reply.Usage.TotalTokens | Should -Be $reply.TotalTokens
            $reply.RequestedModel | Should -BeExactly 'meta-llama/Llama-3.2-3B-Instruct'
            ($reply | Select-Object Prompt, Id, Messages).Messages | Should -HaveCount 2
        }
    }

    Context 'views' {
        BeforeEach {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = "A long answer`nover two lines about llamas, alpacas, guanacos and vicunas, and their wool"; times = -1 }
        }

        It 'Format-Table shows prompt, one-line content, finish reason, tokens and model in 120 columns' {
            $replies = 'What is a llama and why does it spit at people who come too close?', 'hi' | Invoke-LaminiChat @conn -Model 'hosted_vllm/meta-llama/Llama-3.1-8B-Instruct'
            $lines = @(($replies | Format-Table | Out-String -Width 120) -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] -split '\s+' | Where-Object { $_ } | Should -Be @('Prompt', 'Content', 'Finish', 'Tokens', 'Model')
            $lines | Should -HaveCount 4
            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
            $lines[2] | Should -Match '^What is a llama.*A long answer over two lines.*stop\s+\d+ hosted_vllm/meta-llama/Llama'
        }

        It '<Name> shows all of its columns in 80 columns' -ForEach @(
            @{ Name = 'Get-LaminiModel'; Make = { Get-LaminiModel @conn }; Headers = @('Id', 'OwnedBy', 'Created', 'MaxModelLength') }
            @{ Name = 'New-LaminiJsonSchema'; Make = { New-LaminiJsonSchema -Property @{ answer = 'string'; score = 'int'; tags = 'string[]' } }; Headers = @('Name', 'Strict', 'Schema') }
            @{ Name = 'a reply''s Messages'; Make = { (Invoke-LaminiChat 'hi' @conn).Messages }; Headers = @('Role', 'Content') }
            @{ Name = 'a reply''s Choices'; Make = { (Invoke-LaminiChat 'hi' @conn -Count 2).Choices }; Headers = @('Index', 'Finish', 'Content') }
            @{ Name = 'a reply''s Usage'; Make = { (Invoke-LaminiChat 'hi' @conn).Usage }; Headers = @('PromptTokens', 'CompletionTokens', 'TotalTokens') }
        ) {
            $lines = @((& $Make | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] -split '\s+' | Where-Object { $_ } | Should -Be $Headers
            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        }

        It 'shows a reply as its text and a status line that fits 80 columns' {
            $reply = Invoke-LaminiChat 'hi' @conn -Model 'hosted_vllm/meta-llama/Llama-3.1-8B-Instruct'
            $lines = @(($reply | Out-String -Width 80) -split '\r?\n' | Where-Object { $_.Trim() })
            $lines | Should -HaveCount 3
            $lines[2] | Should -Match '^-- stop \| \d+\+\d+=\d+ tokens \| \d+\.\d\ds \| hosted_vllm/meta-llama/Llama-3\.1-8B-Instruct$'
        }
    }

    Context 'UTF-8 request bodies' {
        It 'sends non-ASCII text as it is: a CJK prompt costs 3 bytes a character, not a 6-byte escape' {
            $cjk = '骆马是南美洲的动物' * 10
            $ascii = 'abcdefghi' * 10
            $null = Invoke-LaminiChat $cjk @conn
            $null = Invoke-LaminiChat $ascii @conn
            $requests = Get-ChatRequest $server
            $bytes = $requests | ForEach-Object { [int]$_.headers.'Content-Length' }
            $bytes | ForEach-Object { $_ | Should -BeGreaterThan 0 }
            $bytes[0] | Should -Be ([System.Text.Encoding]::UTF8.GetByteCount($requests[0].body))
            $bytes[0] - $bytes[1] | Should -Be (2 * $cjk.Length)
            $requests[0].body | Should -BeLike "*$cjk*"
            $requests[0].body | Should -Not -Match '\\u'
        }

        It 'escapes only what JSON requires, and emoji take 4 bytes' {
            $prompt = "quote `" backslash \ tab `t line`n bell $([char]7) <b>&amp;</b> 🦙"
            $null = Invoke-LaminiChat $prompt @conn -AdditionalParameters @{ user = '骆马 🦙' }
            $request = Get-ChatRequest $server
            $request.Json.messages[0].content | Should -BeExactly $prompt
            $request.Json.user | Should -BeExactly '骆马 🦙'
            $request.body | Should -BeLike '*quote \" backslash \\ tab \t line\n bell \u0007 <b>&amp;</b> 🦙*'
            $request.body | Should -BeLike '*"user":"骆马 🦙"*'
        }
    }

    Context '-Stream -Count N -PassThru' {
        It 'streams the first choice and assembles all of them' {
            $output = @(Invoke-LaminiChat 'hi there' @conn -Stream -Count 3 -PassThru)
            $reply = $output[-1]
            -join ($output | Where-Object { $_ -is [string] }) | Should -BeExactly 'Echo: hi there'
            $reply.Choices | Should -HaveCount 3
            $reply.Choices.Index | Should -Be @(0, 1, 2)
            $reply.Choices.Message.Content | Should -Be @('Echo: hi there', 'Echo: hi there (choice 1)', 'Echo: hi there (choice 2)')
            $reply.Choices.FinishReason | Should -Be @('stop', 'stop', 'stop')
            $reply.Choices.Message.Role | Should -Be @('assistant', 'assistant', 'assistant')
            $reply.Content | Should -BeExactly 'Echo: hi there'
        }
    }

    Context 'README recipes in fresh processes' {
        BeforeAll {
            $script:moduleRoot = (Resolve-Path "$PSScriptRoot/../out").Path
            $script:runEnvironment = @{
                LAMINI_API_KEY = $server.ApiKey
                LAMINI_API_URL = $server.RootUri.AbsoluteUri.TrimEnd('/')
                PSModulePath   = $moduleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
            }
        }

        It 'keeps a conversation in a JSON file between two runs of a scheduled script' {
            $dir = New-Item -ItemType Directory -Path (Join-Path $tempDir 'conversation')
            $script = Join-Path $dir 'llama-diary.ps1'
            Set-Content -LiteralPath $script -Value (Get-ReadmeBlock 'conversation-file recipe') -Encoding UTF8

            $first = Invoke-FreshScript $script $runEnvironment
            $first.ExitCode | Should -Be 0 -Because $first.Output
            $second = Invoke-FreshScript $script $runEnvironment
            $second.ExitCode | Should -Be 0 -Because $second.Output

            $requests = Get-ChatRequest $server
            $requests | Should -HaveCount 2
            $firstHistory = @(Get-WireHistory $requests[0])
            $firstAnswer = 'assistant: Echo: ' + $requests[0].Json.messages[-1].content
            $secondHistory = @(Get-WireHistory $requests[1])
            $secondHistory | Should -HaveCount ($firstHistory.Count + 2)
            $secondHistory[0..($firstHistory.Count)] | Should -Be ($firstHistory + $firstAnswer)
            $requests[1].Json.model | Should -BeExactly $requests[0].Json.model
        }

        It 'runs the unattended report on Linux as written, logging each failed prompt' -Skip:(-not $IsLinux) {
            $dir = New-Item -ItemType Directory -Path (Join-Path $tempDir 'report')
            'What is a llama?', 'Refuse this one', 'What do llamas eat?' | Set-Content -LiteralPath (Join-Path $dir 'questions.txt')
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'Refuse this one'; status = 400; errorFixture = 'vllm_flat_400'; times = -1 }
            $script = Join-Path $dir 'llama-report.ps1'
            Set-Content -LiteralPath $script -Value (Get-ReadmeBlock 'report recipe') -Encoding UTF8

            # The key and address only in ~/.lamini/configure.yaml, as the cron recipe says.
            $saved = Enter-LaminiTestEnvironment -Root $tempDir
            try {
                $null = Set-LaminiTestConfig "production:`n  key: $($server.ApiKey)`n  url: $($server.RootUri.AbsoluteUri.TrimEnd('/'))`n"
                $run = Invoke-FreshScript $script @{ PSModulePath = $runEnvironment.PSModulePath }
            } finally {
                Restore-LaminiTestEnvironment -Saved $saved
            }
            $run.ExitCode | Should -Be 1 -Because 'one prompt failed'
            $rows = @(Import-Csv -LiteralPath (Join-Path $dir 'answers.csv'))
            $rows.Prompt | Should -Be @('What is a llama?', 'What do llamas eat?')
            $log = Get-Content -LiteralPath (Join-Path $dir 'failures.log')
            $log | Should -HaveCount 1
            $log | Should -BeLike 'Refuse this one*BadRequest*'
        }

        It 'runs the unattended report over blank lines without failing the job for them (<Name>)' -Skip:(-not $IsLinux) -ForEach @(
            @{ Name = 'one prompt refused'; Failing = 'Refuse this one'; ExitCode = 1 }
            @{ Name = 'none refused'; Failing = $null; ExitCode = 0 }
        ) {
            $dir = New-Item -ItemType Directory -Path (Join-Path $tempDir "report-blank-$([guid]::NewGuid())")
            $questions = @('What is a llama?', '', '   ', $Failing, "`t", 'What do llamas eat?') | Where-Object { $null -ne $_ }
            $questions | Set-Content -LiteralPath (Join-Path $dir 'questions.txt')
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'Refuse this one'; status = 400; errorFixture = 'vllm_flat_400'; times = -1 }
            $script = Join-Path $dir 'llama-report.ps1'
            Set-Content -LiteralPath $script -Value (Get-ReadmeBlock 'report recipe') -Encoding UTF8

            $run = Invoke-FreshScript $script $runEnvironment
            $run.ExitCode | Should -Be $ExitCode -Because $run.Output
            $run.Output | Should -BeLike '*skipped 3 blank prompts*'
            @(Import-Csv -LiteralPath (Join-Path $dir 'answers.csv')).Prompt | Should -Be @('What is a llama?', 'What do llamas eat?')
            $logPath = Join-Path $dir 'failures.log'
            if ($Failing) {
                $log = @(Get-Content -LiteralPath $logPath)
                $log | Should -HaveCount 1
                $log[0] | Should -BeLike "$Failing`tBadRequest,*`tThe server at * rejected the request*"
            } else {
                $logPath | Should -Not -Exist
            }
            (Get-ChatRequest $server).Json.messages.content | Where-Object { -not $_.Trim() } | Should -BeNullOrEmpty
        }
    }
}
