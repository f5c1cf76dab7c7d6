# Runs every PowerShell block in README.md marked `<!-- runnable -->` against the local test server,
# so the README cannot drift from the code. A marker may carry a JSON behaviour for the server
# (`<!-- runnable: {...} -->`), for examples that need a particular reply such as JSON output.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'LaminiTestServer.psm1') -Force
    $script:blocks = @(Get-ReadmeExample | ForEach-Object { @{ Code = $_.Code; Behavior = $_.Behavior; Line = $_.Line } })
    # The recipes that write CSV reports, run again by the test that reads the reports.
    $script:reportRecipes = @($blocks | Where-Object { $_.Code -match '\b(answers|tickets)\.csv\b' })
}

Describe 'README examples' {
    BeforeAll {
        Import-Module "$PSScriptRoot/Common.psm1" -Force
        Import-LaminiTestModule -TestServerOnly
        $script:server = Start-LaminiTestServer
        $script:workRoot = New-TestDirectory -Name 'readme'

        # A new folder holding the input files the examples read, as a user's current folder would.
        function New-WorkDirectory {
            $workDir = Join-Path $workRoot ([guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $workDir
            'What is a llama?', 'What is an alpaca?', 'What do llamas eat?' | Set-Content (Join-Path $workDir 'questions.txt')
            'The printer is on fire.', 'My mouse squeaks.' | Set-Content (Join-Path $workDir 'tickets.txt')
            'Prompt,Model', 'What is a llama?,gpt-4o-mini', 'What is an alpaca?,' | Set-Content (Join-Path $workDir 'questions.csv')
            $workDir
        }

        # Runs one block in a runspace of its own, in $WorkDir, with the test server as every cmdlet's
        # default connection; asserts that it wrote no error and sent at least one request.
        function Invoke-ReadmeBlock([string] $Code, $Behavior, [string] $WorkDir) {
            Reset-LaminiTestServer -Server $server
            if ($Behavior) {
                Add-LaminiTestBehavior -Server $server -Behavior $Behavior
            }
            $shell = New-ChildShell
            try {
                $null = $shell.AddScript({
                        param($BaseUri, $ApiKey, $WorkDir)
                        $PSDefaultParameterValues['*-Lamini*:BaseUri'] = $BaseUri
                        $PSDefaultParameterValues['*-Lamini*:ApiKey'] = $ApiKey
                        Set-Location $WorkDir
                    }).AddParameters(@{ BaseUri = $server.BaseUri; ApiKey = $server.SecureApiKey; WorkDir = $WorkDir }).Invoke()
                $shell.Commands.Clear()
                $null = $shell.AddScript($Code).Invoke()

                $shell.Streams.Error | ForEach-Object { $_.ToString() } | Should -BeNullOrEmpty
                $shell.HadErrors | Should -BeFalse
                @(Get-LaminiTestRequest -Server $server).Count | Should -BeGreaterThan 0
            } finally {
                $shell.Dispose()
            }
        }
    }

    AfterAll {
        Stop-LaminiTestServer -Server $server
        Remove-TestDirectory $workRoot
    }

    It 'has runnable examples for the chat, JSON, parameters, caching and model list' {
        $blocks.Count | Should -BeGreaterOrEqual 10
    }

    It 'runs the block at README.md line <Line> without errors' -ForEach $blocks {
        Invoke-ReadmeBlock $Code $Behavior (New-WorkDirectory)
    }

    It 'writes the CSV reports the recipes promise' -ForEach @(@{ Recipes = $reportRecipes }) {
        $Recipes.Count | Should -Be 2 -Because 'README.md has a recipe for answers.csv and one for tickets.csv'
        $workDir = New-WorkDirectory
        foreach ($recipe in $Recipes) {
            Invoke-ReadmeBlock $recipe.Code $recipe.Behavior $workDir
        }

        Import-Csv (Join-Path $workDir 'answers.csv') | Should -HaveCount 3
        $tickets = @(Import-Csv (Join-Path $workDir 'tickets.csv'))
        $tickets | Should -HaveCount 2
        $tickets[0].PSObject.Properties.Name | Should -Be @('summary', 'priority', 'team')
    }
}
