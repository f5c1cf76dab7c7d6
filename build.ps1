<#
.SYNOPSIS
    Builds, tests and demonstrates LaminiPS.

.DESCRIPTION
    Plain PowerShell; runs on Windows PowerShell 5.1 and PowerShell 7.x, from any directory.
    Needs only the .NET SDK (and, for the README commands, `dotnet tool restore` for pwsh).

    Build  (default) dotnet publish, then lay out an importable module in out/LaminiPS:
           LaminiPS.psd1, LaminiPS.dll, the format and type files, en-US help made from the markdown
           pages in docs/en-US by build/MarkdownHelp.psm1, and dependencies/ holding what
           Windows PowerShell 5.1 needs (System.Text.Json and its closure). Also builds the test
           server into out/testserver.
    Test   Build, run the engine's unit tests (tests/LaminiPS.Tests, xunit), restore the pinned
           Pester, run every tests/**/*.Tests.ps1 in a fresh process. The last line printed is
           "N passed, N failed, N skipped", the unit tests counted in.
    Demo   Build, start the bundled local test server and run the README quick-start against it.
    Clean  Remove out/ and every bin/ and obj/ under src/ and tests/.
    Bench  Build, then run tests/bench/Invoke-Benchmark.ps1 in a fresh process (PowerShell 7.2+):
           LaminiPS against its baselines on the local test server; prints the table and writes
           it to out/bench.md. About 7 minutes on 2 cores.
    Package Build, then publish out/LaminiPS to a temporary local repository with PSResourceGet
           (PowerShell 7.4+) and copy the result to out/LaminiPS.<version>.nupkg.
    TestDesktop
           Build, then prove the Windows PowerShell 5.1 (.NET Framework) path on this machine: the
           sources compile against the .NET Framework 4.7.2 reference assemblies; everything the
           module references is in .NET Framework 4.7.2 or in dependencies/; a .NET Framework
           4.7.2 host under Mono (mono --assembly-loader=strict; needs Debian's mono-devel) runs
           the module's initializer and client against the test server, and fails without the
           initializer; build.ps1, tests/ and the README's runnable blocks use only what Windows
           PowerShell 5.1 has. Each check also runs once on a broken input and must fail there.

    Any failed step stops the script with a non-zero exit code.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    # To add a task: add its name here, write an Invoke-<Name>Task function below and a line in
    # the switch at the bottom of this file.
    [ValidateSet('Build', 'Test', 'Demo', 'Clean', 'Package', 'Bench', 'TestDesktop')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
# We check $LASTEXITCODE ourselves, with a message naming the command (PowerShell 7.3+ option).
$PSNativeCommandUseErrorActionPreference = $false

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$PublishDir = Join-Path $OutDir 'publish'
$ModuleDir = Join-Path $OutDir 'LaminiPS'
$TestServerDir = Join-Path $OutDir 'testserver'
$ManifestPath = Join-Path $RepoRoot 'LaminiPS.psd1'
$PesterVersion = '5.7.1'

# Quiet but never silent about errors: -v q still prints errors and warnings.
$DotnetQuiet = @('-nologo', '-v', 'q', '-clp:NoSummary')

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

# Runs a native command; throws (and so exits non-zero) when it fails.
function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @()
    )
    Write-Verbose "$FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

# The PowerShell executable and flags for a fresh child process of the same edition and version.
# Under `dotnet pwsh` (the local tool) the process is dotnet itself, which needs pwsh.dll.
function Get-FreshPowerShell {
    $exe = (Get-Process -Id $PID).Path
    $arguments = New-Object System.Collections.Generic.List[string]
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $arguments.Add((Join-Path $PSHOME 'pwsh.dll'))
    }
    $arguments.AddRange([string[]]@('-NoProfile', '-NonInteractive'))
    if ($env:OS -eq 'Windows_NT') {
        $arguments.AddRange([string[]]@('-ExecutionPolicy', 'Bypass'))
    }
    [pscustomobject]@{ FilePath = $exe; Arguments = $arguments.ToArray() }
}

function Get-ModuleVersion {
    $data = Import-PowerShellDataFile -LiteralPath $ManifestPath
    if (-not $data.ContainsKey('ModuleVersion')) { throw "$ManifestPath has no ModuleVersion." }
    [string] $data.ModuleVersion
}

