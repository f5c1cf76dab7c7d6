# Helpers every Pester file shares: importing the built module, the connection splat for a test
# server, temporary folders, the chat requests a test made, commands that must fail, commands whose
# replies, errors and verbose lines a test sorts apart, child runspaces and fresh PowerShell
# processes. The test server itself is driven by LaminiTestServer.psm1, which this module imports.
# Use: BeforeAll { Import-Module "$PSScriptRoot/Common.psm1" -Force; Import-LaminiTestModule; ... }

Set-StrictMode -Version 3.0

$script:ManifestPath = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../out/LaminiPS/LaminiPS.psd1'))

# The built module's manifest (out/LaminiPS/LaminiPS.psd1), for child runspaces and processes.
function Get-LaminiManifestPath {
    [CmdletBinding()]
    [OutputType([string])]
    param()

    $script:ManifestPath
}

<#
.SYNOPSIS
    Imports the built LaminiPS (unless -TestServerOnly) and the test server's helpers where the calling
    test file's tests run (the global scope), fresh each time: a test file may not see another's state.
#>
function Import-LaminiTestModule {
    [CmdletBinding()]
    param(
        [switch] $TestServerOnly
    )

    if (-not $TestServerOnly) {
        if (-not (Test-Path -LiteralPath $script:ManifestPath)) {
            throw "LaminiPS is not built ('$script:ManifestPath' is missing). Run './build.ps1 -Task Build' first."
        }
        Import-Module $script:ManifestPath -Force -Global
    }
    Import-Module (Join-Path $PSScriptRoot 'LaminiTestServer.psm1') -Force -Global
}

# -BaseUri and -ApiKey of a test server as a splat, with any other parameters the file always passes.
function New-TestConnection {
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory, Position = 0)] [pscustomobject] $Server,
        [Parameter(Position = 1)] [hashtable] $Parameters = @{}
    )

    Join-Splat @{ BaseUri = $Server.BaseUri; ApiKey = $Server.SecureApiKey } $Parameters
}

# A copy of $Splat with $Parameters added; a key in both takes the value from $Parameters.
function Join-Splat {
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory, Position = 0)] [hashtable] $Splat,
        [Parameter(Position = 1)] [hashtable] $Parameters = @{}
    )

    $joined = $Splat.Clone()
    foreach ($key in $Parameters.Keys) { $joined[$key] = $Parameters[$key] }
    $joined
}

# A new empty folder under the temp folder, LaminiPS-<Name>-<guid>; remove it with Remove-TestDirectory.
function New-TestDirectory {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $Name
    )

    $path = Join-Path ([System.IO.Path]::GetTempPath()) ("LaminiPS-$Name-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $path
    $path
}

function Remove-TestDirectory {
    [CmdletBinding()]
    param(
        # Null is accepted because AfterAll runs even when BeforeAll failed before making the folder.
        [Parameter(Mandatory)] [AllowNull()] [AllowEmptyString()] [string] $Path
    )

    if ($Path -and (Test-Path -LiteralPath $Path)) { Remove-Item -LiteralPath $Path -Recurse -Force }
}

# The chat requests the server recorded, oldest first.
function Get-ChatRequest {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [pscustomobject] $Server,
        # Wait until no request is in flight first (see Get-LaminiTestRequest).
        [switch] $Settled
    )

    @(Get-LaminiTestRequest -Server $Server -Path '*/chat/completions' -Settled:$Settled | Sort-Object seq)
}

# Runs a command that must stop with a terminating error, and returns its ErrorRecord.
function Get-Failure {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Command
    )

    try {
        $null = & $Command
    } catch {
        return $_
    }
    throw "The command did not fail: $Command"
}

<#
.SYNOPSIS
    Runs a command and sorts what it wrote, in the order written: All (output and errors), Output
    (what reached the pipeline), Replies (LaminiChatResponse objects), Errors, Verbose (the messages of
    -Verbose), and Sequence: the prompt each reply (its Prompt) or error (its TargetObject) concerns.
    Give the command -ErrorAction Continue: tests/Invoke-Tests.ps1 runs the tests under $ErrorActionPreference = 'Stop'.
