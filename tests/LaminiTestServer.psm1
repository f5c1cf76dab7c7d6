# Starts, scripts and inspects the LaminiPS test server (tests/TestServer) for the Pester suites.
# The server must already be built into out/testserver; see tests/TestServer/Program.cs for its
# command line and tests/TestServer/Behavior.cs for what a behaviour can do.

Set-StrictMode -Version 3.0

$script:RepoRoot = Split-Path -Parent $PSScriptRoot

function Start-LaminiTestServer {
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [string] $ApiKey = 'lamini-test-key-0123456789',
        # Serve HTTPS with a self-signed certificate made in memory at startup (PowerShell 7 only:
        # the admin calls need Invoke-RestMethod -SkipCertificateCheck).
        [switch] $Https
    )

    $dll = Join-Path $script:RepoRoot 'out/testserver/TestServer.dll'
    if (-not (Test-Path -LiteralPath $dll)) {
        throw "The test server is not built ('$dll' is missing). Run './build.ps1 -Task Build' (or -Task Test) first."
    }

    $startInfo = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $scheme = if ($Https) { 'https' } else { 'http' }
    $startInfo.Arguments = @(
        (ConvertTo-ProcessArgument $dll)
        '--urls', "${scheme}://127.0.0.1:0"
        '--api-key', (ConvertTo-ProcessArgument $ApiKey)
        '--fixtures', (ConvertTo-ProcessArgument (Join-Path $PSScriptRoot 'fixtures'))
        if ($Https) { '--https', 'true' }
    ) -join ' '
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    # stdin stays open: the server exits when it closes, so even a crashed run leaves nothing behind.
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true

    $process = [System.Diagnostics.Process]::Start($startInfo)
    $stderr = $process.StandardError.ReadToEndAsync()
    $firstLine = $process.StandardOutput.ReadLineAsync()
    $timeoutMs = 30000
    $line = if ($firstLine.Wait($timeoutMs)) { $firstLine.Result } else { $null }
    $listening = [regex]::Match([string]$line, '^LISTENING (https?://\S+)$')
    if (-not $listening.Success) {
        if (-not $process.HasExited) { $process.Kill() }
        $process.WaitForExit()
        $reason = if (-not $firstLine.IsCompleted) { "it did not listen within $($timeoutMs / 1000) s" }
            elseif ($null -eq $line) { "it exited with code $($process.ExitCode)" }
            else { "it printed '$line'" }
        throw "The test server failed to start: $reason. $($stderr.Result)".Trim()
    }
    # Nothing else is expected on stdout; draining it keeps a chatty server from ever blocking.
    $null = $process.StandardOutput.ReadToEndAsync()

    $root = [uri]::new($listening.Groups[1].Value.TrimEnd('/') + '/')
    [pscustomobject]@{
        BaseUri      = [uri]::new($root, 'inf')
        RootUri      = $root
        ApiKey       = $ApiKey
        SecureApiKey = ConvertTo-SecureString -String $ApiKey -AsPlainText -Force
        Https        = [bool]$Https
        Process      = $process
    }
}

function Stop-LaminiTestServer {
    [CmdletBinding()]
    param(
        # Null is accepted because AfterAll runs even when BeforeAll failed to start the server.
        [Parameter(Mandatory)] [AllowNull()] [pscustomobject] $Server
    )

    if ($null -eq $Server) { return }
    $process = $Server.Process
    try {
        # Closing stdin is the server's cue to exit.
        $process.StandardInput.Close()
    } catch [System.IO.IOException] {
        Write-Verbose "The test server had already gone: $($_.Exception.Message)"
    }
    if (-not $process.WaitForExit(5000)) {
        $process.Kill()
        $process.WaitForExit()
    }
    $process.Dispose()
}

function Reset-LaminiTestServer {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server
    )

    $null = Invoke-LaminiTestAdmin -Server $Server -Method Post -Path 'reset'
}

function Add-LaminiTestBehavior {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server,
        # Hashtables or [ordered] dictionaries; see tests/TestServer/Behavior.cs for the fields.
        [Parameter(Mandatory)] [System.Collections.IDictionary[]] $Behavior
    )

    # -InputObject keeps a single behaviour an array, which the server accepts as well.
    $json = ConvertTo-Json -InputObject $Behavior -Depth 20 -Compress
    $null = Invoke-LaminiTestAdmin -Server $Server -Method Post -Path 'behaviors' -Body $json
}