function Invoke-BuildTask {
    $version = Get-ModuleVersion

    Write-Step "Publishing LaminiPS $version ($Configuration)"
    # A fresh publish folder, so a dependency that was dropped does not linger in the module.
    if (Test-Path -LiteralPath $PublishDir) { Remove-Item -LiteralPath $PublishDir -Recurse -Force }
    Invoke-Native dotnet (@('publish', (Join-Path $RepoRoot 'src/LaminiPS'), '-c', $Configuration,
            '-o', $PublishDir, "-p:Version=$version") + $DotnetQuiet)

    Write-Step "Laying out $ModuleDir"
    if (Test-Path -LiteralPath $ModuleDir) { Remove-Item -LiteralPath $ModuleDir -Recurse -Force }
    $dependencyDir = Join-Path $ModuleDir 'dependencies'
    $null = New-Item -ItemType Directory -Path $dependencyDir -Force

    Copy-Item -LiteralPath $ManifestPath -Destination $ModuleDir
    Copy-Item -LiteralPath (Join-Path $PublishDir 'LaminiPS.dll') -Destination $ModuleDir
    $formats = @(Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'src/LaminiPS') -Filter '*.ps1xml' -File)
    foreach ($file in $formats) { Copy-Item -LiteralPath $file.FullName -Destination $ModuleDir }

    # Everything else the publish produced is System.Text.Json and its closure, which only
    # Windows PowerShell 5.1 needs; PowerShell itself is never shipped.
    foreach ($dll in Get-ChildItem -LiteralPath $PublishDir -Filter '*.dll' -File) {
        if ($dll.Name -eq 'LaminiPS.dll' -or $dll.Name -like 'System.Management.Automation*' -or
            $dll.Name -like 'Microsoft.PowerShell.*') { continue }
        Copy-Item -LiteralPath $dll.FullName -Destination $dependencyDir
    }

    # Help has one source, the markdown pages; Get-Help reads the MAML and about text made from them.
    Write-Step 'Generating en-US help from docs/en-US'
    Import-Module (Join-Path $RepoRoot 'build/MarkdownHelp.psm1') -Force
    $null = Export-MarkdownHelp -Path (Join-Path $RepoRoot 'docs/en-US') -DestinationPath (Join-Path $ModuleDir 'en-US')

    # Every file the manifest names must be in the module folder.
    $manifest = Import-PowerShellDataFile -LiteralPath $ManifestPath
    foreach ($key in 'FormatsToProcess', 'TypesToProcess') {
        foreach ($file in $manifest[$key]) {
            if (-not (Test-Path -LiteralPath (Join-Path $ModuleDir $file))) {
                throw "The manifest lists '$file' in $key, but src/LaminiPS has no such file."
            }
        }
    }

    Write-Step "Building the test server into $TestServerDir"
    Invoke-Native dotnet (@('build', (Join-Path $RepoRoot 'tests/TestServer'), '-c', 'Release',
            '-o', $TestServerDir) + $DotnetQuiet)
}

# The NuGet global packages folder, where restore puts packages.
function Get-NuGetPackageFolder {
    # `dotnet nuget locals` honours NUGET_PACKAGES and NuGet.Config, as restore does.
    $packages = $null
    $listing = & dotnet nuget locals global-packages --list
    if ($LASTEXITCODE -eq 0) {
        foreach ($line in @($listing)) {
            if ([string]$line -match '^\s*global-packages:\s*(.+?)\s*$') { $packages = $Matches[1] }
        }
    }
    if (-not $packages) { $packages = $env:NUGET_PACKAGES }
    if (-not $packages) { throw 'Could not find the NuGet global packages folder (dotnet nuget locals global-packages --list).' }
    $packages
}

function Get-PesterManifest {
    Write-Step "Restoring Pester $PesterVersion"
    Invoke-Native dotnet (@('restore', (Join-Path $RepoRoot 'tests/tools/tools.csproj')) + $DotnetQuiet)

    $packages = Get-NuGetPackageFolder
    $pester = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $pester)) { throw "Pester $PesterVersion is not at '$pester' after restore." }
    $pester
}

