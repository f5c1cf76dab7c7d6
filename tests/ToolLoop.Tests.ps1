#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The tool loop, against the local test server: -ToolResult answering a reply's calls; -InvokeTool running
# only the commands given to -Tool (arguments checked first, on the pipeline thread), the exact follow-up
# requests, failures told to the model and warned about, the round limit, -WhatIf and -Confirm, output
# as text or capped JSON, streaming, batches, and the reply that keeps the whole exchange.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ MaximumRetryCount = 0 }

    # Every run of a command in this file is recorded here, with its arguments.
    $script:runs = [System.Collections.Generic.List[string]]::new()

    function Get-Square {
        <#
        .SYNOPSIS
        Squares a number.
        #>
        param([Parameter(Mandatory)] [int] $Number)
        $script:runs.Add("Get-Square $Number")
        $Number * $Number
    }

    function Get-Room {
        param([Parameter(Mandatory)] [string] $Name, [switch] $WithLights)
        $script:runs.Add("Get-Room $Name")
        [pscustomobject]@{ Name = $Name; Lights = if ($WithLights) { @('ceiling', 'desk') } else { @() }; Size = 12.5 }
    }

    # Never given to -Tool: a call to it must never run it.
    function Remove-Everything {
        param([string] $Path)
        $script:runs.Add("Remove-Everything $Path")
    }

    function Set-Light {
        param([Parameter(Mandatory)] [string] $Room)
        $script:runs.Add("Set-Light $Room")
        throw "The bulb in the $Room is broken."
    }

    function Get-Shelf {
        param([Parameter(Mandatory)] [int] $Count)
        $script:runs.Add("Get-Shelf $Count")
        1..$Count | ForEach-Object { [pscustomobject]@{ Shelf = $_; Label = 'x' * 100 } }
    }

    function Get-Note {
        param([Parameter(Mandatory)] [int] $Length)
        $script:runs.Add("Get-Note $Length")
        'line one'
        'n' * $Length
    }

    function Find-Item {
        param([Parameter(Mandatory)] [string] $Name)
        $script:runs.Add("Find-Item $Name")
        "found $Name"
        Write-Error "No shelf holds a second $Name."
    }

    # The requests to /chat/completions, oldest first.
    # A host that answers -Confirm's questions from a script and keeps every line written to it (What if: ...).
    if (-not ('LaminiTests.ScriptedHost' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace LaminiTests
{
    public sealed class ScriptedHost : PSHost
    {
        private readonly Guid _id = Guid.NewGuid();
        private readonly ScriptedHostUserInterface _ui = new ScriptedHostUserInterface();
        public ScriptedHostUserInterface Script { get { return _ui; } }
        public override string Name { get { return "ScriptedHost"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return _id; } }
        public override PSHostUserInterface UI { get { return _ui; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }

    public sealed class ScriptedHostUserInterface : PSHostUserInterface
    {
        public readonly Queue<string> Answers = new Queue<string>();
        public readonly List<string> Questions = new List<string>();
        public readonly List<string> Lines = new List<string>();
        public override PSHostRawUserInterface RawUI { get { return null; } }
        public override string ReadLine() { throw new NotSupportedException(); }
        public override SecureString ReadLineAsSecureString() { throw new NotSupportedException(); }
        public override void Write(string value) { Lines.Add(value); }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { Lines.Add(value); }
        public override void WriteLine(string value) { Lines.Add(value); }
        public override void WriteErrorLine(string value) { Lines.Add(value); }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new NotSupportedException(); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new NotSupportedException(); }

        // Answers with the choice whose label (without '&') is the next scripted answer: Yes, Yes to All, No, No to All.
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Questions.Add(message);
            if (Answers.Count == 0) { throw new InvalidOperationException("No scripted answer for: " + message); }
            string answer = Answers.Dequeue();
            for (int i = 0; i < choices.Count; i++)
            {
                if (choices[i].Label.Replace("&", "") == answer) { return i; }
            }
            throw new InvalidOperationException("No choice '" + answer + "' in: " + message);
        }
    }
}
'@
    }

    # Runs a script in a runspace of a scripted host, with the module, the connection and this file's
    # commands; returns the host's record (Questions, Lines), the output and the error records.
    function Invoke-WithHost([scriptblock] $Script, [string[]] $Answers = @()) {
        $scriptedHost = [LaminiTests.ScriptedHost]::new()
        foreach ($answer in $Answers) { $scriptedHost.Script.Answers.Enqueue($answer) }
        $runspace = [runspacefactory]::CreateRunspace($scriptedHost)
        $runspace.Open()
        $shell = New-ChildShell -Runspace $runspace
        try {
            $null = $shell.AddScript({
                    param($Connection, $Runs, $Functions)
                    $global:conn = $Connection
                    $global:runs = $Runs
                    foreach ($function in $Functions.GetEnumerator()) {
                        Set-Item -Path "Function:global:$($function.Key)" -Value ([scriptblock]::Create($function.Value.Replace('$script:runs', '$global:runs')))
                    }
                }).AddParameters(@{
                    Connection = $conn
                    Runs       = $runs
                    Functions  = @{ 'Get-Square' = ${function:Get-Square}.ToString(); 'Remove-Everything' = ${function:Remove-Everything}.ToString() }
                })
            $null = $shell.Invoke()
            $shell.Commands.Clear()
            $output = $shell.AddScript($Script).Invoke()
            [pscustomobject]@{
                Questions = @($scriptedHost.Script.Questions)
                Lines     = @($scriptedHost.Script.Lines)
                Output    = @($output)
                Errors    = @($shell.Streams.Error)
                Warnings  = @($shell.Streams.Warning)
            }
        } finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Tool calls answered and run' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
        $script:runs.Clear()
    }

    Context '-ToolResult: the caller answers the calls itself' {
        It 'sends the reply''s messages, then its result as the tool message with the call''s id, and reads the answer' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_q'; name = 'Get-Square'; arguments = '{"Number": 7}' }) }
            $first = Invoke-LaminiChat 'square 7' -Tool (Get-Command Get-Square) @conn
            $second = $first | Invoke-LaminiChat -ToolResult 49 -Tool (Get-Command Get-Square) @conn

            $runs.Count | Should -Be 0
            $sent = (Get-ChatRequest $server)[-1].Json.messages
            $sent.Count | Should -Be 3
            ConvertTo-CompactJson $sent[0] | Should -BeExactly '{"role":"user","content":"square 7"}'
            $sent[1].tool_calls[0].id | Should -BeExactly 'call_q'
            $sent[1].tool_calls[0].function.arguments | Should -BeExactly '{"Number": 7}'
            ConvertTo-CompactJson $sent[2] | Should -BeExactly '{"role":"tool","content":"49","tool_call_id":"call_q"}'
            $second.Content | Should -BeExactly 'Tool results: call_q => 49'
            $second.Prompt | Should -BeExactly 'square 7'
            $second.Messages.Count | Should -Be 4
        }

        It 'answers several calls with one result each, in order: text as is, objects as compact JSON' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_1'; name = 'Get-Square'; arguments = @{ Number = 2 } }
                    @{ id = 'call_2'; name = 'Get-Room'; arguments = @{ Name = 'hall' } }
                ) }
            $first = Invoke-LaminiChat 'two' -Tool (Get-Command Get-Square), (Get-Command Get-Room) @conn
            $room = [pscustomobject]@{ Name = 'hall'; Lights = @('ceiling'); Size = 12.5 }
            $second = Invoke-LaminiChat -Conversation $first -ToolResult 'four', $room @conn

            $sent = (Get-ChatRequest $server)[-1].Json.messages
            $sent[2].tool_call_id | Should -BeExactly 'call_1'
            $sent[2].content | Should -BeExactly 'four'
            $sent[3].tool_call_id | Should -BeExactly 'call_2'
            $sent[3].content | Should -BeExactly (ConvertTo-CompactJson $room)
            $second.Content | Should -BeExactly "Tool results: call_1 => four | call_2 => $(ConvertTo-CompactJson $room)"
        }

        It 'takes everything given as the result of a reply''s one call' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_r'; name = 'Get-Room'; arguments = @{ Name = 'attic' } }) }
            $first = Invoke-LaminiChat 'rooms' -Tool (Get-Command Get-Room) @conn
            $rooms = @([pscustomobject]@{ Name = 'attic' }, [pscustomobject]@{ Name = 'cellar' })
            $null = $first | Invoke-LaminiChat -ToolResult $rooms @conn
            (Get-ChatRequest $server)[-1].Json.messages[2].content | Should -BeExactly (ConvertTo-CompactJson $rooms)
        }

        It 'sends a prompt given with -ToolResult after the results' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_p'; name = 'Get-Square'; arguments = @{ Number = 5 } }) }
            $first = Invoke-LaminiChat 'square 5' -Tool (Get-Command Get-Square) @conn
            $second = $first | Invoke-LaminiChat -ToolResult 25 -Prompt 'And in words?' @conn
            $sent = (Get-ChatRequest $server)[-1].Json.messages
            $sent.role | Should -Be @('user', 'assistant', 'tool', 'user')
            $sent[2].content | Should -BeExactly '25'
            $second.Content | Should -BeExactly 'Echo: And in words?'
        }

        It 'reports InvalidToolResult without a reply to answer, and sends nothing' {
            $null = Invoke-LaminiChat -ToolResult 'lost' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidToolResult,*'
            $errs[0].Exception.Message | Should -BeLike '*pipe the reply in, or give it to -Conversation*'
            (Get-ChatRequest $server).Count | Should -Be 0
        }

        It 'reports InvalidToolResult for <Name>, sends nothing for that reply, and goes on with the next' -ForEach @(
            @{ Name = 'too few results for the calls'; Calls = @(@{ name = 'Get-Square'; arguments = @{ Number = 1 } }, @{ name = 'Get-Square'; arguments = @{ Number = 2 } }); Message = "Nothing was sent for the reply to 'first': -ToolResult has 1 result(s) for the 2 tool calls of the reply (Get-Square, Get-Square)*" }
            @{ Name = 'a reply without calls'; Calls = $null; Message = "Nothing was sent for the reply to 'first': The reply asks for no tool calls*" }
        ) {
            if ($Calls) { Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"first"'; toolCalls = $Calls } }
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = '"second"'; toolCalls = @(@{ id = 'call_s'; name = 'Get-Square'; arguments = @{ Number = 3 } }) }
            $replies = @(Invoke-LaminiChat 'first' -Tool (Get-Command Get-Square) @conn) + @(Invoke-LaminiChat 'second' -Tool (Get-Command Get-Square) @conn)
            $before = (Get-ChatRequest $server).Count

            $answers = @($replies | Invoke-LaminiChat -ToolResult 'one' @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidToolResult,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $errs[0].TargetObject | Should -BeExactly 'first'
            $errs[0].Exception.Message | Should -BeLike $Message
            (Get-ChatRequest $server).Count | Should -Be ($before + 1)
            $answers.Count | Should -Be 1
            $answers[0].Content | Should -BeExactly 'Tool results: call_s => one'
        }
    }

    Context '-InvokeTool' {
        It 'runs the calls of one round and sends exactly: the history, the assistant message as received, one tool message per call' {
            $arguments = @('{"Number":  7 }', '{"Name": "hall", "WithLights": true}')
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_a'; name = 'Get-Square'; arguments = $arguments[0] }
                    @{ id = 'call_b'; name = 'Get-Room'; arguments = $arguments[1] }
                    @{ id = 'call_c'; name = 'Get-Square'; arguments = '{"Number": 3}' }
                ) }
            $reply = Invoke-LaminiChat 'squares and a room' -SystemPrompt 'Be brief.' -Tool (Get-Command Get-Square), (Get-Command Get-Room) -InvokeTool @conn

            $runs | Should -Be @('Get-Square 7', 'Get-Room hall', 'Get-Square 3')
            $requests = Get-ChatRequest $server
            $requests.Count | Should -Be 2
            $runs.Clear()
            $results = @("$(Get-Square -Number 7)", (ConvertTo-CompactJson (Get-Room -Name hall -WithLights)), "$(Get-Square -Number 3)")
            $expected = '[{"role":"system","content":"Be brief."},{"role":"user","content":"squares and a room"},' +
            '{"role":"assistant","content":null,"tool_calls":[' +
            '{"id":"call_a","type":"function","function":{"name":"Get-Square","arguments":' + (ConvertTo-Json $arguments[0] -Compress) + '}},' +
            '{"id":"call_b","type":"function","function":{"name":"Get-Room","arguments":' + (ConvertTo-Json $arguments[1] -Compress) + '}},' +
            '{"id":"call_c","type":"function","function":{"name":"Get-Square","arguments":"{\"Number\": 3}"}}]},' +
            '{"role":"tool","content":' + (ConvertTo-Json $results[0] -Compress) + ',"tool_call_id":"call_a"},' +
            '{"role":"tool","content":' + (ConvertTo-Json $results[1] -Compress) + ',"tool_call_id":"call_b"},' +
            '{"role":"tool","content":' + (ConvertTo-Json $results[2] -Compress) + ',"tool_call_id":"call_c"}]'
            ConvertTo-CompactJson @($requests[1].Json.messages) | Should -BeExactly (ConvertTo-CompactJson @(ConvertFrom-Json $expected))
            $requests[1].Json.messages[2].tool_calls[0].function.arguments | Should -BeExactly $arguments[0]
            ConvertTo-CompactJson $requests[1].Json.tools | Should -BeExactly (ConvertTo-CompactJson $requests[0].Json.tools)

            $reply.Content | Should -BeExactly "Tool results: call_a => $($results[0]) | call_b => $($results[1]) | call_c => $($results[2])"
            $reply.FinishReason | Should -BeExactly 'stop'
            $reply.Prompt | Should -BeExactly 'squares and a room'
            $reply.ToolCalls.Count | Should -Be 0
        }

        It 'keeps the whole exchange in Messages and sums the token usage of every round' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_u'; name = 'Get-Square'; arguments = @{ Number = 12 } }) }
            $reply = Invoke-LaminiChat 'square 12' -Tool (Get-Command Get-Square) -InvokeTool @conn

            # The same two rounds, one request at a time, answered by hand.
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_u'; name = 'Get-Square'; arguments = @{ Number = 12 } }) }
            $first = Invoke-LaminiChat 'square 12' -Tool (Get-Command Get-Square) @conn
            $second = $first | Invoke-LaminiChat -ToolResult (Get-Square -Number 12) -Tool (Get-Command Get-Square) @conn

            $reply.Messages.Role | Should -Be @('user', 'assistant', 'tool', 'assistant')
            $reply.Messages[1].ToolCalls[0].Id | Should -BeExactly 'call_u'
            $reply.Messages[2].ToolCallId | Should -BeExactly 'call_u'
            $reply.Content | Should -BeExactly $second.Content
            $reply.PromptTokens | Should -Be ($first.PromptTokens + $second.PromptTokens)
            $reply.CompletionTokens | Should -Be ($first.CompletionTokens + $second.CompletionTokens)
            $reply.TotalTokens | Should -Be ($first.TotalTokens + $second.TotalTokens)
            $reply.TotalTokens | Should -BeGreaterThan $second.TotalTokens
        }

        It 'goes on for as many rounds as the model asks for calls' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 2 } }) }
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 4 } }) }
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Room'; arguments = @{ Name = 'den' } }) }
            $reply = Invoke-LaminiChat 'three rounds' -Tool (Get-Command Get-Square), (Get-Command Get-Room) -InvokeTool @conn
            $runs | Should -Be @('Get-Square 2', 'Get-Square 4', 'Get-Room den')
            (Get-ChatRequest $server).Count | Should -Be 4
            $reply.Messages.Role | Should -Be @('user', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool', 'assistant')
            $reply.Content | Should -BeLike 'Tool results: *'
        }

        It 'never runs a command that was not given to -Tool, tells the model and warns' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_x'; name = 'Remove-Everything'; arguments = @{ Path = '/' } }
                    @{ id = 'call_y'; name = 'Get-Square'; arguments = @{ Number = 5 } }
                ) }
            $reply = Invoke-LaminiChat 'clean up' -Tool (Get-Command Get-Square) -InvokeTool @conn -WarningVariable warnings -WarningAction SilentlyContinue

            $runs | Should -Be @('Get-Square 5')
            $runs | Should -Not -Contain 'Remove-Everything /'
            $toolMessages = @((Get-ChatRequest $server)[-1].Json.messages | Where-Object role -EQ 'tool')
            $toolMessages[0].tool_call_id | Should -BeExactly 'call_x'
            $toolMessages[0].content | Should -BeExactly "There is no tool named 'Remove-Everything'. The tools are: Get-Square."
            $toolMessages[1].content | Should -BeExactly "$(5 * 5)"
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike "The reply to 'clean up' asks for 'Remove-Everything', which is not one of the tools it was given; nothing was run*"
            $reply.Content | Should -BeLike 'Tool results: call_x => There is no tool*'
        }

        It 'does not run a call whose arguments <Name>; tells the model why, warns, and runs the corrected call' -ForEach @(
            @{ Name = 'are not JSON'; Arguments = '{"Number": 7'; Told = 'Get-Square was not run: The arguments are not valid JSON (line 1, position *. Call it again with arguments that match its parameters.' }
            @{ Name = 'have the wrong type'; Arguments = '{"Number": "seven"}'; Told = 'Get-Square was not run: the arguments do not match its parameters: $.Number: *integer*string*' }
            @{ Name = 'miss a mandatory parameter'; Arguments = '{}'; Told = 'Get-Square was not run: the arguments do not match its parameters: *Number*' }
            @{ Name = 'name a parameter the command lacks'; Arguments = '{"Number": 7, "Path": "/"}'; Told = 'Get-Square was not run: the arguments do not match its parameters: *Path*' }
            @{ Name = 'are an array'; Arguments = '[7]'; Told = 'Get-Square was not run: The arguments are an array, not a JSON object*' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_bad'; name = 'Get-Square'; arguments = $Arguments }) }
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_good'; name = 'Get-Square'; arguments = '{"Number": 7}' }) }
            $reply = Invoke-LaminiChat 'square' -Tool (Get-Command Get-Square) -InvokeTool @conn -WarningVariable warnings -WarningAction SilentlyContinue

            $runs | Should -Be @('Get-Square 7')
            $requests = Get-ChatRequest $server
            $requests.Count | Should -Be 3
            $requests[1].Json.messages[-1].tool_call_id | Should -BeExactly 'call_bad'
            $requests[1].Json.messages[-1].content | Should -BeLike $Told
            $requests[2].Json.messages[-1].content | Should -BeExactly "$(7 * 7)"
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike "The reply to 'square' calls Get-Square with arguments that do not fit (*); nothing was run, and the model was told so."
            $reply.Content | Should -BeExactly "Tool results: call_good => $(7 * 7)"
        }

        It 'tells the model what a command that throws said, warns, and goes on' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_t'; name = 'Set-Light'; arguments = @{ Room = 'hall' } }) }
            $replies = @('lights', 'next' | Invoke-LaminiChat -Tool (Get-Command Set-Light) -InvokeTool @conn -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable errs)

            $errs.Count | Should -Be 0
            $runs | Should -Be @('Set-Light hall')
            $replies.Count | Should -Be 2
            $replies[0].Content | Should -BeExactly 'Tool results: call_t => The command failed: The bulb in the hall is broken.'
            $replies[1].Content | Should -BeExactly 'Echo: next'
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -BeExactly "Set-Light -Room ""hall"", called by the model for 'lights', failed: The bulb in the hall is broken. The model was told so."
        }

        It 'sends the errors a command writes along with its output, and warns' {
            $ErrorActionPreference = 'Continue'
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_f'; name = 'Find-Item'; arguments = @{ Name = 'lamp' } }) }
            $reply = Invoke-LaminiChat 'find' -Tool (Get-Command Find-Item) -InvokeTool @conn -WarningVariable warnings -WarningAction SilentlyContinue
            $reply.Content | Should -BeExactly "Tool results: call_f => found lamp`nThe command also wrote these errors:`n- No shelf holds a second lamp."
            "$($warnings[0])" | Should -BeLike "Find-Item -Name ""lamp"", called by the model for 'find', wrote 1 error(s): No shelf holds a second lamp."
        }

        It 'treats an error as a failure of the command under $ErrorActionPreference = ''Stop''' {
            $ErrorActionPreference = 'Stop'
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_f'; name = 'Find-Item'; arguments = @{ Name = 'lamp' } }) }
            $reply = Invoke-LaminiChat 'find' -Tool (Get-Command Find-Item) -InvokeTool @conn -WarningAction SilentlyContinue
            $reply.Content | Should -BeLike 'Tool results: call_f => The command failed: *No shelf holds a second lamp.'
        }

        It 'sends <Name>' -ForEach @(
            @{ Name = 'several lines of text as they are'; Call = @{ name = 'Get-Note'; arguments = @{ Length = 5 } }; Expected = { "line one`n$('n' * 5)" } }
            @{ Name = 'an object as compact JSON'; Call = @{ name = 'Get-Room'; arguments = @{ Name = 'den'; WithLights = $true } }; Expected = { ConvertTo-CompactJson ([pscustomobject]@{ Name = 'den'; Lights = @('ceiling', 'desk'); Size = 12.5 }) } }
            @{ Name = 'several objects as a JSON array'; Call = @{ name = 'Get-Shelf'; arguments = @{ Count = 3 } }; Expected = { ConvertTo-CompactJson @(1..3 | ForEach-Object { [pscustomobject]@{ Shelf = $_; Label = 'x' * 100 } }) } }
            @{ Name = 'a note when the command wrote nothing'; Call = @{ name = 'Remove-Everything'; arguments = @{ Path = 'none' } }; Expected = { 'The command completed without output.' } }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @($Call) }
            $null = Invoke-LaminiChat 'output' -Tool (Get-Command $Call.name) -InvokeTool @conn
            (Get-ChatRequest $server)[-1].Json.messages[-1].content | Should -BeExactly (& $Expected)
        }

        It 'writes .NET objects as their properties, and objects inside them as text' {
            $file = New-Item -ItemType File -Path (Join-Path $TestDrive 'llama.txt') -Value 'wool'
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Item'; arguments = @{ LiteralPath = @($file.FullName) } }) }
            $null = Invoke-LaminiChat 'file' -Tool @{ Command = 'Get-Item'; ParameterSet = 'LiteralPath' } -InvokeTool @conn
            $sent = (Get-ChatRequest $server)[-1].Json.messages[-1].content | ConvertFrom-Json
            $sent.Name | Should -BeExactly 'llama.txt'
            $sent.Length | Should -Be 4
            $sent.FullName | Should -BeExactly $file.FullName
            $sent.PSChildName | Should -BeExactly 'llama.txt'
            $sent.Directory | Should -BeExactly $file.Directory.ToString()
        }

        It 'cuts a result over 16 KB and says so: <Name>' -ForEach @(
            @{ Name = 'long text'; Call = @{ name = 'Get-Note'; arguments = @{ Length = 40000 } }; Note = "^\[Cut: the output is $('line one'.Length + 1 + 40000) characters long; only the first 16384 are shown\.\]$" }
            @{ Name = 'many objects, whole ones only'; Call = @{ name = 'Get-Shelf'; arguments = @{ Count = 1000 } }; Note = '^\[Cut: only the first \d+ of 1000 results fit in 16384 characters\.\]$' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @($Call) }
            $null = Invoke-LaminiChat 'big' -Tool (Get-Command $Call.name) -InvokeTool @conn
            $content = (Get-ChatRequest $server)[-1].Json.messages[-1].content
            $content.Length | Should -BeLessOrEqual (16384 + 100)
            $content.Length | Should -BeGreaterThan 15000
            ($content -split "`n")[-1] | Should -Match $Note
            if ($Call.name -eq 'Get-Shelf') {
                $kept = ($content -split "`n")[0] | ConvertFrom-Json
                $kept.Shelf | Should -Be (1..$kept.Count)
            }
        }

        It 'stops after -MaximumToolRound rounds with ToolRoundLimit carrying the conversation, and goes on with the batch' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = -1; match = 'endless'; toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 2 } }) }
            $replies = @('endless', 'plain' | Invoke-LaminiChat -Tool (Get-Command Get-Square) -InvokeTool -MaximumToolRound 3 @conn -ErrorVariable errs -ErrorAction SilentlyContinue)

            $runs.Count | Should -Be 3
            @(Get-ChatRequest $server | Where-Object { $_.Body -like '*endless*' }).Count | Should -Be 4
            $replies.Count | Should -Be 1
            $replies[0].Content | Should -BeExactly 'Echo: plain'
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ToolRoundLimit,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $errs[0].TargetObject | Should -BeExactly 'endless'
            "$($errs[0])" | Should -BeLike "Prompt 'endless': The model still asks for tool calls (Get-Square) after 3 rounds (-MaximumToolRound 3); they were not run.*"
            $conversation = $errs[0].Exception.Response
            $conversation.Messages.Role | Should -Be @('user', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool', 'assistant')
            $conversation.ToolCalls.Count | Should -Be 1
            $conversation.TotalTokens | Should -BeGreaterThan 0
        }

        It 'stops after 8 rounds by default' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = -1; toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 2 } }) }
            $null = Invoke-LaminiChat 'endless' -Tool (Get-Command Get-Square) -InvokeTool @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $runs.Count | Should -Be 8
            (Get-ChatRequest $server).Count | Should -Be 9
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ToolRoundLimit,*'
        }

        It 'continues a conversation whose round limit was reached with -ToolResult' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = 2; toolCalls = @(@{ id = 'call_l'; name = 'Get-Square'; arguments = @{ Number = 2 } }) }
            $null = Invoke-LaminiChat 'twice' -Tool (Get-Command Get-Square) -InvokeTool -MaximumToolRound 1 @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $reply = $errs[0].Exception.Response | Invoke-LaminiChat -ToolResult 'four' @conn
            $reply.Content | Should -BeExactly 'Tool results: call_l => four'
            $reply.Messages.Count | Should -Be 6
        }

        It 'keeps the messages sent, tool results included, in the error of a later round that fails, and goes on from them (<Mode>)' -ForEach @(
            @{ Mode = 'replies'; Stream = $false }
            @{ Mode = '-Stream'; Stream = $true }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'square six'; toolCalls = @(@{ id = 'call_f'; name = 'Get-Square'; arguments = @{ Number = 6 } }) }
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'square six'; status = 500; body = @{ error = @{ message = 'Internal error'; type = 'server_error' } } }
            $output = @('square six', 'plain' | Invoke-LaminiChat -Tool (Get-Command Get-Square) -InvokeTool -Stream:$Stream -PassThru:$Stream -ThrottleLimit 1 @conn -ErrorVariable errs -ErrorAction SilentlyContinue)

            $runs | Should -Be @('Get-Square 6')
            @($output | Where-Object { $_ -is [LaminiPS.Models.LaminiChatResponse] }).Prompt | Should -Be @('plain')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ServerError,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].TargetObject | Should -BeExactly 'square six'
            $sent = $errs[0].Exception.Messages
            $sent.Role | Should -Be @('user', 'assistant', 'tool')
            $sent[1].ToolCalls.Id | Should -BeExactly 'call_f'
            $sent[2].ToolCallId | Should -BeExactly 'call_f'
            $sent[2].Content | Should -BeExactly "$(6 * 6)"
            $failed = @(Get-ChatRequest $server | Where-Object { $_.Body -like '*square six*' })[-1]
            $failed.Json.messages.role | Should -Be $sent.Role
            $failed.Json.messages[2].content | Should -BeExactly $sent[2].Content

            # Sent again, they go on where the failed round stopped: the tool does not run again.
            $runs.Clear()
            $reply = Invoke-LaminiChat -Messages $sent -Tool (Get-Command Get-Square) -InvokeTool @conn
            $runs.Count | Should -Be 0
            $reply.Content | Should -BeExactly "Tool results: call_f => $(6 * 6)"
            $reply.Messages.Role | Should -Be @('user', 'assistant', 'tool', 'assistant')
        }

        It 'refuses -InvokeTool without -Tool before any request' {
            { Invoke-LaminiChat 'x' -InvokeTool @conn } | Should -Throw -ErrorId 'InvokeToolNeedsTool,*'
            (Get-ChatRequest $server).Count | Should -Be 0
        }

        It 'leaves calls to a tool without a command to the caller: the reply carries them and nothing runs' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 3 } }, @{ name = 'get_weather'; arguments = @{ city = 'Lima' } }) }
            $reply = Invoke-LaminiChat 'weather' -Tool (Get-Command Get-Square), @{ name = 'get_weather'; parameters = @{ city = 'string' } } -InvokeTool @conn
            $runs.Count | Should -Be 0
            (Get-ChatRequest $server).Count | Should -Be 1
            $reply.ToolCalls.Name | Should -Be @('Get-Square', 'get_weather')
        }

        It 'sends tool_choice none with the results of a forced call (-ToolChoice <Choice>), so the model answers' -ForEach @(
            @{ Choice = 'Get-Square' }
            @{ Choice = 'required' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 3 } }) }
            $reply = Invoke-LaminiChat 'forced' -Tool (Get-Command Get-Square) -ToolChoice $Choice -InvokeTool @conn
            $requests = Get-ChatRequest $server
            $requests[0].Json.tool_choice | Should -Not -Be 'none'
            $requests[1].Json.tool_choice | Should -BeExactly 'none'
            $reply.Content | Should -BeLike 'Tool results: *'
        }

        It 'keeps tool_choice auto in every round' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 3 } }) }
            $null = Invoke-LaminiChat 'auto' -Tool (Get-Command Get-Square) -ToolChoice auto -InvokeTool @conn
            (Get-ChatRequest $server).Json.tool_choice | Should -Be @('auto', 'auto')
        }

        It 'reports each call with Write-Verbose: name, arguments, duration and size of the result' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Room'; arguments = [ordered]@{ Name = "O'Brien's ""den"""; WithLights = $true } }) }
            $stream = @(Invoke-LaminiChat 'verbose' -Tool (Get-Command Get-Room) -InvokeTool @conn -Verbose 4>&1)
            $result = (Get-ChatRequest $server)[-1].Json.messages[-1].content
            $verbose = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $pattern = "Get-Room -Name ""O'Brien's \""den\"""" -WithLights ran in * ms and wrote 1 objects; $($result.Length) characters went back to the model."
            @($verbose | Where-Object { $_ -like $pattern }).Count | Should -Be 1 -Because ($verbose -join "`n")
        }

        It 'reports a refused tools request (vLLM without --enable-auto-tool-choice) as ToolChoiceUnsupported and runs nothing' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; body = @{ object = 'error'; message = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'; type = 'BadRequestError'; param = $null; code = 400 } }
            $reply = Invoke-LaminiChat 'x' -Tool (Get-Command Get-Square) -InvokeTool @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $reply | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ToolChoiceUnsupported,*'
            "$($errs[0])" | Should -BeLike '*-ToolChoice <name>*'
            $runs.Count | Should -Be 0
        }
    }

    Context 'saving, reloading and continuing' {
        It 'continues a reply of the loop like any other: the next request holds the whole exchange' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_c'; name = 'Get-Square'; arguments = @{ Number = 6 } }) }
            $reply = Invoke-LaminiChat 'square 6' -Tool (Get-Command Get-Square) -InvokeTool @conn
            $next = $reply | Invoke-LaminiChat -Prompt 'and now?' @conn
            $sent = (Get-ChatRequest $server)[-1].Json.messages
            $sent.role | Should -Be @('user', 'assistant', 'tool', 'assistant', 'user')
            $sent[1].tool_calls[0].id | Should -BeExactly 'call_c'
            $sent[2].tool_call_id | Should -BeExactly 'call_c'
            $next.Content | Should -BeExactly 'Echo: and now?'
        }

        It 'continues a reply saved with <Name> exactly as the live reply would' -ForEach @(
            @{ Name = 'Export-Clixml'; Save = { param($Reply, $Path) $Reply | Export-Clixml $Path }; Load = { param($Path) Import-Clixml $Path } }
            @{ Name = 'ConvertTo-Json -Depth 5'; Save = { param($Reply, $Path) $Reply | ConvertTo-Json -Depth 5 | Set-Content $Path }; Load = { param($Path) Get-Content -Raw $Path | ConvertFrom-Json } }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_s'; name = 'Get-Room'; arguments = '{"Name":  "loft"}' }) }
            $reply = Invoke-LaminiChat 'loft' -Tool (Get-Command Get-Room) -InvokeTool @conn
            $null = $reply | Invoke-LaminiChat -Prompt 'go on' @conn
            $live = (Get-ChatRequest $server)[-1].Json.messages

            $path = Join-Path $TestDrive "chat-$Name"
            & $Save $reply $path
            $null = & $Load $path | Invoke-LaminiChat -Prompt 'go on' @conn
            $reloaded = (Get-ChatRequest $server)[-1].Json.messages
            ConvertTo-CompactJson @($reloaded) | Should -BeExactly (ConvertTo-CompactJson @($live))
            $reloaded[1].tool_calls[0].function.arguments | Should -BeExactly '{"Name":  "loft"}'
        }
    }

    Context 'streaming' {
        It 'assembles streamed calls, runs them, and streams the final answer''s text' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_s1'; name = 'Get-Square'; arguments = '{"Number": 11}' }
                    @{ id = 'call_s2'; name = 'Get-Room'; arguments = '{"Name": "hall \"east\"", "WithLights": true}' }
                ) }
            $output = @(Invoke-LaminiChat 'stream it' -Stream -PassThru -Tool (Get-Command Get-Square), (Get-Command Get-Room) -InvokeTool @conn)

            $runs | Should -Be @('Get-Square 11', 'Get-Room hall "east"')
            $reply = $output[-1]
            $pieces = @($output[0..($output.Count - 2)])
            $pieces.Count | Should -BeGreaterThan 3
            $pieces | ForEach-Object { $_ | Should -BeOfType [string] }
            -join $pieces | Should -BeExactly $reply.Content
            $reply.Content | Should -BeLike "Tool results: call_s1 => $(11 * 11) | call_s2 => *east*"
            $reply.Messages.Role | Should -Be @('user', 'assistant', 'tool', 'tool', 'assistant')
            $requests = Get-ChatRequest $server
            $requests.Count | Should -Be 2
            $requests | ForEach-Object { $_.Json.stream | Should -BeTrue }
        }

        It 'writes no reply object without -PassThru: only the text' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_n'; name = 'Get-Square'; arguments = @{ Number = 9 } }) }
            $output = @(Invoke-LaminiChat 'no passthru' -Stream -Tool (Get-Command Get-Square) -InvokeTool @conn -WarningVariable warnings)
            $warnings.Count | Should -Be 0
            -join $output | Should -BeExactly "Tool results: call_n => $(9 * 9)"
        }
    }

    Context 'a batch of prompts' {
        It 'completes every prompt''s own loop with -ThrottleLimit 4, in input order, running the commands on the pipeline thread' {
            $script:toolThreads = [System.Collections.Generic.List[string]]::new()
            function Get-Double {
                param([Parameter(Mandatory)] [int] $Number)
                $script:toolThreads.Add("$([System.Threading.Thread]::CurrentThread.ManagedThreadId)/$([runspace]::DefaultRunspace.Id)")
                $script:runs.Add("Get-Double $Number")
                2 * $Number
            }
            $prompts = 1..8 | ForEach-Object { "batch prompt $_" }
            foreach ($index in 1..8) {
                # Two rounds per prompt; later prompts answer sooner, so the loops finish out of order.
                $delay = (9 - $index) * 40
                Add-LaminiTestBehavior -Server $server -Behavior @{ match = "batch prompt $index"""; delayMs = $delay; toolCalls = @(@{ id = "call_$($index)_1"; name = 'Get-Double'; arguments = @{ Number = $index } }) }
                Add-LaminiTestBehavior -Server $server -Behavior @{ match = "batch prompt $index"""; delayMs = $delay; toolCalls = @(@{ id = "call_$($index)_2"; name = 'Get-Double'; arguments = @{ Number = 10 * $index } }) }
            }
            $caller = "$([System.Threading.Thread]::CurrentThread.ManagedThreadId)/$([runspace]::DefaultRunspace.Id)"

            $replies = @($prompts | Invoke-LaminiChat -Tool (Get-Command Get-Double) -InvokeTool -ThrottleLimit 4 @conn)

            $replies.Count | Should -Be 8
            $replies.Prompt | Should -Be $prompts
            foreach ($index in 1..8) {
                $reply = $replies[$index - 1]
                $reply.Content | Should -BeExactly "Tool results: call_$($index)_2 => $(2 * 10 * $index)"
                $reply.Messages.Role | Should -Be @('user', 'assistant', 'tool', 'assistant', 'tool', 'assistant')
                $reply.Messages[2].Content | Should -BeExactly "$(2 * $index)"
            }
            $runs.Count | Should -Be 16
            $toolThreads.Count | Should -Be 16
            @($toolThreads | Select-Object -Unique) | Should -Be @($caller)
            (Get-LaminiTestStats -Server $server).maxInFlight | Should -BeGreaterThan 1
            (Get-LaminiTestStats -Server $server).maxInFlight | Should -BeLessOrEqual 4
        }
    }

    Context '-WhatIf, -Confirm and $ConfirmPreference' {
        It '-WhatIf shows each call it would make, runs none, sends nothing more and returns the reply with the calls' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 4 } }, @{ name = 'Get-Square'; arguments = @{ Number = 5 } }) }
            $result = Invoke-WithHost { Invoke-LaminiChat 'what if' -Tool (Get-Command Get-Square) -InvokeTool -WhatIf @conn }

            $runs.Count | Should -Be 0
            (Get-ChatRequest $server).Count | Should -Be 1
            $result.Questions.Count | Should -Be 0
            $result.Lines | Should -Contain "What if: Running Get-Square -Number 4 for 'what if'."
            $result.Lines | Should -Contain "What if: Running Get-Square -Number 5 for 'what if'."
            $result.Output.Count | Should -Be 1
            $result.Output[0].ToolCalls.Count | Should -Be 2
            $result.Errors.Count | Should -Be 0
        }

        It '-Confirm asks before each call; a call the user declines is not run and the model is told so' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_yes'; name = 'Get-Square'; arguments = @{ Number = 4 } }
                    @{ id = 'call_no'; name = 'Get-Square'; arguments = @{ Number = 5 } }
                ) }
            $result = Invoke-WithHost { Invoke-LaminiChat 'confirm' -Tool (Get-Command Get-Square) -InvokeTool -Confirm @conn } -Answers 'Yes', 'No'

            $runs | Should -Be @('Get-Square 4')
            $result.Questions | Should -Be @(
                "The model asks to run Get-Square -Number 4 for 'confirm'. Run it?"
                "The model asks to run Get-Square -Number 5 for 'confirm'. Run it?")
            $result.Errors.Count | Should -Be 0
            $result.Output[0].Content | Should -BeExactly "Tool results: call_yes => $(4 * 4) | call_no => The user did not allow this call; it was not run."
        }

        It '-Confirm: Yes to All runs the rest without asking again' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 1 } }, @{ name = 'Get-Square'; arguments = @{ Number = 2 } }) }
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 3 } }) }
            $result = Invoke-WithHost { Invoke-LaminiChat 'all' -Tool (Get-Command Get-Square) -InvokeTool -Confirm @conn } -Answers 'Yes to All'
            $runs | Should -Be @('Get-Square 1', 'Get-Square 2', 'Get-Square 3')
            $result.Questions.Count | Should -Be 1
        }

        It 'asks nothing without tools, whatever $ConfirmPreference, -Confirm or -WhatIf say' {
            $result = Invoke-WithHost {
                $ConfirmPreference = 'Low'
                Invoke-LaminiChat 'low' @conn
                Invoke-LaminiChat 'confirm' -Confirm @conn
                Invoke-LaminiChat 'what if' -WhatIf @conn
                $WhatIfPreference = $true
                Invoke-LaminiChat 'preference' @conn
            }
            $result.Questions.Count | Should -Be 0
            $result.Lines | Where-Object { $_ -like 'What if*' } | Should -BeNullOrEmpty
            $result.Output.Content | Should -Be @('Echo: low', 'Echo: confirm', 'Echo: what if', 'Echo: preference')
            (Get-ChatRequest $server).Count | Should -Be 4
        }

        It 'asks nothing for tool calls under the default $ConfirmPreference (High), and asks under Medium' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'default'; toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 2 } }) }
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'medium'; toolCalls = @(@{ name = 'Get-Square'; arguments = @{ Number = 3 } }) }
            $result = Invoke-WithHost {
                $null = Invoke-LaminiChat 'default' -Tool (Get-Command Get-Square) -InvokeTool @conn
                $ConfirmPreference = 'Medium'
                $null = Invoke-LaminiChat 'medium' -Tool (Get-Command Get-Square) -InvokeTool @conn
            } -Answers 'Yes'
            $runs | Should -Be @('Get-Square 2', 'Get-Square 3')
            $result.Questions | Should -Be @("The model asks to run Get-Square -Number 3 for 'medium'. Run it?")
        }
    }
}
