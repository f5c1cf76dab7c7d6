<#
.SYNOPSIS
    Runs every tests/**/*.Tests.ps1 with Pester; build.ps1 -Task Test starts it in a fresh process.

.DESCRIPTION
    Prints Pester's normal output and then, as the very last line, "N passed, N failed, N skipped",
    counting in the unit tests' results when -UnitTestResults names their TRX file.
    Blocks and files that fail outside a test (a failing BeforeAll, a script that does not parse)
    count as failures too. Exits 1 when anything failed or when no test ran.
    Expects the module built into out/ (build.ps1 -Task Build).
#>
[CmdletBinding()]
param(
    # Pester.psd1 of the pinned version; build.ps1 restores it and passes its path.
    [Parameter(Mandatory)] [string] $PesterPath,

    # Test files or folders; default: every *.Tests.ps1 under tests/ outside bin/ and obj/.
    [string[]] $Path,

    # The TRX file `dotnet test` wrote for tests/LaminiPS.Tests (build.ps1 passes it); a missing
    # or unreadable file counts as one failure.
    [string] $UnitTestResults
)

$ErrorActionPreference = 'Stop'

try {
    Import-Module -Name $PesterPath -Force

    if (-not $Path) {
        $Path = @(Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' -File -Recurse |
                Where-Object { $_.FullName.Substring($PSScriptRoot.Length) -notmatch '[\\/](bin|obj)[\\/]' } |
                Sort-Object FullName |
                ForEach-Object { $_.FullName })
    }
    if (-not $Path) { throw "No *.Tests.ps1 files under $PSScriptRoot." }

    $config = New-PesterConfiguration
    $config.Run.Path = [string[]] $Path
    $config.Run.PassThru = $true
    $config.Run.Exit = $false
    $config.Output.Verbosity = 'Normal'
    # Colour codes only for a terminal; CI logs and redirected output stay plain text.
    if ([Console]::IsOutputRedirected) { $config.Output.RenderMode = 'Plaintext' }

    $result = Invoke-Pester -Configuration $config
} catch {
    Write-Host "The test run could not start: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host '0 passed, 1 failed, 0 skipped'
    exit 1
}

# A failing BeforeAll/AfterAll or a file that cannot run shows up as a failed block or container,
# not always as failed tests; each such one whose tests did not already fail counts as one failure,
# so "0 failed" means nothing failed at all.
function Test-HasFailedTest($Node) {
    foreach ($test in @($Node.Tests)) { if ($null -ne $test -and $test.Result -eq 'Failed') { return $true } }
    foreach ($block in @($Node.Blocks)) { if ($null -ne $block -and (Test-HasFailedTest $block)) { return $true } }
    $false
}
$failed = $result.FailedCount
foreach ($node in @($result.FailedBlocks) + @($result.FailedContainers)) {
    if ($null -ne $node -and -not (Test-HasFailedTest $node)) { $failed++ }
}
if ($result.Result -eq 'Failed' -and $failed -eq 0) { $failed = 1 }
$passed = $result.PassedCount
$skipped = $result.SkippedCount
if ($UnitTestResults) {
    try {
        $counters = ([xml](Get-Content -Raw -LiteralPath $UnitTestResults)).TestRun.ResultSummary.Counters
        $unit = @([int]$counters.passed, ([int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted), [int]$counters.notExecuted)
        if ($unit[0] + $unit[1] -eq 0) { throw 'it records no test that ran' }
    } catch {
        Write-Host "The unit tests' results ($UnitTestResults) could not be read: $($_.Exception.Message)" -ForegroundColor Red
        $unit = @(0, 1, 0)
    }
    Write-Host ('Unit tests (xunit, tests/LaminiPS.Tests): {0} passed, {1} failed, {2} skipped; counted in below.' -f $unit[0], $unit[1], $unit[2])
    $passed += $unit[0]
    $failed += $unit[1]
    $skipped += $unit[2]
}
$line = '{0} passed, {1} failed, {2} skipped' -f $passed, $failed, $skipped

$exitCode = 0
if ($failed -gt 0) {
    $exitCode = 1
} elseif ($result.PassedCount + $result.FailedCount -eq 0) {
    Write-Host 'No test ran.' -ForegroundColor Red
    $exitCode = 1
}
Write-Host $line
exit $exitCode