# Runs the xunit tests of the engine; returns the path of their results file (TRX). A failing test
# does not stop the script here: the Pester runner counts it into the summary line.
function Invoke-UnitTest {
    Write-Step 'Running the engine''s unit tests (tests/LaminiPS.Tests, xunit)'
    $resultsDir = Join-Path $OutDir 'test-results'
    $results = Join-Path $resultsDir 'unit.trx'
    if (Test-Path -LiteralPath $results) { Remove-Item -LiteralPath $results -Force }
    & dotnet @(@('test', (Join-Path $RepoRoot 'tests/LaminiPS.Tests'), '-c', $Configuration, '--results-directory', $resultsDir,
            '--logger', 'trx;LogFileName=unit.trx') + $DotnetQuiet) | Out-Host
    $results
}

function Invoke-TestTask {
    Invoke-BuildTask
    $unitResults = Invoke-UnitTest
    $pester = Get-PesterManifest

    Write-Step 'Running the tests in a fresh PowerShell process'
    $shell = Get-FreshPowerShell
    $runner = Join-Path $RepoRoot 'tests/Invoke-Tests.ps1'
    & $shell.FilePath @($shell.Arguments + @('-File', $runner, '-PesterPath', $pester, '-UnitTestResults', $unitResults))
    # The runner's summary must stay the last line, so report failure through the exit code only.
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-DemoTask {
    Invoke-BuildTask

    # Runs in a fresh process: a binary module cannot be unloaded, and the session that ran the
    # build should not hold the freshly built DLL open.
    $demo = {
        param([string] $RepoRoot)
        Set-StrictMode -Version 3.0
        $ErrorActionPreference = 'Stop'
        $server = $null
        try {
            Import-Module (Join-Path $RepoRoot 'tests/LaminiTestServer.psm1')
            Import-Module (Join-Path $RepoRoot 'out/LaminiPS/LaminiPS.psd1')
            $server = Start-LaminiTestServer

            $line = '=' * 78
            Write-Host $line -ForegroundColor Yellow
            Write-Host "This demo talks to the bundled LOCAL test server at $($server.BaseUri), not to Lamini;" -ForegroundColor Yellow
            Write-Host 'replies are canned echoes. No API key or network access is needed.' -ForegroundColor Yellow
            Write-Host $line -ForegroundColor Yellow

            # What a user would put in a profile; here it points every example at the local server.
            $global:PSDefaultParameterValues['*-Lamini*:BaseUri'] = $server.BaseUri
            $global:PSDefaultParameterValues['*-Lamini*:ApiKey'] = $server.SecureApiKey
            Write-Host "`nSet-up (instead of `$env:LAMINI_API_KEY for a real key):"
            Write-Host "  `$PSDefaultParameterValues['*-Lamini*:BaseUri'] = '$($server.BaseUri)'   # and ApiKey"

            # The README's quick-start blocks, read from README.md so the demo and the page agree.
            foreach ($example in Get-ReadmeExample -Path (Join-Path $RepoRoot 'README.md') -Section 'Quick start') {
                Write-Host ''
                if ($example.Behavior) {
                    Add-LaminiTestBehavior -Server $server -Behavior $example.Behavior
                    Write-Host "# The test server only echoes; for this example it was told to reply: $($example.Behavior.content)" -ForegroundColor DarkGray
                }
                foreach ($textLine in $example.Code.TrimEnd() -split "`r?`n") { Write-Host "PS> $textLine" -ForegroundColor Green }
                . ([scriptblock]::Create($example.Code)) | Out-Host
                Reset-LaminiTestServer -Server $server
            }
            Write-Host "`nDemo finished: every example ran against the local test server." -ForegroundColor Yellow
        } catch {
            Write-Host "Demo failed: $($_.Exception.Message)" -ForegroundColor Red
            Write-Host $_.ScriptStackTrace
            exit 1
        } finally {
            if ($null -ne $server) { Stop-LaminiTestServer -Server $server }
        }
        exit 0
    }

    Write-Step 'Running the README quick-start against the local test server'
    $shell = Get-FreshPowerShell
    # The demo script goes to a file under out/: -File behaves the same on 5.1 and 7, where
    # -Command quoting and -EncodedCommand output handling do not.
    $script = Join-Path $OutDir 'demo.ps1'
    Set-Content -LiteralPath $script -Value $demo.ToString() -Encoding UTF8
    & $shell.FilePath @($shell.Arguments + @('-File', $script, '-RepoRoot', $RepoRoot))
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $version = Get-ModuleVersion

    if (-not (Get-Command Publish-PSResource -ErrorAction SilentlyContinue)) {
        throw 'Package needs PSResourceGet (Publish-PSResource), which ships with PowerShell 7.4+: run dotnet pwsh ./build.ps1 -Task Package.'
    }

    Write-Step "Packing LaminiPS $version with PSResourceGet"
    $repositoryName = 'LaminiPS-build-' + [guid]::NewGuid().ToString('N')
    $repositoryDir = Join-Path ([System.IO.Path]::GetTempPath()) $repositoryName
    $null = New-Item -ItemType Directory -Path $repositoryDir
    try {
        Register-PSResourceRepository -Name $repositoryName -Uri $repositoryDir -Trusted
        Publish-PSResource -Path $ModuleDir -Repository $repositoryName
        $package = Get-ChildItem -LiteralPath $repositoryDir -Filter '*.nupkg' -File | Select-Object -First 1
        if (-not $package) { throw "Publish-PSResource left no .nupkg in $repositoryDir." }
        $target = Join-Path $OutDir "LaminiPS.$version.nupkg"
        Copy-Item -LiteralPath $package.FullName -Destination $target -Force
        Write-Step "Wrote $target"
    } finally {
        Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $repositoryDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-BenchTask {
    Invoke-BuildTask

    # A fresh process: the benchmark imports the module just built and times fresh processes of
    # its own; nothing this session loaded should be in the measurements.
    Write-Step 'Running the benchmark in a fresh PowerShell process'
    $shell = Get-FreshPowerShell
    & $shell.FilePath @($shell.Arguments + @('-File', (Join-Path $RepoRoot 'tests/bench/Invoke-Benchmark.ps1')))
    if ($LASTEXITCODE -ne 0) { throw "The benchmark failed (exit code $LASTEXITCODE)." }
}

function Invoke-TestDesktopTask {
    Invoke-BuildTask
    $desktopDir = Join-Path $RepoRoot 'tests/desktop'
    $workDir = Join-Path $OutDir 'desktop'
    if (Test-Path -LiteralPath $workDir) { Remove-Item -LiteralPath $workDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $workDir

    Write-Step 'Static check: build.ps1 (with build/), tests/ and the README''s runnable blocks on Windows PowerShell 5.1'
    # build/ holds the modules build.ps1 imports, so they are checked with it.
    $files = @(Join-Path $RepoRoot 'build.ps1') + @(Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'build') -File -ErrorAction Ignore | ForEach-Object { $_.FullName }) +
        @(Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'tests') -File -Recurse |
            Where-Object { $_.FullName.Substring($RepoRoot.Length) -notmatch '[\\/](bin|obj)[\\/]' } | ForEach-Object { $_.FullName })
    $known = @((Import-PowerShellDataFile -LiteralPath (Get-PesterManifest)).FunctionsToExport) +
        @((Import-PowerShellDataFile -LiteralPath $ManifestPath).CmdletsToExport) +
        @(Get-Command -Module Microsoft.PowerShell.PSResourceGet -ErrorAction Ignore | ForEach-Object { $_.Name })
    $staticCheck = Join-Path $desktopDir 'Test-WindowsPowerShell51.ps1'
    & $staticCheck -Path $files -ReadmePath (Join-Path $RepoRoot 'README.md') -KnownCommand $known
    if ($LASTEXITCODE -ne 0) { throw 'The static Windows PowerShell 5.1 check found problems (listed above).' }

    Write-Step 'Control: the static check finds a PowerShell 7 parameter in a test helper'
    $helper = Join-Path $workDir 'Helper.psm1'
    Set-Content -LiteralPath $helper -Value 'function Get-Model($Uri) { Invoke-RestMethod -Uri $Uri -SkipCertificateCheck }'
    $found = & $staticCheck -Path $helper 6>&1 | Out-String
    Write-Host $found.TrimEnd()
    if ($LASTEXITCODE -eq 0 -or $found -notmatch 'no parameter -SkipCertificateCheck') { throw "The static check missed -SkipCertificateCheck: $found" }

    $hostProject = [xml](Get-Content -Raw -LiteralPath (Join-Path $desktopDir 'DesktopHost/DesktopHost.csproj'))
    $packageVersions = @{}
    foreach ($reference in $hostProject.Project.ItemGroup.PackageReference) { $packageVersions[$reference.Include] = $reference.Version }
    $packages = Get-NuGetPackageFolder

    Write-Step 'Building the .NET Framework 4.7.2 host'
    $hostDir = Join-Path $workDir 'host'
    Invoke-Native dotnet (@('build', (Join-Path $desktopDir 'DesktopHost'), '-c', $Configuration, '-o', $hostDir,
            "-p:LaminiPSAssembly=$(Join-Path $ModuleDir 'LaminiPS.dll')") + $DotnetQuiet)
    $extra = @(Get-ChildItem -LiteralPath $hostDir -File | Where-Object { $_.Name -notmatch '^LaminiPS\.DesktopHost\.(exe|exe\.config|pdb|xml)$' })
    if ($extra) { throw "The host folder must hold only the host; it also has: $($extra.Name -join ', ')" }
    if ((Get-Content -Raw -LiteralPath (Join-Path $hostDir 'LaminiPS.DesktopHost.exe.config')) -match 'bindingRedirect') {
        throw 'The host has binding redirects; .NET Framework hosts such as powershell.exe have none for LaminiPS.'
    }

    Write-Step 'Dependency closure: everything the module references is in .NET Framework 4.7.2 or dependencies/'
    $framework = Join-Path $packages ('microsoft.netframework.referenceassemblies.net472/{0}/build/.NETFramework/v4.7.2' -f
        $packageVersions['Microsoft.NETFramework.ReferenceAssemblies'])
    $closureCheck = Join-Path $desktopDir 'Test-DependencyClosure.ps1'
    & $closureCheck -ModuleDirectory $ModuleDir -FrameworkDirectory $framework
    if ($LASTEXITCODE -ne 0) { throw 'The dependency closure has problems (listed above).' }

    Write-Step 'Control: the closure check fails when dependencies/ lacks System.Text.Json.dll'
    $broken = Join-Path $workDir 'without-json'
    Copy-Item -LiteralPath $ModuleDir -Destination $broken -Recurse
    Remove-Item -LiteralPath (Join-Path $broken 'dependencies/System.Text.Json.dll')
    $found = & $closureCheck -ModuleDirectory $broken -FrameworkDirectory $framework 6>&1 | Out-String
    Write-Host $found.TrimEnd()
    if ($LASTEXITCODE -eq 0 -or $found -notmatch 'PROBLEM .*System\.Text\.Json') { throw "The closure check missed the missing System.Text.Json: $found" }

    Write-Step 'The module under Mono (mono --assembly-loader=strict) against the test server'
    if (-not (Get-Command mono -ErrorAction Ignore)) {
        throw 'TestDesktop needs Mono: apt-get install --no-install-recommends mono-devel (.ci/run does this when it is missing).'
    }
    Import-Module (Join-Path $RepoRoot 'tests/LaminiTestServer.psm1')
    $http = $null
    $https = $null
    try {
        $http = Start-LaminiTestServer
        $https = Start-LaminiTestServer -Https
        $models = (Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'tests/fixtures/models.json') | ConvertFrom-Json).data | ForEach-Object { $_.id }
        $hostArguments = @('--module', $ModuleDir,
            '--sma', (Join-Path $packages ('powershellstandard.library/{0}/lib/net452/System.Management.Automation.dll' -f $packageVersions['PowerShellStandard.Library'])),
            '--http', $http.RootUri, '--https', $https.RootUri, '--key', $http.ApiKey, '--models', ($models -join ','))
        $desktopHost = Join-Path $hostDir 'LaminiPS.DesktopHost.exe'
        foreach ($mode in 'lifecycle', 'check') {
            Invoke-Native mono (@('--assembly-loader=strict', $desktopHost, $mode) + $hostArguments)
        }

        Write-Step 'Control: without the module''s initializer the host cannot load System.Text.Json'
        $found = & mono --assembly-loader=strict $desktopHost no-initializer @hostArguments | Out-String
        Write-Host $found.TrimEnd()
        if ($LASTEXITCODE -eq 0 -or $found -notmatch 'FAIL .*System\.Text\.Json') { throw 'The host worked without the initializer, so it cannot see a missing resolver.' }
    } finally {
        Stop-LaminiTestServer -Server $http
        Stop-LaminiTestServer -Server $https
    }

    Write-Step 'Framework API check: src/LaminiPS compiled against the .NET Framework 4.7.2 reference assemblies'
    $project = [xml](Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'src/LaminiPS/LaminiPS.csproj'))
    $settings = @($project.Project.PropertyGroup)[0]
    $settings.TargetFramework = 'net472'
    $settings.AppendChild($project.CreateElement('EnableDefaultCompileItems')).InnerText = 'false'
    $items = $project.Project.AppendChild($project.CreateElement('ItemGroup'))
    $sources = $items.AppendChild($project.CreateElement('Compile'))
    $sources.SetAttribute('Include', (Join-Path $RepoRoot 'src/LaminiPS/**/*.cs'))
    $sources.SetAttribute('Exclude', (Join-Path $RepoRoot 'src/LaminiPS/bin/**') + ';' + (Join-Path $RepoRoot 'src/LaminiPS/obj/**'))
    # On .NET Framework HttpClient is in System.Net.Http.dll, which netstandard2.0 includes.
    $items.AppendChild($project.CreateElement('Reference')).SetAttribute('Include', 'System.Net.Http')
    $frameworkProject = Join-Path $workDir 'net472/LaminiPS.csproj'
    $null = New-Item -ItemType Directory -Path (Split-Path $frameworkProject) -Force
    $project.Save($frameworkProject)
    Invoke-Native dotnet (@('build', $frameworkProject, '-c', $Configuration) + $DotnetQuiet)

    Write-Step 'Control: the API check fails when src/ uses an API .NET Framework 4.7.2 lacks'
    $coreOnly = Join-Path $workDir 'CoreOnly.cs'
    Set-Content -LiteralPath $coreOnly -Value 'namespace LaminiPS; internal static class CoreOnly { internal static object Handler() => new System.Net.Http.SocketsHttpHandler(); }'
    $items.AppendChild($project.CreateElement('Compile')).SetAttribute('Include', $coreOnly)
    $brokenProject = Join-Path $workDir 'net472-core-only/LaminiPS.csproj'
    $null = New-Item -ItemType Directory -Path (Split-Path $brokenProject) -Force
    $project.Save($brokenProject)
    $found = & dotnet build $brokenProject -c $Configuration @DotnetQuiet | Out-String
    Write-Host (($found -split "`n" | Select-String 'error' | Select-Object -First 1) -join '').Trim()
    if ($LASTEXITCODE -eq 0 -or $found -notmatch 'SocketsHttpHandler') { throw "The API check compiled a .NET Core-only API: $found" }

    Write-Host 'TestDesktop passed: Windows PowerShell 5.1 static check, dependency closure, the module under Mono, .NET Framework 4.7.2 API check.' -ForegroundColor Green
}

function Invoke-CleanTask {
    Write-Step 'Removing out/ and bin/, obj/ under src/ and tests/'
    $targets = New-Object System.Collections.Generic.List[string]
    if (Test-Path -LiteralPath $OutDir) { $targets.Add($OutDir) }
    foreach ($root in 'src', 'tests') {
        $path = Join-Path $RepoRoot $root
        if (-not (Test-Path -LiteralPath $path)) { continue }
        foreach ($dir in Get-ChildItem -LiteralPath $path -Directory -Recurse |
                Where-Object { $_.Name -eq 'bin' -or $_.Name -eq 'obj' }) {
            $targets.Add($dir.FullName)
        }
    }
    foreach ($target in $targets) {
        if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    }
}

try {
    switch ($Task) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Clean' { Invoke-CleanTask }
        'Package' { Invoke-PackageTask }
        'Bench' { Invoke-BenchTask }
        'TestDesktop' { Invoke-TestDesktopTask }
    }
} catch {
    Write-Host "build.ps1 -Task $Task failed: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
exit 0
