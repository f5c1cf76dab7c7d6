# Help: the built module ships MAML and about_LaminiPS made from the markdown pages in docs/en-US,
# every cmdlet and parameter has real help, and the manifest is clean and imports without warnings.

BeforeDiscovery {
    # Discovery needs the names; a fresh runspace keeps the binary module out of Pester's session.
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript({
                param($Path)
                Import-Module $Path
                $common = [System.Management.Automation.PSCmdlet]::CommonParameters +
                [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
                foreach ($command in Get-Command -Module LaminiPS -CommandType Cmdlet) {
                    @{
                        Name       = $command.Name
                        Parameters = @($command.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
                    }
                }
            }).AddArgument("$PSScriptRoot/../out/LaminiPS/LaminiPS.psd1")
        $script:commands = @($ps.Invoke())
    } finally {
        $ps.Dispose()
    }
    $script:parameterCases = foreach ($command in $commands) {
        foreach ($parameter in $command.Parameters) { @{ Command = $command.Name; Parameter = $parameter } }
    }
}

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    $script:manifest = Get-LaminiManifestPath
    $script:helpSource = "$PSScriptRoot/../docs/en-US"
    Import-Module "$PSScriptRoot/../build/MarkdownHelp.psm1" -Force
    $script:importWarnings = $null
    Import-Module $manifest -Force -WarningVariable script:importWarnings
}

Describe 'Module manifest' {
    It 'passes Test-ModuleManifest without errors or warnings' {
        $info = Test-ModuleManifest -Path $manifest -ErrorVariable problems -WarningVariable warnings
        $problems | Should -BeNullOrEmpty
        $warnings | Should -BeNullOrEmpty
        $info.Name | Should -Be 'LaminiPS'
    }

    It 'imports with no warnings (approved verbs only)' {
        $importWarnings | Should -BeNullOrEmpty
        $verbs = (Get-Verb).Verb
        foreach ($command in Get-Command -Module LaminiPS) { $verbs | Should -Contain $command.Verb }
    }

    It 'takes its version from the manifest, and the DLL carries the same one' {
        $version = (Import-PowerShellDataFile -LiteralPath "$PSScriptRoot/../LaminiPS.psd1").ModuleVersion
        (Get-Module LaminiPS).Version | Should -Be ([version]$version)
        $dll = [System.Diagnostics.FileVersionInfo]::GetVersionInfo((Join-Path (Get-Module LaminiPS).ModuleBase 'LaminiPS.dll'))
        $dll.ProductVersion | Should -BeLike "$version*"
        ([version]$dll.FileVersion).ToString(3) | Should -Be ([version]$version).ToString(3)
    }

    It 'has release notes, and a HelpInfoURI whose HelpInfo.xml the repository holds' {
        $data = Import-PowerShellDataFile -LiteralPath $manifest
        $data.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
        # Issue 14: Update-Help needs a HelpInfoURI; it serves docs/ of the repository.
        $data.HelpInfoURI | Should -BeLike 'https://*/laminips/LaminiPS/main/docs/'
        $helpInfo = [xml](Get-Content -Raw -LiteralPath "$PSScriptRoot/../docs/LaminiPS_$($data.GUID)_HelpInfo.xml")
        $helpInfo.HelpInfo.HelpContentURI | Should -BeExactly $data.HelpInfoURI
        $helpInfo.HelpInfo.SupportedUICultures.UICulture.UICultureName | Should -Be 'en-US'
        [version]$helpInfo.HelpInfo.SupportedUICultures.UICulture.UICultureVersion | Should -BeGreaterOrEqual ([version]$data.ModuleVersion)
        (Get-Module LaminiPS).HelpInfoUri | Should -BeExactly $data.HelpInfoURI
    }

    It 'ships the help in the module folder' {
        $base = (Get-Module LaminiPS).ModuleBase
        Join-Path $base 'en-US/LaminiPS.dll-Help.xml' | Should -Exist
        Join-Path $base 'en-US/about_LaminiPS.help.txt' | Should -Exist
    }

    It 'keeps only markdown in docs/en-US: the MAML and about text are made by the build' {
        @(Get-ChildItem -LiteralPath $helpSource -File | Where-Object Extension -NE '.md' | ForEach-Object Name) | Should -BeNullOrEmpty
    }
}