function Get-LaminiTestRequest {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server,
        # A wildcard on the request path, e.g. '*/chat/completions'.
        [string] $Path = '*',
        # First wait (up to 5 s) until no request is in flight: a client can see its answer, or give
        # up, a moment before the server records the request's end (completedAt, clientAborted).
        [switch] $Settled
    )

    if ($Settled) {
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ((Get-LaminiTestStats -Server $Server).inFlight -gt 0 -and [datetime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 20
        }
    }

    foreach ($record in (Invoke-LaminiTestAdmin -Server $Server -Method Get -Path 'requests')) {
        if ($record.path -notlike $Path) { continue }
        $record.receivedAt = ConvertTo-DateTimeOffset $record.receivedAt
        $record.completedAt = ConvertTo-DateTimeOffset $record.completedAt
        $record.eventTimes = [DateTimeOffset[]]@($record.eventTimes | ForEach-Object { ConvertTo-DateTimeOffset $_ })
        $json = $null
        if ($record.body) {
            try {
                $json = ConvertFrom-Json -InputObject $record.body -ErrorAction Stop
            } catch {
                Write-Verbose "Request $($record.seq) has a body that is not JSON."
            }
        }
        $record | Add-Member -NotePropertyName Json -NotePropertyValue $json -PassThru
    }
}

function Get-LaminiTestStats {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server
    )

    Invoke-LaminiTestAdmin -Server $Server -Method Get -Path 'stats'
}

function Get-LaminiTestProxy {
    <#
    .SYNOPSIS
        The server's authenticating proxy: Url, and Attempts (method, target, scheme, user, accepted)
        for every request it was sent since the last Set-LaminiTestProxy.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server
    )

    $proxy = Invoke-LaminiTestAdmin -Server $Server -Method Get -Path 'proxy'
    [pscustomobject]@{ Url = [uri]$proxy.url; Attempts = @($proxy.attempts) }
}

function Set-LaminiTestProxy {
    <#
    .SYNOPSIS
        Sets the Basic login the proxy asks for (no -User: it lets everyone through) and forgets its attempts.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server,
        [string] $User,
        [string] $Password
    )

    $login = if ($User) { @{ user = $User; password = $Password } } else { @{} }
    $null = Invoke-LaminiTestAdmin -Server $Server -Method Post -Path 'proxy' -Body (ConvertTo-Json -InputObject $login -Compress)
}

function Get-LaminiTestUnreachableUri {
    <#
    .SYNOPSIS
        A loopback http:// address whose connection attempts are dropped, never accepted or refused.
    #>
    [CmdletBinding()]
    [OutputType([uri])]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server
    )

    [uri](Invoke-LaminiTestAdmin -Server $Server -Method Get -Path 'unreachable').url
}

<#
.SYNOPSIS
    A base URI of the server's API that no other call returned (/_fresh/<guid>/inf): the same API at a
    new address, so what the module caches per base URI (completion's model list) starts empty.
#>
function Get-LaminiTestFreshUri {
    [CmdletBinding()]
    [OutputType([uri])]
    param(
        [Parameter(Mandatory)] [pscustomobject] $Server
    )

    [uri]::new($Server.RootUri, "_fresh/$([guid]::NewGuid().ToString('N'))/inf")
}

function Invoke-LaminiTestAdmin {
    param(
        [pscustomobject] $Server,
        [string] $Method,
        [string] $Path,
        [string] $Body
    )

    $request = @{
        Uri    = [uri]::new($Server.RootUri, "_admin/$Path")
        Method = $Method
    }
    if ($Body) {
        # Bytes, so Windows PowerShell does not re-encode non-ASCII text.
        $request.Body = [System.Text.Encoding]::UTF8.GetBytes($Body)
        $request.ContentType = 'application/json'
    }
    if ($PSVersionTable.PSVersion.Major -ge 7) {
        $request.NoProxy = $true
    }
    if ($Server.PSObject.Properties['Https'] -and $Server.Https) {
        # The server's certificate is self-signed; only PowerShell 7 can be told to accept it for one call.
        if ($PSVersionTable.PSVersion.Major -ge 7) {
            $request.SkipCertificateCheck = $true
        } else {
            throw 'The HTTPS test server needs PowerShell 7: Windows PowerShell 5.1 cannot skip the certificate check of one call.'
        }
    }
    try {
        Invoke-RestMethod @request
    } catch {
        # A refused behaviour comes back as a 400 whose body says what is wrong with it.
        $detail = if ($_.ErrorDetails) { $_.ErrorDetails.Message } else { $_.Exception.Message }
        throw "Test server admin call '$Path' failed: $detail"
    }
}

# The environment variables through which a user's own Lamini settings could reach a test.
$script:SettingVariables = 'LAMINI_API_KEY', 'LAMINI_API_URL', 'LAMINI_MODEL', 'HOME', 'USERPROFILE'

<#
.SYNOPSIS
    Isolates the next test from the user's own Lamini settings: clears LAMINI_API_KEY,
    LAMINI_API_URL and LAMINI_MODEL and points HOME (and USERPROFILE) at a new empty folder under -Root, so the only
    configure.yaml is one the test writes (Set-LaminiTestConfig). Returns the values it replaced,
    for Restore-LaminiTestEnvironment.
#>
function Enter-LaminiTestEnvironment {
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)] [string] $Root
    )

    $saved = @{}
    foreach ($name in $script:SettingVariables) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:LAMINI_API_KEY = $null
    $env:LAMINI_API_URL = $null
    $env:LAMINI_MODEL = $null
    $folder = Join-Path $Root ([guid]::NewGuid())
    $null = New-Item -ItemType Directory -Path $folder
    $env:HOME = $folder
    $env:USERPROFILE = $folder
    $saved
}

