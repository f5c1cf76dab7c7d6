#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Tool calling without -InvokeTool, against the local test server: the exact `tools` and
# `tool_choice` sent for commands (types, mandatory, ValidateSet, ValidateRange, switches, arrays,
# help, parameter sets) and for definitions in the OpenAI shape; replies that ask for calls, parsed
# into ToolCalls while nothing runs; the assistant and tool messages sent back exactly; tool-call
# deltas assembled from a stream; and servers that refuse tools (vLLM without
# --enable-auto-tool-choice).

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ MaximumRetryCount = 0 }

    # Every run of a tool command in this file is counted here: without -InvokeTool there must be none.
    $script:toolRuns = [System.Collections.Generic.List[string]]::new()

    function Get-Inventory {
        <#
        .SYNOPSIS
        Lists what a warehouse holds.
        .PARAMETER Warehouse
        The warehouse's code.
        .PARAMETER Category
        Which kind of goods.
        #>
        [CmdletBinding()]
        param(
            [Parameter(Mandatory)] [string] $Warehouse,
            [ValidateSet('tools', 'food', 'parts')] [string] $Category,
            [scriptblock] $Filter,
            [ValidateRange(1, 500)] [int] $Limit = 50,
            [double] $MinimumPrice,
            [datetime] $Since,
            [switch] $IncludeEmpty,
            [string[]] $Tags,
            [ValidateSet('red', 'green')] [string[]] $Colors,
            [Parameter(HelpMessage = 'Shelf numbers to look at.')] [ValidateCount(1, 3)] [int[]] $Shelves
        )
        $script:toolRuns.Add("Get-Inventory $Warehouse")
    }

    function Set-Light {
        [CmdletBinding(DefaultParameterSetName = 'ByRoom')]
        param(
            [Parameter(Mandatory, ParameterSetName = 'ByRoom')] [string] $Room,
            [Parameter(Mandatory, ParameterSetName = 'ById')] [int] $Id,
            [ValidateRange(0.0, 1.0)] [double] $Level
        )
        $script:toolRuns.Add('Set-Light')
    }

    function Invoke-Code {
        param([Parameter(Mandatory)] [scriptblock] $Code)
        $script:toolRuns.Add('Invoke-Code')
    }

    function Invoke-Either {
        param(
            [Parameter(ParameterSetName = 'A')] [string] $First,
            [Parameter(ParameterSetName = 'B')] [string] $Second
        )
        $script:toolRuns.Add('Invoke-Either')
    }

    # The tools array of the last chat request, as compact JSON (member order kept).
    function Get-SentTools {
        ConvertTo-CompactJson @((Get-ChatRequest $server)[-1].Json.tools)
    }

    # Runs Invoke-LaminiChat, which must fail while binding or before any request; returns its ErrorRecord.
    function Get-BindingFailure([hashtable] $Parameters) {
        Get-Failure { Invoke-LaminiChat 'hi' @conn @Parameters }
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Invoke-LaminiChat -Tool' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
        $script:toolRuns.Clear()
    }

    Context 'the tools sent for a command' {
        It 'describes a function: synopsis, types, mandatory, ValidateSet, ValidateRange, ValidateCount, switch, arrays and help; no common parameters, no script block' {
            $null = Invoke-LaminiChat 'stock?' -Tool (Get-Command Get-Inventory) @conn
            $expected = '[{"type":"function","function":{"name":"Get-Inventory","description":"Lists what a warehouse holds.","parameters":{"type":"object","properties":{' +
            '"Warehouse":{"type":"string","description":"The warehouse''s code."},' +
            '"Category":{"type":"string","enum":["tools","food","parts"],"description":"Which kind of goods."},' +
            '"Limit":{"type":"integer","minimum":1,"maximum":500},' +
            '"MinimumPrice":{"type":"number"},' +
            '"Since":{"type":"string","format":"date-time"},' +
            '"IncludeEmpty":{"type":"boolean"},' +
            '"Tags":{"type":"array","items":{"type":"string"}},' +
            '"Colors":{"type":"array","items":{"type":"string","enum":["red","green"]}},' +
            '"Shelves":{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3,"description":"Shelf numbers to look at."}' +
            '},"required":["Warehouse"],"additionalProperties":false}}}]'
            Get-SentTools | Should -BeExactly (Format-Json $expected)
            $toolRuns.Count | Should -Be 0
        }

        It 'resolves an alias to the command it stands for' {
            Set-Alias -Name inv -Value Get-Inventory -Scope Script
            $null = Invoke-LaminiChat 'stock?' -Tool (Get-Command inv) @conn
            $tools = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json.tools
            $tools.Count | Should -Be 1
            $tools[0].function.name | Should -BeExactly 'Get-Inventory'
        }

        It 'takes a command by its name' {
            $null = Invoke-LaminiChat 'stock?' -Tool 'Set-Light' @conn
            $tools = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json.tools
            $tools[0].function.name | Should -BeExactly 'Set-Light'
        }

        It 'describes the default parameter set, or the one named with @{ Command; ParameterSet }' {
            $null = Invoke-LaminiChat 'light' -Tool (Get-Command Set-Light) @conn
            Get-SentTools | Should -BeExactly (Format-Json '[{"type":"function","function":{"name":"Set-Light","parameters":{"type":"object","properties":{"Room":{"type":"string"},"Level":{"type":"number","minimum":0,"maximum":1}},"required":["Room"],"additionalProperties":false}}}]')

            $null = Invoke-LaminiChat 'light' -Tool @{ Command = (Get-Command Set-Light); ParameterSet = 'ById'; Name = 'light_by_id'; Description = 'Dims a light by its id.' } @conn
            Get-SentTools | Should -BeExactly (Format-Json '[{"type":"function","function":{"name":"light_by_id","description":"Dims a light by its id.","parameters":{"type":"object","properties":{"Id":{"type":"integer"},"Level":{"type":"number","minimum":0,"maximum":1}},"required":["Id"],"additionalProperties":false}}}]')
        }

        It 'describes [ValidateRange(''Positive'')] as exclusiveMinimum 0 (PowerShell 7; 5.1 has no range kinds)' -Skip:($PSVersionTable.PSVersion.Major -lt 6) {
            $function = [scriptblock]::Create('param([ValidateRange(''Positive'')] [int] $Count, [ValidateRange(''NonNegative'')] [int] $Offset)')
            Set-Item -Path Function:script:Get-Page -Value $function
            $null = Invoke-LaminiChat 'page' -Tool (Get-Command Get-Page) @conn
            Get-SentTools | Should -BeExactly (Format-Json '[{"type":"function","function":{"name":"Get-Page","parameters":{"type":"object","properties":{"Count":{"type":"integer","exclusiveMinimum":0},"Offset":{"type":"integer","minimum":0}},"additionalProperties":false}}}]')
        }

        It 'makes a command name the API would refuse wire-safe, and keeps the command''s own name' {
            Set-Item -Path 'Function:script:Get-Stock.Level' -Value { param([string] $Item) $script:toolRuns.Add('Get-Stock.Level') }
            $null = Invoke-LaminiChat 'stock?' -Tool (Get-Command 'Get-Stock.Level') @conn
            $tools = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json.tools
            $tools[0].function.name | Should -BeExactly 'Get-Stock_Level'
        }

        It 'describes a cmdlet (Get-ChildItem) with its own parameter types' {
            $null = Invoke-LaminiChat 'files?' -Tool (Get-Command Get-ChildItem) @conn
            $tool = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json.tools[0].function
            $tool.name | Should -BeExactly 'Get-ChildItem'
            $tool.parameters.properties.Path.type | Should -BeExactly 'array'
            $tool.parameters.properties.Recurse.type | Should -BeExactly 'boolean'
            $tool.parameters.properties.PSObject.Properties.Name | Should -Not -Contain 'Verbose'
            $tool.parameters.properties.PSObject.Properties.Name | Should -Not -Contain 'ErrorAction'
            $tool.parameters.properties.PSObject.Properties.Name | Should -Not -Contain 'LiteralPath'
        }

        It 'describes a function redefined with other help by its new help, also after calls that read the old' {
            Set-Item -Path Function:script:Get-Forecast -Value { <#
                .SYNOPSIS
                Tomorrow's weather.
                #>
                param([string] $City) }
            $null = Invoke-LaminiChat 'weather?' -Tool (Get-Command Get-Forecast) @conn
            $null = Invoke-LaminiChat 'weather?' -Tool (Get-Command Get-Forecast) @conn
            Set-Item -Path Function:script:Get-Forecast -Value { <#
                .SYNOPSIS
                The week's weather.
                .PARAMETER Days
                How many days ahead.
                #>
                param([int] $Days) }
            $null = Invoke-LaminiChat 'weather?' -Tool (Get-Command Get-Forecast) @conn
            $sent = @(Get-ChatRequest $server | ForEach-Object { $_.Json.tools[0].function })
            $sent.description | Should -Be @("Tomorrow's weather.", "Tomorrow's weather.", "The week's weather.")
            $sent[2].parameters.properties.Days.description | Should -BeExactly 'How many days ahead.'
        }

        It 'describes a command of a module re-imported with other help by its new help' {
            $folder = New-TestDirectory -Name 'tool-help'
            try {
                $path = Join-Path $folder 'Forecast.psm1'
                Set-Content -LiteralPath $path -Value "function Get-Tide {`n<#`n.SYNOPSIS`nTides, version one.`n#>`nparam([string] `$Port)`n}"
                Import-Module $path -Force
                $null = Invoke-LaminiChat 'tide?' -Tool (Get-Command Get-Tide) @conn
                Set-Content -LiteralPath $path -Value "function Get-Tide {`n<#`n.SYNOPSIS`nTides, version two.`n#>`nparam([string] `$Port)`n}"
                Import-Module $path -Force
                $null = Invoke-LaminiChat 'tide?' -Tool (Get-Command Get-Tide) @conn
                @(Get-ChatRequest $server | ForEach-Object { $_.Json.tools[0].function.description }) | Should -Be @('Tides, version one.', 'Tides, version two.')
            } finally {
                Remove-Module Forecast -ErrorAction Ignore
                Remove-TestDirectory $folder
            }
        }

        It 'refuses <Name> with InvalidTool before any request' -ForEach @(
            @{ Name = 'a command with several parameter sets and no default'; Tool = { Get-Command Invoke-Either }; Message = "*parameter sets 'A', 'B' and no default*ParameterSet*" }
            @{ Name = 'a parameter set the command lacks'; Tool = { @{ Command = 'Set-Light'; ParameterSet = 'ByColour' } }; Message = "*no parameter set 'ByColour'*'ByRoom'*'ById'*" }
            @{ Name = 'a command that does not exist'; Tool = { 'Get-NoSuchThing' }; Message = "*No command 'Get-NoSuchThing'*" }
            @{ Name = 'a mandatory script block parameter'; Tool = { Get-Command Invoke-Code }; Message = "*-Code*can't write as JSON*" }
            @{ Name = 'a name the API refuses'; Tool = { @{ name = 'get weather' } }; Message = "*'get weather' can't be used: it contains a space. A name is 1 to 64*" }
            @{ Name = 'two tools with one name'; Tool = { (Get-Command Set-Light), @{ name = 'set-light' } }; Message = "*Two tools are named*" }
            @{ Name = 'an unknown key'; Tool = { @{ name = 'x'; parameter = @{ a = 'string' } } }; Message = "*unknown key 'parameter'*" }
            @{ Name = 'a definition without a name'; Tool = { @{ description = 'nameless' } }; Message = '*has no name*' }
            @{ Name = 'a type other than function'; Tool = { @{ type = 'retrieval'; function = @{ name = 'x' } } }; Message = "*type is 'retrieval'*" }
            @{ Name = 'invalid JSON text'; Tool = { '{"name": "x",' }; Message = '*not valid JSON*' }
            @{ Name = 'parameters that are not a schema'; Tool = { @{ name = 'x'; parameters = @{ a = 'strin' } } }; Message = "*parameters of tool 'x'*unknown type 'strin'*" }
            @{ Name = 'strict JSON parameters that break the strict-mode rules'; Tool = { '{"name": "x", "strict": true, "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}' }; Message = "*parameters of tool 'x'*strict-mode rules*" }
            @{ Name = 'a number'; Tool = { 42 }; Message = "*can't be a tool*" }
            @{ Name = 'a name that is not text'; Tool = { @{ name = @{ first = 'x' } } }; Message = "*'name' must be text, not ``[Hashtable``]*" }
            @{ Name = 'a command given as a number'; Tool = { @{ Command = 42 } }; Message = "*Command = ``[Int32``] is not a command*" }
            @{ Name = 'a function given as text'; Tool = { @{ type = 'function'; function = 'get_weather' } }; Message = "*function = ``[String``] is not a definition*" }
            @{ Name = 'a JSON array holding text'; Tool = { '["get_weather"]' }; Message = "*The JSON tool definition holds ``[String``], not an object*" }
            @{ Name = 'a command given as an object'; Tool = { @{ Command = [pscustomobject]@{ Name = 'Get-Date' } } }; Message = "*Command = ``[pscustomobject``] is not a command*" }
            @{ Name = 'a null in a list'; Tool = { , @($null) }; Message = "*`$null can't be a tool*" }
        ) {
            $failure = Get-BindingFailure @{ Tool = (& $Tool) }
            $failure.Exception.Message | Should -BeLike $Message
            $failure.Exception.Message | Should -BeLike '*(error id InvalidTool)*'
            $failure.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
            @(Get-LaminiTestRequest -Server $server).Count | Should -Be 0
        }
    }

    Context 'the tools sent for definitions in the OpenAI shape' {
        It 'sends <Name> as written' -ForEach @(
            @{ Name = 'a hashtable with type and function'; Tool = { @{ type = 'function'; function = [ordered]@{ name = 'get_weather'; description = 'Weather now.'; parameters = '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}' } } }
                Expected = '[{"type":"function","function":{"name":"get_weather","description":"Weather now.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]' }
            @{ Name = 'the inner part alone, parameters in the -JsonSchema shorthand'; Tool = { [ordered]@{ name = 'get_weather'; parameters = [ordered]@{ city = 'string'; days = 'int' } } }
                Expected = '[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}}}]' }
            @{ Name = 'JSON text, strict'; Tool = { '{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string", "description": "What to find."}}, "required": ["q"], "additionalProperties": false}, "strict": true}}' }
                Expected = '[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string","description":"What to find."}},"required":["q"],"additionalProperties":false},"strict":true}}]' }
            @{ Name = 'a strict hashtable (what strict mode needs filled in)'; Tool = { @{ name = 'lookup'; strict = $true; parameters = @{ type = 'object'; properties = @{ q = 'string' } } } }
                Expected = '[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false},"strict":true}}]' }
            @{ Name = 'a JSON array of two'; Tool = { '[{"name": "a"}, {"name": "b", "description": "Second."}]' }
                Expected = '[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b","description":"Second."}}]' }
            @{ Name = 'ConvertFrom-Json output'; Tool = { '{"name": "find", "parameters": {"type": "object", "properties": {"z": {"type": "integer"}, "a": {"type": "string"}}}}' | ConvertFrom-Json }
                Expected = '[{"type":"function","function":{"name":"find","parameters":{"type":"object","properties":{"z":{"type":"integer"},"a":{"type":"string"}}}}}]' }
        ) {
            $null = Invoke-LaminiChat 'hi' -Tool (& $Tool) @conn
            Get-SentTools | Should -BeExactly (Format-Json $Expected)
        }

        It 'sends commands and definitions together, in the order given' {
            $null = Invoke-LaminiChat 'hi' -Tool (Get-Command Set-Light), @{ name = 'b' }, '{"name": "c"}' @conn
            $names = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json.tools.function.name
            $names | Should -Be @('Set-Light', 'b', 'c')
        }
    }

    Context '-ToolChoice' {
        It 'sends -ToolChoice <Choice> as <Expected>' -ForEach @(
            @{ Choice = 'auto'; Expected = '"auto"' }
            @{ Choice = 'NONE'; Expected = '"none"' }
            @{ Choice = 'required'; Expected = '"required"' }
            @{ Choice = 'lookup'; Expected = '{"type":"function","function":{"name":"lookup"}}' }
            @{ Choice = 'Get-Stock.Level'; Expected = '{"type":"function","function":{"name":"Get-Stock_Level"}}' }
        ) {
            Set-Item -Path 'Function:script:Get-Stock.Level' -Value { param([string] $Item) }
            $null = Invoke-LaminiChat 'hi' -Tool @{ name = 'lookup' }, (Get-Command 'Get-Stock.Level') -ToolChoice $Choice @conn
            $body = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json
            ConvertTo-Json -InputObject $body.tool_choice -Depth 5 -Compress | Should -BeExactly $Expected
        }

        It 'sends neither tools nor tool_choice without -Tool' {
            $null = Invoke-LaminiChat 'hi' @conn
            $body = (Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Body
            $body | Should -Not -Match 'tool'
        }

        It 'refuses <Name> with InvalidToolChoice before any request' -ForEach @(
            @{ Name = 'a tool that was not given'; Parameters = @{ Tool = @{ name = 'lookup' }; ToolChoice = 'other' }; Message = "*'other' is not auto, none, required or the name of a tool*lookup*" }
            @{ Name = '-ToolChoice without -Tool'; Parameters = @{ ToolChoice = 'auto' }; Message = '*no -Tool was given*' }
        ) {
            $failure = Get-BindingFailure $Parameters
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidToolChoice*'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike $Message
            @(Get-LaminiTestRequest -Server $server).Count | Should -Be 0
        }
    }

    Context 'replies that ask for calls (no -InvokeTool: nothing runs)' {
        It 'carries the call in ToolCalls, arguments parsed and raw, and runs nothing' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_1'; name = 'Get-Inventory'; arguments = '{"Warehouse": "B7",  "Limit": 5, "IncludeEmpty": true, "Tags": ["a", "b"], "Since": "2025-01-02"}' }) }
            $reply = Invoke-LaminiChat 'stock?' -Tool (Get-Command Get-Inventory) @conn
            $toolRuns.Count | Should -Be 0
            $reply.FinishReason | Should -BeExactly 'tool_calls'
            $reply.Content | Should -BeNullOrEmpty
            $reply.ToolCalls.Count | Should -Be 1
            $call = $reply.ToolCalls[0]
            $call.Id | Should -BeExactly 'call_1'
            $call.Name | Should -BeExactly 'Get-Inventory'
            $call.ArgumentsJson | Should -BeExactly '{"Warehouse": "B7",  "Limit": 5, "IncludeEmpty": true, "Tags": ["a", "b"], "Since": "2025-01-02"}'
            $call.ArgumentsError | Should -BeNullOrEmpty
            @($call.Arguments.Keys) | Should -Be @('Warehouse', 'Limit', 'IncludeEmpty', 'Tags', 'Since')
            $call.Arguments.Warehouse | Should -BeExactly 'B7'
            $call.Arguments['warehouse'] | Should -BeExactly 'B7'
            $call.Arguments.Limit | Should -Be 5
            $call.Arguments.IncludeEmpty | Should -BeTrue
            $call.Arguments.Tags | Should -Be @('a', 'b')
            $reply.Messages[-1].ToolCalls[0].Id | Should -BeExactly 'call_1'
        }

        It 'gives Arguments that a script can splat into the command it decides to run' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Inventory'; arguments = @{ Warehouse = 'C3'; IncludeEmpty = $true; Shelves = @(1, 2) } }) }
            $reply = Invoke-LaminiChat 'stock?' -Tool (Get-Command Get-Inventory) @conn
            $toolRuns.Count | Should -Be 0
            $arguments = $reply.ToolCalls[0].Arguments
            Get-Inventory @arguments
            $toolRuns | Should -Be @('Get-Inventory C3')
        }

        It 'carries several calls of one reply in order, each with its own id' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ name = 'Set-Light'; arguments = @{ Room = 'hall' } }
                    @{ name = 'Set-Light'; arguments = @{ Room = 'kitchen'; Level = 0.5 } }
                    @{ name = 'Get-Inventory'; arguments = @{ Warehouse = 'A1' } }
                ) }
            $reply = Invoke-LaminiChat 'do it all' -Tool (Get-Command Set-Light), (Get-Command Get-Inventory) @conn
            $toolRuns.Count | Should -Be 0
            $reply.ToolCalls.Name | Should -Be @('Set-Light', 'Set-Light', 'Get-Inventory')
            $reply.ToolCalls.Arguments.Room | Should -Be @('hall', 'kitchen')
            $reply.ToolCalls[1].Arguments.Level | Should -Be 0.5
            @($reply.ToolCalls.Id | Select-Object -Unique).Count | Should -Be 3
            $reply.ToolCalls | ForEach-Object { $_.Id | Should -Match '^chatcmpl-tool-[0-9a-f]{32}$' }
        }

        It 'keeps <Name> as sent, with Arguments null and ArgumentsError saying why' -ForEach @(
            @{ Name = 'invalid JSON arguments'; Arguments = '{"Warehouse": "B7'; Error = 'The arguments are not valid JSON (line 1, position *' }
            @{ Name = 'arguments that are an array'; Arguments = '["B7"]'; Error = 'The arguments are an array, not a JSON object*' }
            @{ Name = 'arguments naming a parameter twice'; Arguments = '{"Warehouse": "B7", "warehouse": "C3"}'; Error = "The arguments name 'warehouse' more than once." }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Inventory'; arguments = $Arguments }) }
            $reply = Invoke-LaminiChat 'stock?' -Tool (Get-Command Get-Inventory) @conn
            $call = $reply.ToolCalls[0]
            $call.ArgumentsJson | Should -BeExactly $Arguments
            $call.Arguments | Should -BeNullOrEmpty
            $call.ArgumentsError | Should -BeLike $Error
        }

        It 'reads empty arguments as no arguments' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Get-Date'; arguments = '' }) }
            $reply = Invoke-LaminiChat 'time?' -Tool @{ name = 'Get-Date' } @conn
            $reply.ToolCalls[0].Arguments.Count | Should -Be 0
            $reply.ToolCalls[0].ArgumentsError | Should -BeNullOrEmpty
        }

        It 'carries a call to a tool that was never given, and runs nothing' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Remove-Item'; arguments = @{ Path = '/' } }) }
            $reply = Invoke-LaminiChat 'clean up' -Tool (Get-Command Get-Inventory) @conn
            $reply.ToolCalls[0].Name | Should -BeExactly 'Remove-Item'
            $reply.ToolCalls[0].Arguments.Path | Should -BeExactly '/'
            $toolRuns.Count | Should -Be 0
        }

        It 'has an empty ToolCalls when the model answers in text' {
            $reply = Invoke-LaminiChat 'hi' -Tool (Get-Command Get-Inventory) @conn
            $reply.ToolCalls.Count | Should -Be 0
            $reply.Content | Should -BeExactly 'Echo: hi'
        }

        It 'sends the assistant message back exactly as received, then one tool message per call, and reads the answer' {
            $arguments1 = '{"Room":  "hall" }'
            $arguments2 = '{"Warehouse":"A1","Tags":["x \"quoted\"","ü"]}'
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_a'; name = 'Set-Light'; arguments = $arguments1 }
                    @{ id = 'call_b'; name = 'Get-Inventory'; arguments = $arguments2 }
                ) }
            $first = Invoke-LaminiChat 'do both' -Tool (Get-Command Set-Light), (Get-Command Get-Inventory) @conn
            $messages = @($first.Messages) + @(
                @{ role = 'tool'; tool_call_id = 'call_a'; content = 'hall light on' }
                @{ role = 'tool'; tool_call_id = 'call_b'; content = '12 boxes' }
            )
            $second = Invoke-LaminiChat -Messages $messages -Tool (Get-Command Set-Light), (Get-Command Get-Inventory) @conn

            $sent = (Get-ChatRequest $server)[-1]
            $expected = '[{"role":"user","content":"do both"},' +
            '{"role":"assistant","content":null,"tool_calls":[' +
            '{"id":"call_a","type":"function","function":{"name":"Set-Light","arguments":' + (ConvertTo-Json $arguments1 -Compress) + '}},' +
            '{"id":"call_b","type":"function","function":{"name":"Get-Inventory","arguments":' + (ConvertTo-Json $arguments2 -Compress) + '}}]},' +
            '{"role":"tool","content":"hall light on","tool_call_id":"call_a"},' +
            '{"role":"tool","content":"12 boxes","tool_call_id":"call_b"}]'
            ConvertTo-CompactJson @($sent.Json.messages) | Should -BeExactly (Format-Json $expected)
            $sent.Json.messages[1].tool_calls[1].function.arguments | Should -BeExactly $arguments2
            $second.Content | Should -BeExactly 'Tool results: call_a => hall light on | call_b => 12 boxes'
            $toolRuns.Count | Should -Be 0
        }
    }

    Context 'streamed tool calls' {
        It 'assembles the calls from vLLM-shaped deltas: ids, names and arguments pieced together' {
            $arguments = @('{"Room": "hall \"east\"", "Level": 0.25}', '{"Warehouse": "B7", "Tags": ["ä", "b"]}')
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(
                    @{ id = 'call_s1'; name = 'Set-Light'; arguments = $arguments[0] }
                    @{ name = 'Get-Inventory'; arguments = $arguments[1] }
                ) }
            $output = @(Invoke-LaminiChat 'both' -Stream -PassThru -Tool (Get-Command Set-Light), (Get-Command Get-Inventory) @conn)
            $output.Count | Should -Be 1
            $reply = $output[0]
            $reply.FinishReason | Should -BeExactly 'tool_calls'
            $reply.Content | Should -BeNullOrEmpty
            $reply.ToolCalls.Name | Should -Be @('Set-Light', 'Get-Inventory')
            $reply.ToolCalls[0].Id | Should -BeExactly 'call_s1'
            $reply.ToolCalls[1].Id | Should -Match '^chatcmpl-tool-[0-9a-f]{32}$'
            $reply.ToolCalls.ArgumentsJson | Should -Be $arguments
            $reply.ToolCalls[0].Arguments.Room | Should -BeExactly 'hall "east"'
            $reply.ToolCalls[1].Arguments.Tags | Should -Be @('ä', 'b')
            $toolRuns.Count | Should -Be 0

            # The server really sent the arguments in pieces, after a first delta carrying id and name.
            $request = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1]
            $request.eventTimes.Count | Should -BeGreaterThan 10
        }

        It 'assembles calls whose pieces interleave, and a piece without an index as part of the latest call' {
            function New-ToolChunk([object[]] $Calls, [string] $FinishReason) {
                $delta = if ($Calls) { @{ tool_calls = $Calls } } else { @{} }
                ConvertTo-Json -Compress -Depth 10 -InputObject ([ordered]@{
                        id = 'c'; object = 'chat.completion.chunk'; created = 1741379785; model = 'm'
                        choices = @([ordered]@{ index = 0; delta = $delta; finish_reason = $FinishReason })
                    })
            }
            $events = @(
                New-ToolChunk @(@{ index = 0; id = 'call_x'; type = 'function'; function = @{ name = 'first'; arguments = '' } })
                New-ToolChunk @(@{ index = 1; id = 'call_y'; type = 'function'; function = @{ name = 'second'; arguments = '{"b"' } })
                New-ToolChunk @(@{ index = 0; function = @{ arguments = '{"a": ' } })
                New-ToolChunk @(@{ index = 1; function = @{ arguments = ': 2' } })
                New-ToolChunk @(@{ index = 0; function = @{ arguments = '1}' } })
                New-ToolChunk @(@{ function = @{ arguments = '}' } })
                New-ToolChunk $null 'tool_calls'
                '[DONE]'
            ) | ForEach-Object { @{ data = $_ } }
            Add-LaminiTestBehavior -Server $server -Behavior @{ sse = $events }
            $reply = @(Invoke-LaminiChat 'x' -Stream -PassThru -Tool @{ name = 'first' }, @{ name = 'second' } @conn)[-1]
            $reply.ToolCalls.Id | Should -Be @('call_x', 'call_y')
            $reply.ToolCalls.Name | Should -Be @('first', 'second')
            $reply.ToolCalls.ArgumentsJson | Should -Be @('{"a": 1}', '{"b": 2}')
        }

        It 'warns when a streamed reply asks for calls and -PassThru is not there to carry them' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ name = 'Set-Light'; arguments = @{ Room = 'hall' } }, @{ name = 'Get-Inventory'; arguments = @{ Warehouse = 'A1' } }) }
            $output = @(Invoke-LaminiChat 'lights' -Stream -Tool (Get-Command Set-Light), (Get-Command Get-Inventory) @conn -WarningVariable warnings -WarningAction SilentlyContinue)
            $output.Count | Should -Be 0
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -BeExactly "The reply to 'lights' asks to call Set-Light, Get-Inventory; add -PassThru to get the calls in the reply's ToolCalls."
            $toolRuns.Count | Should -Be 0
        }

        It 'streams the text of a reply that also calls a tool, and assembles the call' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ content = 'Let me check.'; toolCalls = @(@{ id = 'call_t'; name = 'Set-Light'; arguments = @{ Room = 'attic' } }) }
            $output = @(Invoke-LaminiChat 'attic' -Stream -PassThru -Tool (Get-Command Set-Light) @conn)
            $reply = $output[-1]
            -join $output[0..($output.Count - 2)] | Should -BeExactly 'Let me check.'
            $reply.Content | Should -BeExactly 'Let me check.'
            $reply.ToolCalls[0].Arguments.Room | Should -BeExactly 'attic'
        }

        It 'sends an assembled streamed call back exactly as it arrived' {
            $arguments = '{"Room": "cellar", "Level": 1}'
            Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ id = 'call_r'; name = 'Set-Light'; arguments = $arguments }) }
            $reply = @(Invoke-LaminiChat 'cellar' -Stream -PassThru -Tool (Get-Command Set-Light) @conn)[-1]
            $null = Invoke-LaminiChat -Messages (@($reply.Messages) + @{ role = 'tool'; tool_call_id = 'call_r'; content = 'done' }) @conn
            $sent = (Get-ChatRequest $server)[-1].Json.messages
            $sent[1].content | Should -BeNullOrEmpty
            $sent[1].tool_calls[0].id | Should -BeExactly 'call_r'
            $sent[1].tool_calls[0].function.arguments | Should -BeExactly $arguments
            $sent[2].tool_call_id | Should -BeExactly 'call_r'
        }
    }

    Context 'servers that do not offer tools' {
        It 'reports <Name> as ToolChoiceUnsupported, suggesting -ToolChoice, and goes on with the batch' -ForEach @(
            @{ Name = 'vLLM without --enable-auto-tool-choice'; Body = @{ object = 'error'; message = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'; type = 'BadRequestError'; param = $null; code = 400 } }
            @{ Name = 'a model that does not support tools'; Body = @{ error = @{ message = 'registry.ollama.ai/library/gemma:2b does not support tools'; type = 'api_error'; param = $null; code = $null } } }
            @{ Name = 'tools not supported'; Body = @{ error = @{ message = 'tools is not supported in this model.'; type = 'invalid_request_error'; param = 'tools'; code = $null } } }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ match = 'first'; status = 400; body = $Body }
            $replies = @('first', 'second' | Invoke-LaminiChat -Tool (Get-Command Set-Light) -ToolChoice auto @conn -ErrorVariable errs -ErrorAction SilentlyContinue)
            $replies.Count | Should -Be 1
            $replies[0].Content | Should -BeExactly 'Echo: second'
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ToolChoiceUnsupported,LaminiPS.Commands.InvokeLaminiChatCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'NotImplemented'
            $errs[0].TargetObject | Should -BeExactly 'first'
            $errs[0].Exception.Message | Should -BeLike "The model or server at $($server.BaseUri.Authority) does not offer automatic tool choice (HTTP 400*"
            $errs[0].Exception.Message | Should -BeLike "*$($Body.message)$($Body.error.message)*"
            "$($errs[0])" | Should -BeLike '*-ToolChoice <name>*another model*'
            $errs[0].ErrorDetails.RecommendedAction | Should -BeLike '*-ToolChoice <name>*'
        }

        It 'reports the refusal of a streamed request the same way' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; body = @{ object = 'error'; message = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'; type = 'BadRequestError'; param = $null; code = 400 } }
            $null = Invoke-LaminiChat 'x' -Stream -Tool (Get-Command Set-Light) @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ToolChoiceUnsupported,*'
        }

        It 'keeps BadRequest for a 400 that is not about tools' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 400; errorFixture = 'vllm_flat_400' }
            $null = Invoke-LaminiChat 'x' -Tool (Get-Command Set-Light) @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'BadRequest,*'
        }
    }

    Context 'test server tool scripts' {
        It 'asks for calls again and again with fresh ids (a never-ending series), and echoes every tool result it gets' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ times = -1; match = '"round"'; toolCalls = @(@{ name = 'Set-Light'; arguments = @{ Room = 'hall' } }) }
            $messages = @(@{ role = 'user'; content = 'round' })
            $ids = foreach ($round in 1..3) {
                $reply = Invoke-LaminiChat -Messages $messages @conn
                $reply.FinishReason | Should -BeExactly 'tool_calls'
                $messages = @($reply.Messages) + @{ role = 'tool'; tool_call_id = $reply.ToolCalls[0].Id; content = "ok $round" }
                $reply.ToolCalls[0].Id
            }
            @($ids | Select-Object -Unique).Count | Should -Be 3
        }

        It 'refuses a scripted call without a name, or with a body of its own' {
            { Add-LaminiTestBehavior -Server $server -Behavior @{ toolCalls = @(@{ arguments = '{}' }) } } | Should -Throw '*each tool call needs a name*'
            { Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = '{}'; toolCalls = @(@{ name = 'x' }) } } | Should -Throw '*toolCalls adjust the default reply*'
        }
    }
}