Describe 'Cmdlet help' {
    It '<Name> has a synopsis and a description' -ForEach $commands {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[[]*"   # the auto-generated synopsis is the syntax
        ($help.Description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It '<Name> has a HelpUri for Get-Help -Online: its page in docs/en-US' -ForEach $commands {
        $uri = [uri](Get-Command $Name).HelpUri
        $uri.AbsoluteUri | Should -BeExactly "https://github.com/laminips/LaminiPS/blob/main/docs/en-US/$Name.md"
        $page = "$PSScriptRoot/../docs/en-US/$Name.md"
        $page | Should -Exist
        (Get-Content -LiteralPath $page) | Should -Contain "# $Name"
        (Get-Content -LiteralPath $page) | Should -Contain "online version: $($uri.AbsoluteUri)"
    }

    It '<Name> has at least three examples, inputs, outputs and notes' -ForEach $commands {
        $help = Get-Help $Name -Full
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 3
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Not -BeNullOrEmpty
            ($example.Remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
        $help.InputTypes | Should -Not -BeNullOrEmpty
        $help.ReturnValues | Should -Not -BeNullOrEmpty
        ($help.AlertSet.Alert.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It '<Command> -<Parameter> has a description, a type and a default' -ForEach $parameterCases {
        $help = Get-Help $Command -Parameter $Parameter
        $help.Name | Should -BeExactly $Parameter
        ($help.Description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
        $help.Type.Name | Should -Not -BeNullOrEmpty
        $help.DefaultValue | Should -Not -BeNullOrEmpty
    }

    It 'docs/en-US/<Name>.md has a section for every parameter of <Name>, and for no other' -ForEach $commands {
        Compare-MarkdownHelp -Path $helpSource -Command (Get-Command $Name) | Should -BeNullOrEmpty
    }

    It 'documents no parameter that <Name> does not have' -ForEach $commands {
        $documented = @((Get-Help $Name -Full).Parameters.Parameter.Name | Sort-Object)
        $documented | Should -Be $Parameters
    }

    It "help's pipeline input and position agree with the code for <Command> -<Parameter>" -ForEach $parameterCases {
        $metadata = (Get-Command $Command).Parameters[$Parameter]
        $help = Get-Help $Command -Parameter $Parameter
        $byValue = @($metadata.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0
        ($help.PipelineInput -like 'True*') | Should -Be $byValue
        $positions = @($metadata.ParameterSets.Values | Where-Object { $_.Position -ge 0 } | ForEach-Object Position)
        if ($positions.Count -gt 0) { $help.Position | Should -Be ([string]$positions[0]) } else { $help.Position | Should -Be 'named' }
        $mandatoryEverywhere = @($metadata.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0
        $help.Required | Should -Be ([string]$mandatoryEverywhere).ToLowerInvariant()
    }

    It 'Get-Help Get-LaminiModel -Full has no generated placeholder text' {
        $text = Get-Help Get-LaminiModel -Full | Out-String
        $text | Should -Not -BeLike '*auto-generated*'
        $text | Should -Not -BeLike '*is not available*'
        $text | Should -BeLike '*GET <BaseUri>/models*'
    }

    It 'Get-Help Invoke-LaminiChat -Examples shows the examples' {
        $text = Get-Help Invoke-LaminiChat -Examples | Out-String
        ([regex]::Matches($text, 'Example \d+:')).Count | Should -BeGreaterOrEqual 3
        $text | Should -BeLike "*Invoke-LaminiChat 'What is the best llama?'*"
        $text | Should -BeLike '*-JsonSchema*'
        $text | Should -BeLike '*-CacheTtl 600*'
        $text | Should -BeLike '*Export-Csv*'
        $text | Should -BeLike '*-Stream*'
    }

    It 'names the wire field each request parameter sets' {
        $fields = @{
            Model = 'model'; Temperature = 'temperature'; TopP = 'top_p'; MaxTokens = 'max_tokens'; Stop = 'stop'
            Seed = 'seed'; PresencePenalty = 'presence_penalty'; FrequencyPenalty = 'frequency_penalty'; Count = 'n'
            CacheTtl = 'cache.ttl'; JsonSchema = 'response_format'; JsonObject = 'response_format'; Stream = 'stream'
            Prompt = 'messages'; Messages = 'messages'
        }
        foreach ($entry in $fields.GetEnumerator()) {
            (Get-Help Invoke-LaminiChat -Parameter $entry.Key).Description.Text -join ' ' |
                Should -BeLike "*$($entry.Value)*" -Because "-$($entry.Key) sets $($entry.Value)"
        }
    }
}

Describe 'about_LaminiPS' {
    It 'is found by Get-Help from the module folder' {
        $help = Get-Help about_LaminiPS
        $text = $help | Out-String
        $text | Should -BeLike '*CONFIGURATION AND KEY PRECEDENCE*'
        $text | Should -BeLike '*SCHEDULED TASKS*'
    }

    It 'lists every error id in ErrorIds.cs' {
        $text = Get-Help about_LaminiPS | Out-String
        $ids = [LaminiPS.ErrorIds].GetFields() | Where-Object IsLiteral | ForEach-Object { $_.GetRawConstantValue() }
        $ids.Count | Should -BeGreaterThan 20
        foreach ($id in $ids) { $text | Should -Match "(?m)^\s+$id\s" -Because "about_LaminiPS should document $id" }
    }
}

Describe 'The help generator (build/MarkdownHelp.psm1)' {
    BeforeAll {
        # A small but complete cmdlet page in the layout of docs/en-US.
        $script:thingPage = @'
---
external help file: Thing.dll-Help.xml
Module Name: Thing
online version:
schema: 2.0.0
---

# Get-Thing

## SYNOPSIS
Gets a \<thing> by \*name\*.

## SYNTAX

```
Get-Thing [[-Name] <String[]>] [<CommonParameters>]
```

## DESCRIPTION
Finds things.
Their names may hold $\_ and wildcards.

A second paragraph.

## EXAMPLES

### Example 1: Everything
```powershell
Get-Thing |
    Format-Table
```

All of them.

## PARAMETERS

### -Name
Names of things.

```yaml
Type: System.String[]
Parameter Sets: (All)
Aliases: N

Required: False
Position: 0
Default value: None (all)
Accept pipeline input: True (ByValue)
Accept wildcard characters: True
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### System.String
Names.

## OUTPUTS

### Thing
One per thing.

## NOTES
Nothing to note.

## RELATED LINKS

[about_Thing](about_Thing.md)

[Online](https://example.invalid/thing)
'@

        # Writes the page (after -replace pairs) into a fresh folder and returns the folder.
        function New-ThingHelp([string[]] $Replace = @()) {
            $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $folder
            $text = $thingPage
            for ($i = 0; $i -lt $Replace.Count; $i += 2) { $text = $text -replace $Replace[$i], $Replace[$i + 1] }
            Set-Content -LiteralPath (Join-Path $folder 'Get-Thing.md') -Value $text
            $folder
        }
    }

    Context 'when a parameter''s section is removed from its page' {
        BeforeAll {
            # A copy of docs/en-US whose Invoke-LaminiChat.md has lost the section of -Stream.
            $script:copy = Join-Path $TestDrive 'docs-without-stream'
            Copy-Item -LiteralPath $helpSource -Destination $copy -Recurse
            $script:page = Join-Path $copy 'Invoke-LaminiChat.md'
            $text = Get-Content -Raw -LiteralPath $page
            $script:withoutSection = $text -replace '(?ms)^### -Stream\r?\n.*?(?=^### )', ''
            $withoutSection | Should -Not -Be $text
        }

        It 'the build stops while the syntax still names it' {
            Set-Content -LiteralPath $page -Value $withoutSection
            { Export-MarkdownHelp -Path $copy -DestinationPath (Join-Path $TestDrive 'out-1') } |
                Should -Throw '*Invoke-LaminiChat.md:*names -Stream, which has no section in ## PARAMETERS*'
        }

        It 'the help test reports it when the syntax no longer names it either' {
            Set-Content -LiteralPath $page -Value ($withoutSection -replace ' \[-Stream\]', '')
            $out = Join-Path $TestDrive 'out-2'
            $null = Export-MarkdownHelp -Path $copy -DestinationPath $out
            $maml = [xml](Get-Content -Raw -LiteralPath (Join-Path $out 'LaminiPS.dll-Help.xml'))
            $chat = $maml.helpItems.command | Where-Object { $_.details.name -eq 'Invoke-LaminiChat' }
            $chat.parameters.parameter.name | Should -Not -Contain 'Stream'

            Compare-MarkdownHelp -Path $copy -Command (Get-Command Invoke-LaminiChat) |
                Should -Contain "Invoke-LaminiChat -Stream is not documented: Invoke-LaminiChat.md has no '### -Stream'."
        }
    }

    It 'the help test reports a syntax that leaves out a parameter of its set' {
        $copy = Join-Path $TestDrive 'docs-short-syntax'
        Copy-Item -LiteralPath $helpSource -Destination $copy -Recurse
        $page = Join-Path $copy 'Get-LaminiModel.md'
        Set-Content -LiteralPath $page -Value ((Get-Content -Raw -LiteralPath $page) -replace ' \[-TotalTimeoutSec <Int32>\]', '')

        Compare-MarkdownHelp -Path $copy -Command (Get-Command Get-LaminiModel) |
            Should -Be "Get-LaminiModel.md's syntax of __AllParameterSets leaves out -TotalTimeoutSec."
    }

    It 'writes the MAML Get-Help reads, with escapes removed and the yaml in the attributes' {
        $out = Join-Path $TestDrive 'out'
        $files = @(Export-MarkdownHelp -Path (New-ThingHelp) -DestinationPath $out)
        $files.Name | Should -Be 'Thing.dll-Help.xml'
        $command = ([xml](Get-Content -Raw -LiteralPath (Join-Path $out 'Thing.dll-Help.xml'))).helpItems.command

        $command.details.name | Should -Be 'Get-Thing'
        $command.details.description.para | Should -Be 'Gets a <thing> by *name*.'
        $command.description.para | Should -Be @('Finds things. Their names may hold $_ and wildcards.', 'A second paragraph.')
        $command.examples.example.title | Should -Be '--------- Example 1: Everything ---------'
        $command.examples.example.code | Should -Be "Get-Thing |`n    Format-Table"
        $command.examples.example.remarks.para | Should -Be 'All of them.'
        $command.relatedLinks.navigationLink.linkText | Should -Be @('about_Thing', 'Online')
        $command.relatedLinks.navigationLink[0].uri | Should -BeNullOrEmpty   # found by name, not by a page address
        $command.relatedLinks.navigationLink[1].uri | Should -Be 'https://example.invalid/thing'

        $parameter = $command.parameters.parameter
        $parameter.name | Should -Be 'Name'
        $parameter.description.para | Should -Be 'Names of things.'
        $parameter.required | Should -Be 'false'
        $parameter.position | Should -Be '0'
        $parameter.pipelineInput | Should -Be 'True (ByValue)'
        $parameter.globbing | Should -Be 'true'
        $parameter.aliases | Should -Be 'N'
        $parameter.parameterValue.'#text' | Should -Be 'String[]'
        $parameter.type.name | Should -Be 'System.String[]'
        $parameter.defaultValue | Should -Be 'None (all)'
        $command.syntax.syntaxItem.parameter.name | Should -Be 'Name'
    }

    It 'stops at <Case>, naming the file and line' -ForEach @(
        @{ Case = 'a yaml block without a default'; Replace = @('Default value: None \(all\)\r?\n', ''); Expected = '*Get-Thing.md:40:*no ''Default value''*' }
        @{ Case = 'an unknown yaml key'; Replace = @('Aliases: N', 'Alias: N'); Expected = '*Get-Thing.md:43:*Unknown key ''Alias''*' }
        @{ Case = 'an unknown section'; Replace = @('## NOTES', '## REMARKS'); Expected = '*Get-Thing.md:65:*Unknown section ''## REMARKS''*' }
        @{ Case = 'a parameter the syntax names without a section'; Replace = @('\[<CommonParameters>\]', '[-Force] [<CommonParameters>]'); Expected = '*Get-Thing.md:15:*names -Force, which has no section*' }
        @{ Case = 'a parameter without a description'; Replace = @('Names of things\.', ''); Expected = '*Get-Thing.md:37:*-Name has no description*' }
        @{ Case = 'a code block in a description'; Replace = @('A second paragraph\.', "``````text`nx`n``````"); Expected = '*Get-Thing.md:23:*holds text only; found a code*' }
        @{ Case = 'an example without code'; Replace = @('```powershell\r?\nGet-Thing \|\r?\n    Format-Table\r?\n```', 'Get-Thing'); Expected = '*Get-Thing.md:27:*starts with its code block*' }
        @{ Case = 'a code block left open'; Replace = @('(?s)Accept wildcard characters: True\r?\n```.*', 'Accept wildcard characters: True'); Expected = '*Get-Thing.md:40:*never closed*' }
    ) {
        { Export-MarkdownHelp -Path (New-ThingHelp $Replace) -DestinationPath (Join-Path $TestDrive 'out') } | Should -Throw $Expected
    }

    It 'writes an about topic as Get-Help shows it: headings at the margin, text indented 4, code 8, code in a list 10' {
        $folder = Join-Path $TestDrive 'about'
        $null = New-Item -ItemType Directory -Path $folder
        Set-Content -LiteralPath (Join-Path $folder 'about_Thing.md') -Value @'
# about_Thing

## SHORT DESCRIPTION
Things, \*all\* of them.

## USE
```powershell
Get-Thing
```

- A list item,
  continued:

  ```text
  inside the item
  ```
'@
        $null = Export-MarkdownHelp -Path $folder -DestinationPath (Join-Path $TestDrive 'about-out')
        $written = Join-Path $TestDrive 'about-out/about_Thing.help.txt'
        [System.IO.File]::ReadAllText($written) | Should -BeExactly ((@(
                    'TOPIC'
                    '    about_Thing'
                    ''
                    'SHORT DESCRIPTION'
                    '    Things, *all* of them.'
                    ''
                    'USE'
                    '        Get-Thing'
                    ''
                    '    - A list item,'
                    '      continued:'
                    ''
                    '          inside the item'
                ) -join "`n") + "`n")
        # Windows PowerShell 5.1 reads a file without a byte order mark in the ANSI code page.
        [System.IO.File]::ReadAllBytes($written)[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
    }

    It 'runs on Windows PowerShell 5.1: <Name> uses no syntax of PowerShell 6 or later' -ForEach @(
        @{ Name = 'build.ps1' }
        @{ Name = 'build/MarkdownHelp.psm1' }
    ) {
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path "$PSScriptRoot/.." $Name), [ref] $null, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        $newer = $ast.FindAll({
                param($node)
                $type = $node.GetType().Name
                $type -in 'TernaryExpressionAst', 'PipelineChainAst' -or
                ($type -eq 'BinaryExpressionAst' -and $node.Operator -eq 'QuestionQuestion') -or
                ($type -eq 'AssignmentStatementAst' -and $node.Operator -eq 'QuestionQuestionEquals') -or
                ($type -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' -and $node.NullConditional)
            }, $true)
        @($newer | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Extent.Text)" }) | Should -BeNullOrEmpty
    }
}
