# Help: the built module ships MAML and about_LaminiPS, every cmdlet and parameter has real help,
# and the manifest is clean and imports without warnings.

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
    $script:manifest = "$PSScriptRoot/../out/LaminiPS/LaminiPS.psd1"
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
