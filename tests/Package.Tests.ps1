# Packaging: publish the built module to a temporary local PSResourceGet repository, install it by
# name with Install-PSResource into a temporary home, import it BY NAME in a fresh process and run
# Get-LaminiModel against the test server. The real user's module paths and repository list are
# never touched: the PSResourceGet steps run in a child process whose HOME (and XDG_DATA_HOME,
# where PowerShell and PSResourceGet keep per-user modules and repositories) is a temp folder.

BeforeDiscovery {
    $script:canPublish = [bool](Get-Command Publish-PSResource -ErrorAction SilentlyContinue) -and $env:OS -ne 'Windows_NT'
}

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule -TestServerOnly
    $script:server = Start-LaminiTestServer
    $script:moduleDir = Split-Path -Parent (Get-LaminiManifestPath)
    $script:version = (Import-PowerShellDataFile -LiteralPath "$moduleDir/LaminiPS.psd1").ModuleVersion
    $script:root = New-TestDirectory -Name 'package'
    $script:tempHome = Join-Path $root 'home'
    $script:dataHome = Join-Path $root 'share'
    $script:repository = Join-Path $root 'repository'
    foreach ($dir in $tempHome, $dataHome, $repository) { $null = New-Item -ItemType Directory -Path $dir -Force }

    # Runs a script block in a fresh pwsh with the temporary home; returns its output lines.
    function Invoke-Fresh([scriptblock] $Script, [hashtable] $Environment = @{}) {
        $isolated = @{
            HOME                        = $tempHome
            XDG_DATA_HOME               = $dataHome
            XDG_CONFIG_HOME             = Join-Path $tempHome '.config'
            XDG_CACHE_HOME              = Join-Path $tempHome '.cache'
            LAMINI_API_KEY              = $null
            LAMINI_API_URL              = $null
            POWERSHELL_TELEMETRY_OPTOUT = '1'
        }
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($Script.ToString()))
        # PSResourceGet's NuGet layer writes a NuGet/NuGet.Config relative to the working directory
        # when it finds no user config folder: keep that inside the temporary tree, not the repo.
        $started = Start-FreshPowerShell -ArgumentList '-EncodedCommand', $encoded -Environment (Join-Splat $isolated $Environment) -WorkingDirectory $tempHome
        Wait-FreshPowerShell $started
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $root
}

Describe 'Packaging with PSResourceGet' -Skip:(-not $canPublish) {
    It 'publishes to a local repository, installs by name, imports by name in a fresh process and runs' {
        $install = Invoke-Fresh -Environment @{ LAMINIPS_MODULE = $moduleDir; LAMINIPS_REPO = $repository } -Script {
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            $name = 'LaminiPS-test-' + [guid]::NewGuid().ToString('N')
            Register-PSResourceRepository -Name $name -Uri $env:LAMINIPS_REPO -Trusted
            try {
                Publish-PSResource -Path $env:LAMINIPS_MODULE -Repository $name
                Install-PSResource -Name LaminiPS -Repository $name -TrustRepository -Scope CurrentUser -Quiet
                $installed = Get-InstalledPSResource -Name LaminiPS -Scope CurrentUser
                "INSTALLED $($installed.Version) $($installed.InstalledLocation)"
            } finally {
                Unregister-PSResourceRepository -Name $name
            }
        }
        $install.Errors | Should -BeNullOrEmpty
        $install.ExitCode | Should -Be 0
        $install.Output | Should -Match "INSTALLED $([regex]::Escape($version)) "
        $line = ($install.Output -split "`n" | Where-Object { $_ -like 'INSTALLED *' }) -replace '^INSTALLED \S+ ', ''
        $line.Trim() | Should -BeLike "$root*"
        Get-ChildItem -LiteralPath $repository -Filter "LaminiPS.$version.nupkg" | Should -Not -BeNullOrEmpty

        # PSResourceGet's CurrentUser module folder, inside the temporary home.
        $userModules = $line.Trim().TrimEnd('/', '\')
        if ((Split-Path -Leaf $userModules) -eq 'LaminiPS') { $userModules = Split-Path $userModules }
        if ((Split-Path -Leaf $userModules) -eq $version) { $userModules = Split-Path (Split-Path $userModules) }
        Join-Path $userModules "LaminiPS/$version/LaminiPS.psd1" | Should -Exist
        Join-Path $userModules "LaminiPS/$version/en-US/LaminiPS.dll-Help.xml" | Should -Exist

        $run = Invoke-Fresh -Environment @{
            PSModulePath   = $userModules + [System.IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
            LAMINI_API_URL = $server.RootUri.AbsoluteUri.TrimEnd('/')
            LAMINI_API_KEY = $server.ApiKey
        } -Script {
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            Import-Module LaminiPS
            $module = Get-Module LaminiPS
            "MODULE $($module.Version) $($module.ModuleBase)"
            Get-LaminiModel | ForEach-Object { "ID $($_.Id)" }
            "SYNOPSIS $((Get-Help Get-LaminiModel).Synopsis)"
        }
        $run.Errors | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Match "MODULE $([regex]::Escape($version)) $([regex]::Escape($userModules))"
        $ids = @($run.Output -split "`n" | Where-Object { $_ -like 'ID *' } | ForEach-Object { $_.Substring(3).Trim() })
        $ids | Should -Contain 'meta-llama/Llama-3.2-3B-Instruct'
        $ids.Count | Should -Be 5
        $run.Output | Should -Match "SYNOPSIS Lists the models"
        @(Get-LaminiTestRequest -Server $server -Path '*/models').Count | Should -BeGreaterOrEqual 1
    }
}