#>
function Invoke-Captured {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Command
    )

    $written = @(& $Command 2>&1 4>&1)
    $results = @($written | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
    [pscustomobject]@{
        All      = $results
        Output   = @($results | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        Replies  = @($results | Where-Object { $_ -is [LaminiPS.Models.LaminiChatResponse] })
        Errors   = @($results | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        Verbose  = @($written | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        Sequence = @($results | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.TargetObject } elseif ($_.PSObject.Properties['Prompt']) { $_.Prompt }
            })
    }
}

<#
.SYNOPSIS
    A [powershell] whose runspace (a new one, or -Runspace) has imported the built module, for what
    needs a pipeline of its own: stopping it (Ctrl+C), reading its streams, another host.
#>
function New-ChildShell {
    [CmdletBinding()]
    [OutputType([powershell])]
    param(
        [System.Management.Automation.Runspaces.Runspace] $Runspace
    )

    $shell = [powershell]::Create()
    if ($Runspace) { $shell.Runspace = $Runspace }
    $null = $shell.AddScript('param($Manifest) Import-Module $Manifest').AddArgument($script:ManifestPath).Invoke()
    $shell.Commands.Clear()
    $shell
}

<#
.SYNOPSIS
    Starts a fresh PowerShell process of this one's kind (-NoProfile -NonInteractive, then
    -ArgumentList) with its output read in the background; Wait-FreshPowerShell collects it.
    -Environment adds variables to the child's environment ($null removes one).
#>
function Start-FreshPowerShell {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory
    )

    $exe = (Get-Process -Id $PID).Path
    # Under `dotnet pwsh` (the repository's local tool) the process is dotnet itself, which needs pwsh.dll.
    $arguments = @(if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }) +
        '-NoProfile', '-NonInteractive' + $ArgumentList
    $start = [System.Diagnostics.ProcessStartInfo]::new($exe)
    $start.Arguments = ($arguments | ForEach-Object { ConvertTo-ProcessArgument $_ }) -join ' '
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    if ($WorkingDirectory) { $start.WorkingDirectory = $WorkingDirectory }
    foreach ($entry in $Environment.GetEnumerator()) {
        if ($null -eq $entry.Value) { $null = $start.Environment.Remove($entry.Key) } else { $start.Environment[$entry.Key] = [string]$entry.Value }
    }
    $process = [System.Diagnostics.Process]::Start($start)
    [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
}

# Waits for a Start-FreshPowerShell process (killed after -TimeoutSec): its ExitCode, Output and Errors text.
function Wait-FreshPowerShell {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory, Position = 0)] [pscustomobject] $Started,
        [int] $TimeoutSec = 120
    )

    if (-not $Started.Process.WaitForExit($TimeoutSec * 1000)) { $Started.Process.Kill() }
    $Started.Process.WaitForExit()
    [pscustomobject]@{ ExitCode = $Started.Process.ExitCode; Output = $Started.Output.Result; Errors = $Started.Errors.Result }
}

<#
.SYNOPSIS
    What is wrong with the punctuation of a message built by joining sentences: a sentence that ends twice
    ('..', '. .', '?).') or inside a clause ('.);', '.).'), or an end without exactly one terminal mark.
    Nothing when the message reads right. Parentheses are looked through, so '(text.).' counts as '..'.
#>
function Get-PunctuationFault {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Message
    )

    $flat = $Message -replace '[()]', ''
    if ($flat -match '[.!?\u2026]\s*[.!?;:,]') { "a sentence ends twice or inside a clause at '$($Matches[0])' in: $Message" }
    if ($flat -notmatch '[^.!?\u2026\s][.!?\u2026]$') { "it does not end with exactly one terminal punctuation mark: $Message" }
}

# JSON text with insignificant whitespace removed and member order kept, for comparing bodies.
function Format-Json {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Json
    )

    $parsed = ConvertFrom-Json -InputObject $Json
    # PowerShell 7 unrolls a parsed array; an array stays one however many items it has.
    if ($Json.TrimStart().StartsWith('[')) { $parsed = @($parsed) }
    ConvertTo-CompactJson $parsed
}

# A value as compact JSON, member order kept.
function ConvertTo-CompactJson {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0)] [AllowNull()] [object] $Value
    )

    ConvertTo-Json -InputObject $Value -Depth 20 -Compress
}

Export-ModuleMember -Function Get-LaminiManifestPath, Import-LaminiTestModule, New-TestConnection, Join-Splat,
    New-TestDirectory, Remove-TestDirectory, Get-ChatRequest, Get-Failure, Invoke-Captured, New-ChildShell,
    Start-FreshPowerShell, Wait-FreshPowerShell, Get-PunctuationFault, Format-Json, ConvertTo-CompactJson