function Restore-LaminiTestEnvironment {
    [CmdletBinding()]
    param(
        # What Enter-LaminiTestEnvironment returned; null (a failed BeforeEach) restores nothing.
        [Parameter(Mandatory)] [AllowNull()] [hashtable] $Saved
    )

    if ($null -eq $Saved) { return }
    foreach ($name in $Saved.Keys) {
        [Environment]::SetEnvironmentVariable($name, $Saved[$name])
    }
}

# Writes ~/.lamini/configure.yaml under the current HOME, exactly as given; returns its path.
function Set-LaminiTestConfig {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Text
    )

    $dir = Join-Path $env:HOME '.lamini'
    $null = New-Item -ItemType Directory -Path $dir -Force
    $path = Join-Path $dir 'configure.yaml'
    [System.IO.File]::WriteAllText($path, $Text)
    $path
}

# PowerShell 7 turns ISO dates in JSON into [datetime] already; Windows PowerShell leaves strings.
function ConvertTo-DateTimeOffset([object] $Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [datetime]) { return [DateTimeOffset]$Value.ToUniversalTime() }
    [DateTimeOffset]::Parse($Value, [System.Globalization.CultureInfo]::InvariantCulture,
        [System.Globalization.DateTimeStyles]::AssumeUniversal)
}

# Quotes one argument for ProcessStartInfo.Arguments (Windows PowerShell has no ArgumentList).
function ConvertTo-ProcessArgument([string] $Value) {
    '"' + ($Value -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"'
}

<#
.SYNOPSIS
    The PowerShell blocks of README.md marked `<!-- runnable -->` (optionally `<!-- runnable: {json} -->`,
    a server behaviour the example needs), so the README tests and the demo run the same examples;
    -Marker names another marker, such as `<!-- report recipe -->`.
#>
function Get-ReadmeExample {
    param(
        [string] $Path = (Join-Path $PSScriptRoot '../README.md'),
        # Only the blocks under this '## ' heading.
        [string] $Section,
        [string] $Marker = 'runnable'
    )
    $readme = Get-Content -Raw -LiteralPath $Path
    $pattern = '(?ms)^<!-- ' + [regex]::Escape($Marker) + '(?::\s*(?<behavior>\{.*?\}))?\s*-->\s*\r?\n```powershell\r?\n(?<code>.*?)^```'
    foreach ($match in [regex]::Matches($readme, $pattern)) {
        $before = $readme.Substring(0, $match.Index)
        $heading = [regex]::Matches($before, '(?m)^## (.+?)\s*$') | Select-Object -Last 1
        if ($Section -and (-not $heading -or $heading.Groups[1].Value -ne $Section)) { continue }
        # A hashtable for Add-LaminiTestBehavior, built without -AsHashtable so 5.1 can run it too.
        $behavior = $null
        if ($match.Groups['behavior'].Success) {
            $behavior = @{}
            ($match.Groups['behavior'].Value | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $behavior[$_.Name] = $_.Value }
        }
        [pscustomobject]@{
            Code     = $match.Groups['code'].Value
            Behavior = $behavior
            Line     = ($before -split "`n").Count
            Section  = if ($heading) { $heading.Groups[1].Value } else { '' }
        }
    }
}

Export-ModuleMember -Function Start-LaminiTestServer, Stop-LaminiTestServer, Reset-LaminiTestServer,
    Add-LaminiTestBehavior, Get-LaminiTestRequest, Get-LaminiTestStats, Get-ReadmeExample,
    Enter-LaminiTestEnvironment, Restore-LaminiTestEnvironment, Set-LaminiTestConfig,
    Get-LaminiTestProxy, Set-LaminiTestProxy, Get-LaminiTestUnreachableUri, Get-LaminiTestFreshUri, ConvertTo-ProcessArgument
