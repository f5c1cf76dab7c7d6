# Runs every PowerShell block in README.md marked `<!-- runnable -->` against the local test server,
# so the README cannot drift from the code. A marker may carry a JSON behaviour for the server
# (`<!-- runnable: {...} -->`), for examples that need a particular reply such as JSON output.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'LaminiTestServer.psm1') -Force
    $script:blocks = @(Get-ReadmeExample | ForEach-Object { @{ Code = $_.Code; Behavior = $_.Behavior; Line = $_.Line } })
}

Describe 'README examples' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'LaminiTestServer.psm1') -Force
        $script:modulePath = Join-Path $PSScriptRoot '../out/LaminiPS/LaminiPS.psd1'
        $script:server = Start-LaminiTestServer
        $script:workDir = Join-Path ([IO.Path]::GetTempPath()) ("laminips-readme-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $workDir | Out-Null
        'What is a llama?', 'What is an alpaca?', 'What do llamas eat?' | Set-Content (Join-Path $workDir 'questions.txt')
        'The printer is on fire.', 'My mouse squeaks.' | Set-Content (Join-Path $workDir 'tickets.txt')
        'Prompt,Model', 'What is a llama?,gpt-4o-mini', 'What is an alpaca?,' | Set-Content (Join-Path $workDir 'questions.csv')
    }

    AfterAll {
        Stop-LaminiTestServer -Server $server
        Remove-Item -Recurse -Force -Path $workDir -ErrorAction SilentlyContinue
    }

    It 'has runnable examples for the chat, JSON, parameters, caching and model list' {
        $blocks.Count | Should -BeGreaterOrEqual 10
    }

    It 'runs the block at README.md line <Line> without errors' -ForEach $blocks {
        Reset-LaminiTestServer -Server $server
        if ($Behavior) {
            Add-LaminiTestBehavior -Server $server -Behavior $Behavior
        }

        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({
                    param($ModulePath, $BaseUri, $ApiKey, $WorkDir)
                    Import-Module $ModulePath
                    $PSDefaultParameterValues['*-Lamini*:BaseUri'] = $BaseUri
                    $PSDefaultParameterValues['*-Lamini*:ApiKey'] = $ApiKey
                    Set-Location $WorkDir
                }).AddParameters(@{ ModulePath = $modulePath; BaseUri = $server.BaseUri; ApiKey = $server.SecureApiKey; WorkDir = $workDir })
            $null = $shell.Invoke()
            $shell.Commands.Clear()
            $null = $shell.AddScript($Code).Invoke()

            $shell.Streams.Error | ForEach-Object { $_.ToString() } | Should -BeNullOrEmpty
            $shell.HadErrors | Should -BeFalse
            @(Get-LaminiTestRequest -Server $server).Count | Should -BeGreaterThan 0
        }
        finally {
            $shell.Dispose()
        }
    }

    It 'writes the CSV reports the recipes promise' {
        Import-Csv (Join-Path $workDir 'answers.csv') | Should -HaveCount 3
        $tickets = @(Import-Csv (Join-Path $workDir 'tickets.csv'))
        $tickets | Should -HaveCount 2
        $tickets[0].PSObject.Properties.Name | Should -Be @('summary', 'priority', 'team')
    }
}
