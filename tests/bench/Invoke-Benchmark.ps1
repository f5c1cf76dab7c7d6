<#
.SYNOPSIS
    Measures LaminiPS against its baselines on the local test server and writes out/bench.md.

.DESCRIPTION
    Six measures, each a median over repeated runs shown next to its baseline and the ratio; the
    baseline is always measured in the same run (machines here are shared and noisy, so only ratios
    are comparable between runs). Warm-ups are never timed. Every contender talks to the same test
    server with the same request bodies.

      1. Import cost      fresh `pwsh -NoProfile` importing LaminiPS vs one importing an empty
                          one-cmdlet binary module built here (the goal), and vs one that only exits
      2. Per-request      1,000 sequential chats at zero delay: piped into one Invoke-LaminiChat
                          -ThrottleLimit 1, and as separate calls in a foreach, vs the floor (a raw
                          HttpClient loop in C# plus a no-op binary cmdlet pipeline, both in this
                          process, warmed up as long as LaminiPS, then until the JIT settles) and a
                          plain Invoke-RestMethod loop; rounds repeat until the floor's median settles
                          (CPU time, allocations, JIT compilations and thread sleeps are counted too)
      3. Concurrency      200 prompts at a fixed 100 ms server delay, -ThrottleLimit 1/5/20,
                          vs the ideal count x delay / limit
      4. Stream latency   server writes the first event -> first text piece in the pipeline,
                          vs a raw-socket reader in C#; and first piece vs the whole reply
      5. Memory           managed heap after a full collection half-way through 10,000 prompts vs
                          100, and peak working set (fresh processes), also of the floor
      6. Tool definitions a call with -Tool (Get-Date, Get-ChildItem, Get-Process) vs the same call
                          with the same tools as JSON text (the goal), and vs one without -Tool

    Expects the module and the test server built (build.ps1 -Task Build); builds the C# floors
    (tests/bench/Floors) and the empty module (tests/bench/EmptyModule) into out/bench itself.
    `build.ps1 -Task Bench` does both. The C# floors run inside this process, on the same runtime
    and JIT as LaminiPS, after as many warm-up requests.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench

.EXAMPLE
    dotnet pwsh ./tests/bench/Invoke-Benchmark.ps1 -OverheadRuns 2 -RequestCount 200 -ConcurrencyRuns 1
    A quick, smaller run while developing.
#>
#Requires -Version 7.2
[CmdletBinding()]
param(
    # 1. Fresh processes per contender (alternating), after one untimed warm-up each.
    [ValidateRange(1, 100)] [int] $ImportRuns = 7,

    # 2. Requests per run, untimed warm-up requests per contender (tiered JIT needs thousands),
    #    then untimed rounds of the floor and the piped contender until the JIT settles (a round
    #    compiles at most JitSettledMethods methods; at most MaxSettleRounds rounds), and timed
    #    rounds: at least OverheadRuns, more (up to MaxOverheadRuns) until the floor's median moves
    #    less than 3 % in a round. Contenders alternate within a round.
    [ValidateRange(1, 100000)] [int] $RequestCount = 1000,
    [ValidateRange(0, 100000)] [int] $WarmupRequests = 5000,
    [ValidateRange(0, 100000)] [int] $JitSettledMethods = 5,
    [ValidateRange(0, 1000)] [int] $MaxSettleRounds = 60,
    [ValidateRange(1, 100)] [int] $OverheadRuns = 5,
    [ValidateRange(1, 100)] [int] $MaxOverheadRuns = 12,

    # 3. Prompts per batch, the server's delay, the limits compared and timed runs per limit
    #    (2 by default: -ThrottleLimit 1 alone takes 20 s a run; the median of two is their mean).
    [ValidateRange(1, 100000)] [int] $ConcurrencyCount = 200,
    [ValidateRange(1, 10000)] [int] $ConcurrencyDelayMs = 100,
    [ValidateRange(1, 64)] [int[]] $ThrottleLimit = @(1, 5, 20),
    [ValidateRange(1, 100)] [int] $ConcurrencyRuns = 2,

    # 4. Timed streams per contender; each reply is one immediate event then StreamPieces more
    #    text pieces, a finish and a usage event and [DONE], StreamEventDelayMs apart (>= 1 s in all).
    [ValidateRange(1, 100)] [int] $StreamRuns = 7,
    [ValidateRange(1, 10000)] [int] $StreamWarmups = 50,
    [ValidateRange(1, 1000)] [int] $StreamPieces = 20,
    [ValidateRange(1, 10000)] [int] $StreamEventDelayMs = 50,

    # 5. Prompts through the pipeline in the large and the small process, and processes of each.
    [ValidateRange(1, 1000000)] [int] $MemoryLargeCount = 10000,
    [ValidateRange(1, 1000000)] [int] $MemorySmallCount = 100,
    [ValidateRange(1, 100)] [int] $MemoryRuns = 3,

    # 6. Timed calls per contender (alternating), after as many untimed calls of each.
    [ValidateRange(1, 1000)] [int] $ToolRuns = 30,

    # A correctness check run alongside (issue 6): this many prompts at -ThrottleLimit 20 against a
    # zero-delay server must all come back, in input order. 0 skips it.
    [ValidateRange(0, 1000000)] [int] $OrderCheckCount = 5000,

    # Where the Markdown table goes.
    [string] $OutputPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$OutDir = Join-Path $RepoRoot 'out'
$ModuleManifest = Join-Path $OutDir 'LaminiPS/LaminiPS.psd1'
$BenchDir = Join-Path $OutDir 'bench'
$FloorsDll = Join-Path $BenchDir 'LaminiBench.Floors.dll'
$EmptyModuleDir = Join-Path $BenchDir 'EmptyModule'
$EmptyManifest = Join-Path $EmptyModuleDir 'LaminiBench.EmptyModule.psd1'
if (-not $OutputPath) { $OutputPath = Join-Path $OutDir 'bench.md' }
$Model = 'meta-llama/Llama-3.2-3B-Instruct'   # LaminiPS's default model; every contender sends it
$Started = [System.Diagnostics.Stopwatch]::StartNew()

function Write-Step([string] $Message) {
    Write-Host ("==> [{0,5:0}s] {1}" -f $Started.Elapsed.TotalSeconds, $Message) -ForegroundColor Cyan
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count -eq 0) { return [double]::NaN }
    $middle = [math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { return $sorted[$middle] }
    ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

# How to start a fresh PowerShell of this same version: under `dotnet pwsh` the process is dotnet.
function Get-FreshPowerShell {
    $exe = (Get-Process -Id $PID).Path
    $arguments = [System.Collections.Generic.List[string]]::new()
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $arguments.Add((Join-Path $PSHOME 'pwsh.dll'))
    }
    $arguments.AddRange([string[]]@('-NoProfile', '-NonInteractive'))
    [pscustomobject]@{ FilePath = $exe; Arguments = [string[]]$arguments }
}

# A command line as someone would type it into a POSIX shell.
function Format-CommandLine([string] $FilePath, [string[]] $Arguments) {
    $quoted = foreach ($a in @($FilePath) + $Arguments) {
        if ($a -match '^[\w./:=@%+,-]+$') { $a } else { "'" + ($a -replace "'", "'\''") + "'" }
    }
    $quoted -join ' '
}

# Runs a process to completion; returns its wall time (ms) and stdout. Throws when it fails.
function Invoke-Timed([string] $FilePath, [string[]] $Arguments) {
    $info = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($info)
    $process.StandardInput.Close()
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    $watch.Stop()
    $code = $process.ExitCode
    $process.Dispose()
    if ($code -ne 0) {
        throw "'$(Format-CommandLine $FilePath $Arguments)' failed with exit code ${code}: $($stderr.Result) $($stdout.Result)".Trim()
    }
    [pscustomobject]@{ Ms = $watch.Elapsed.TotalMilliseconds; Output = $stdout.Result }
}

function Read-Field([string] $Text, [string] $Name) {
    $match = [regex]::Match($Text, "(?m)\b$Name (\S+)")
    if (-not $match.Success) { throw "Expected '$Name <value>' in: $Text" }
    $match.Groups[1].Value
}

# One timed in-process run of a contender's code, after a full collection (not counted); returns
# ms, what it wrote, and what the process spent on it: CPU time, bytes allocated, methods the JIT
# compiled and thread sleeps. The counters are read in that order around the stopwatch, so reading
# one is not counted in another.
function Measure-Contender([scriptblock] $Code) {
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    $sleeps0 = Get-ThreadSleepCount; $jit0 = Get-JitCompiledCount; $alloc0 = [GC]::GetTotalAllocatedBytes($true); $cpu0 = Get-ProcessCpuTime
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $result = & $Code
    $watch.Stop()
    $cpu1 = Get-ProcessCpuTime; $alloc1 = [GC]::GetTotalAllocatedBytes($true); $jit1 = Get-JitCompiledCount; $sleeps1 = Get-ThreadSleepCount
    [pscustomobject]@{
        Ms = $watch.Elapsed.TotalMilliseconds; Result = $result
        CpuUs = ($cpu1 - $cpu0).TotalMilliseconds * 1000; Allocated = $alloc1 - $alloc0; Jitted = $jit1 - $jit0; Sleeps = $sleeps1 - $sleeps0
    }
}

# CPU time of this whole process. Environment.CpuUsage (.NET 9+) is exact to the microsecond;
# Process.TotalProcessorTime counts in scheduler ticks (10 ms on Linux), 10 us per request in 1,000.
function Get-ProcessCpuTime {
    if ($script:HasCpuUsage) { return [Environment]::CpuUsage.TotalTime }
    $script:ThisProcess.Refresh()
    $script:ThisProcess.TotalProcessorTime
}
$HasCpuUsage = $null -ne [Environment].GetProperty('CpuUsage')
$ThisProcess = [System.Diagnostics.Process]::GetCurrentProcess()

# How often this process's threads went to sleep waiting (voluntary context switches, Linux): each
# hand-off to a thread that had to be woken costs one. NaN where /proc is not there to tell.
function Get-ThreadSleepCount {
    if (-not (Test-Path -LiteralPath /proc/self/task)) { return [double]::NaN }
    $count = 0.0
    foreach ($task in [System.IO.Directory]::GetDirectories('/proc/self/task')) {
        try {
            foreach ($line in [System.IO.File]::ReadAllLines("$task/status")) {
                if ($line.StartsWith('voluntary_ctxt_switches:')) { $count += [double]$line.Substring(24).Trim() }
            }
        } catch [System.IO.IOException] {
            # The thread ended while being read; its sleeps are gone with it.
        }
    }
    $count
}

function Get-JitCompiledCount { [System.Runtime.JitInfo]::GetCompiledMethodCount($false) }

function Assert-InOrder([object[]] $Replies, [string[]] $Prompts, [string] $What) {
    if ($Replies.Count -ne $Prompts.Count) { throw "${What}: $($Replies.Count) replies for $($Prompts.Count) prompts." }
    for ($i = 0; $i -lt $Prompts.Count; $i++) {
        if ($Replies[$i].Content -ne "Echo: $($Prompts[$i])") {
            throw "${What}: reply $i is '$($Replies[$i].Content)', expected 'Echo: $($Prompts[$i])'."
        }
    }
}

# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------
foreach ($needed in $ModuleManifest, (Join-Path $OutDir 'testserver/TestServer.dll')) {
    if (-not (Test-Path -LiteralPath $needed)) {
        throw "'$needed' is missing; run 'dotnet pwsh ./build.ps1 -Task Build' first (or -Task Bench)."
    }
}

Write-Step "Building the C# floors and the empty module (tests/bench/Floors, EmptyModule) into $BenchDir"
& dotnet build (Join-Path $PSScriptRoot 'Floors') -c Release -o $BenchDir -nologo -v q -clp:NoSummary
if ($LASTEXITCODE -ne 0) { throw "Building tests/bench/Floors failed (exit code $LASTEXITCODE)." }
& dotnet build (Join-Path $PSScriptRoot 'EmptyModule') -c Release -o $EmptyModuleDir -nologo -v q -clp:NoSummary
if ($LASTEXITCODE -ne 0) { throw "Building tests/bench/EmptyModule failed (exit code $LASTEXITCODE)." }
# A manifest shaped like LaminiPS's, naming the one DLL and its one cmdlet.
New-ModuleManifest -Path $EmptyManifest -RootModule 'LaminiBench.EmptyModule.dll' -ModuleVersion '1.0.0' `
    -CmdletsToExport 'Test-BenchNoOp' -FunctionsToExport @() -AliasesToExport @() -VariablesToExport @() `
    -CompatiblePSEditions 'Desktop', 'Core' -PowerShellVersion '5.1'
Add-Type -Path $FloorsDll

$Shell = Get-FreshPowerShell
$Machine = [ordered]@{
    Date       = [DateTimeOffset]::UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", [cultureinfo]::InvariantCulture)
    Cores      = if (Get-Command nproc -ErrorAction Ignore) { (& nproc).Trim() } else { [Environment]::ProcessorCount }
    OS         = [System.Runtime.InteropServices.RuntimeInformation]::OSDescription
    PowerShell = "$($PSVersionTable.PSVersion) on $([System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription)"
    LaminiPS   = (Import-PowerShellDataFile -LiteralPath (Join-Path $RepoRoot 'LaminiPS.psd1')).ModuleVersion
    Commit     = $(try { [string](& git -C $RepoRoot rev-parse --short HEAD 2>$null) } catch { '' })
    LoadAvg    = if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' }
}
if ($IsLinux) { $Machine.OS = "$($Machine.OS), kernel $((& uname -r).Trim())" }

Import-Module (Join-Path $RepoRoot 'tests/LaminiTestServer.psm1')
Import-Module $ModuleManifest
Import-Module $EmptyManifest
$server = Start-LaminiTestServer
$rows = [System.Collections.Generic.List[object]]::new()
$notes = [System.Collections.Generic.List[string]]::new()
$commands = [System.Collections.Generic.List[string]]::new()
$samples = [System.Collections.Generic.List[string]]::new()

function Add-Row {
    param([string] $Measure, [string] $Baseline, [double] $BaselineValue, [string] $Contender,
        [double] $Value, [string] $Unit, [string] $Goal, [Nullable[bool]] $Met, [double] $Ratio = [double]::NaN)
    if ([double]::IsNaN($Ratio) -and $BaselineValue -gt 0) { $Ratio = $Value / $BaselineValue }
    $format = if ($Unit -eq 'MB') { '{0:N1} MB' } elseif ([math]::Min($BaselineValue, $Value) -lt 10) { '{0:N2} ms' } else { '{0:N0} ms' }
    $rows.Add([pscustomobject]@{
            Measure    = $Measure
            Baseline   = $Baseline
            'Baseline value' = $format -f $BaselineValue
            LaminiPS   = $Contender
            'LaminiPS value' = $format -f $Value
            # A baseline of zero or less (a floor within the clocks' error) has no meaningful ratio.
            Ratio      = if ([double]::IsNaN($Ratio)) { 'n/a (baseline <= 0)' } else { '{0:N2}x' -f $Ratio }
            Goal       = $Goal
            'Goal met' = if ($null -eq $Met) { 'n/a' } elseif ($Met) { 'yes' } else { '**no**' }
        })
}

# The scripted replies every section uses; Reset clears records and behaviours, so each section
# starts from this same state (and the server's request log stays small).
$Chunk = {
    param([hashtable] $Delta, $FinishReason = $null)
    ConvertTo-Json -Compress -Depth 10 -InputObject ([ordered]@{
            id = 'chatcmpl-bench'; object = 'chat.completion.chunk'; created = 1767225600; model = $Model
            choices = @([ordered]@{ index = 0; delta = $Delta; finish_reason = $FinishReason })
        })
}
$streamEvents = [System.Collections.Generic.List[object]]::new()
# Every event, the first (which carries the first text) included, comes StreamEventDelayMs after the
# one before, as tokens do: each client is already waiting on the stream when its first piece comes.
$streamEvents.Add(@{ data = (& $Chunk @{ role = 'assistant'; content = 'Llamas' }) })
foreach ($i in 1..$StreamPieces) { $streamEvents.Add(@{ data = (& $Chunk @{ content = " word$i" }) }) }
$streamEvents.Add(@{ data = (& $Chunk @{} 'stop') })
$streamEvents.Add(@{ data = (ConvertTo-Json -Compress -InputObject ([ordered]@{
                id = 'chatcmpl-bench'; object = 'chat.completion.chunk'; created = 1767225600; model = $Model; choices = @()
                usage = [ordered]@{ prompt_tokens = 4; completion_tokens = $StreamPieces + 1; total_tokens = $StreamPieces + 5 } })) })
$streamEvents.Add(@{ data = '[DONE]' })
$ProbePrompt = 'Stream latency probe'
$WarmPrompt = 'Stream warm-up'
$DelayedMarker = 'Delayed prompt'

function Reset-Bench {
    Reset-LaminiTestServer -Server $server
    Add-LaminiTestBehavior -Server $server -Behavior @(
        @{ match = $ProbePrompt; times = -1; sse = $streamEvents; sseEventDelayMs = $StreamEventDelayMs }
        @{ match = $WarmPrompt; times = -1; sse = $streamEvents }
        @{ match = $DelayedMarker; times = -1; delayMs = $ConcurrencyDelayMs }
    )
}

$Setup = @"
Import-Module ./tests/LaminiTestServer.psm1; Import-Module ./out/LaminiPS/LaminiPS.psd1
`$server = Start-LaminiTestServer
`$common = @{ BaseUri = `$server.BaseUri; ApiKey = `$server.SecureApiKey }
"@

try {
    # -----------------------------------------------------------------------------------------
    # 1. Import cost
    # -----------------------------------------------------------------------------------------
    Write-Step "1/6 Import cost: $ImportRuns fresh processes each of 3 contenders, rotating"
    $quote = { param([string] $Path) "'" + ($Path -replace "'", "''") + "'" }
    $importArgs = [ordered]@{
        bare     = [string[]]($Shell.Arguments + @('-Command', 'exit'))
        empty    = [string[]]($Shell.Arguments + @('-Command', "Import-Module $(& $quote $EmptyManifest); exit"))
        laminips = [string[]]($Shell.Arguments + @('-Command', "Import-Module $(& $quote $ModuleManifest); exit"))
    }
    $imports = @{}
    foreach ($name in $importArgs.Keys) {
        $imports[$name] = [System.Collections.Generic.List[double]]::new()
        $null = Invoke-Timed $Shell.FilePath $importArgs[$name]    # warm-up: disk cache, not timed
    }
    $importOrder = @($importArgs.Keys)
    for ($run = 0; $run -lt $ImportRuns; $run++) {
        # Rotate who goes first, so a burst of load elsewhere hits every contender alike.
        for ($k = 0; $k -lt $importOrder.Count; $k++) {
            $name = $importOrder[($k + $run) % $importOrder.Count]
            $imports[$name].Add((Invoke-Timed $Shell.FilePath $importArgs[$name]).Ms)
        }
    }
    $im = @{}; foreach ($name in $imports.Keys) { $im[$name] = Get-Median $imports[$name] }
    Add-Row '1a. Import cost (process start to exit)' 'Import-Module of an empty one-cmdlet binary module' $im.empty 'Import-Module LaminiPS' $im.laminips 'ms' '<= 1.05x' (($im.laminips / $im.empty) -le 1.05)
    Add-Row '1b. Import cost (process start to exit)' 'pwsh -NoProfile, exit' $im.bare 'Import-Module LaminiPS' $im.laminips 'ms' '(info)' $null
    Add-Row '1c. Import cost (process start to exit)' 'pwsh -NoProfile, exit' $im.bare 'Import-Module of the empty module' $im.empty 'ms' '(info)' $null
    $commands.Add("**1. Import cost** (wall time of the whole process, $ImportRuns runs each, rotating, after one untimed run each; the empty module is tests/bench/EmptyModule, one pass-through cmdlet, built like LaminiPS):")
    $commands.Add('```sh')
    foreach ($name in $importArgs.Keys) { $commands.Add(((Format-CommandLine $Shell.FilePath $importArgs[$name]) -replace [regex]::Escape($RepoRoot + '/'), './')) }
    $commands.Add('```')
    foreach ($name in $importArgs.Keys) { $samples.Add("Import cost, $name (ms): $(($imports[$name] | ForEach-Object { '{0:N0}' -f $_ }) -join ', ')") }

    # -----------------------------------------------------------------------------------------
    # 2. Per-request overhead
    # -----------------------------------------------------------------------------------------
    Write-Step "2/6 Per-request overhead: $RequestCount sequential chats, $WarmupRequests warm-up each, $OverheadRuns-$MaxOverheadRuns rounds of 5 contenders"
    Reset-Bench
    $common = @{ BaseUri = $server.BaseUri; ApiKey = $server.SecureApiKey }
    $prompts = [string[]](1..$RequestCount | ForEach-Object { "Prompt $_" })
    $irmUri = "$($server.BaseUri.AbsoluteUri.TrimEnd('/'))/chat/completions"
    $irmHeaders = @{ Authorization = "Bearer $($server.ApiKey)" }
    $model = $Model
    $loop = [LaminiBench.RawChatLoop]::new($server.BaseUri, $server.ApiKey, $Model)

    # The exact code timed; printed as is in the report. Both pipelines end in the same ForEach-Object.
    $contenders = [ordered]@{
        raw     = '$replies = $loop.Run($prompts)'
        noop    = '$replies = [System.Collections.Generic.List[object]]::new(); $prompts | Test-BenchNoOp | ForEach-Object { $replies.Add($_) }'
        piped   = '$replies = [System.Collections.Generic.List[object]]::new(); $prompts | Invoke-LaminiChat -ThrottleLimit 1 @common | ForEach-Object { $replies.Add($_) }'
        foreach = '$replies = foreach ($p in $prompts) { Invoke-LaminiChat $p @common }'
        irm     = @'
$replies = foreach ($p in $prompts) {
    $body = ConvertTo-Json -Compress -InputObject ([ordered]@{ model = $model; messages = @(@{ role = 'user'; content = $p }) })
    Invoke-RestMethod -Uri $irmUri -Method Post -Headers $irmHeaders -ContentType 'application/json' -Body $body
}
'@
    }
    $blocks = @{}; $times = @{}; $cpu = @{}; $alloc = @{}; $jitted = @{}; $sleeps = @{}
    foreach ($name in $contenders.Keys) {
        $blocks[$name] = [scriptblock]::Create($contenders[$name] + "`n" + ', $replies')
        foreach ($series in $times, $cpu, $alloc, $jitted, $sleeps) { $series[$name] = [System.Collections.Generic.List[double]]::new() }
    }

    # Warm-up (not timed): tiered JIT, the first connection, the module's client cache. The slow
    # PowerShell-only contenders get a tenth as many.
    $all = $prompts
    foreach ($name in $contenders.Keys) {
        $count = if ($name -in 'foreach', 'irm') { [math]::Ceiling($WarmupRequests / 10) } else { $WarmupRequests }
        for ($done = 0; $done -lt $count; $done += $all.Count) {
            $prompts = $all[0..([math]::Min($all.Count, $count - $done) - 1)]
            $null = & $blocks[$name]
        }
        Reset-Bench
    }
    $prompts = $all

    # Steady state for the floor and LaminiPS alike: tiered JIT goes on recompiling (instrumented,
    # then optimized) for many thousand requests after the warm-up, longer on a busy machine, and
    # code still being compiled is slower. Rounds go on until one compiles (almost) nothing.
    $settleRounds = 0
    $lastCompiled = 0
    while ($settleRounds -lt $MaxSettleRounds) {
        $compiled0 = Get-JitCompiledCount
        foreach ($name in 'raw', 'noop', 'piped') { $null = & $blocks[$name] }
        Reset-Bench
        $settleRounds++
        $lastCompiled = (Get-JitCompiledCount) - $compiled0
        if ($lastCompiled -le $JitSettledMethods) { break }
    }

    $floorMedians = [System.Collections.Generic.List[double]]::new()
    $order = @($contenders.Keys)
    for ($round = 0; $round -lt $MaxOverheadRuns; $round++) {
        Reset-Bench
        for ($k = 0; $k -lt $order.Count; $k++) {
            $name = $order[($k + $round) % $order.Count]    # rotate who goes first
            $m = Measure-Contender $blocks[$name]
            $replies = @($m.Result)
            if ($name -eq 'irm') {
                if ($replies.Count -ne $RequestCount) { throw "Invoke-RestMethod loop: $($replies.Count) replies." }
            } elseif ($name -eq 'noop' -or $name -eq 'raw') {
                if ($replies.Count -ne $RequestCount) { throw "${name}: $($replies.Count) results." }
            } else {
                Assert-InOrder $replies $prompts $name
            }
            $times[$name].Add($m.Ms)
            $cpu[$name].Add($m.CpuUs / $RequestCount)
            $alloc[$name].Add($m.Allocated / $RequestCount)
            $jitted[$name].Add($m.Jitted)
            $sleeps[$name].Add($m.Sleeps / $RequestCount)
        }
        $floorMedians.Add((Get-Median $times.raw) + (Get-Median $times.noop))
        $settled = $floorMedians.Count -ge 2 -and [math]::Abs($floorMedians[-1] / $floorMedians[-2] - 1) -lt 0.03
        if ($round + 1 -ge $OverheadRuns -and $settled) { break }
    }
    $median = @{}
    foreach ($name in $times.Keys) { $median[$name] = Get-Median $times[$name] }
    $floor = $median.raw + $median.noop
    $perRequest = { param($n) '{0:N0} us' -f ($median[$n] * 1000 / $RequestCount) }
    Add-Row "2a. $RequestCount sequential chats, zero delay" 'floor: raw HttpClient loop (C#) + no-op cmdlet pipeline' $floor 'piped, -ThrottleLimit 1' $median.piped 'ms' '<= 1.3x' (($median.piped / $floor) -le 1.3)
    Add-Row "2b. $RequestCount sequential chats, zero delay" 'Invoke-RestMethod loop' $median.irm 'piped, -ThrottleLimit 1' $median.piped 'ms' '< 1x' ($median.piped -lt $median.irm)
    Add-Row "2c. $RequestCount sequential chats, zero delay" 'Invoke-RestMethod loop' $median.irm 'foreach, one call per prompt' $median.foreach 'ms' '< 1x' ($median.foreach -lt $median.irm)
    Add-Row "2d. $RequestCount sequential chats, zero delay" 'floor: raw HttpClient loop (C#) + no-op cmdlet pipeline' $floor 'foreach, one call per prompt' $median.foreach 'ms' '(info)' $null
    $notes.Add("Per request (median): raw HttpClient $(& $perRequest raw) + no-op pipeline $(& $perRequest noop) = floor $('{0:N0} us' -f ($floor * 1000 / $RequestCount)); piped $(& $perRequest piped), foreach $(& $perRequest foreach), Invoke-RestMethod $(& $perRequest irm). The floor's median settled after $($floorMedians.Count) rounds (every round is listed under Samples).")
    $counter = { param($n) '{0}: CPU {1:N1} us, {2:N1} KB allocated, {3:N2} thread sleeps' -f $n, (Get-Median $cpu[$n]), ((Get-Median $alloc[$n]) / 1KB), (Get-Median $sleeps[$n]) }
    $notes.Add("Counters per request (medians over the rounds, whole process): $((('raw', 'noop', 'piped', 'foreach') | ForEach-Object { & $counter $_ }) -join '; '). CPU time ($(if ($HasCpuUsage) { 'Environment.CpuUsage, exact to the microsecond' } else { 'Process.TotalProcessorTime, in scheduler ticks' })) does not stretch when other work shares the cores, so it shows where the time goes even on a busy machine; thread sleeps are voluntary context switches (a thread that waited and had to be woken).")
    $notes.Add(("Steady state: after the warm-up, {0} untimed round(s) of the floor and the piped contender until a round compiled at most {1} methods (the last compiled {2}); methods compiled during the timed rounds, per round (medians): raw {3}, no-op {4}, piped {5}." -f $settleRounds, $JitSettledMethods, $lastCompiled, (Get-Median $jitted.raw), (Get-Median $jitted.noop), (Get-Median $jitted.piped)))
    $commands.Add("**2. Per-request overhead** (rounds of every contender in turn, the order rotating, after $WarmupRequests untimed requests each ($([math]::Ceiling($WarmupRequests / 10)) for foreach and Invoke-RestMethod), then untimed rounds of raw, noop and piped until one compiled at most $JitSettledMethods methods ($settleRounds here); at least $OverheadRuns rounds, more until the floor's median moved less than 3 %, at most $MaxOverheadRuns). All in the benchmark's own process, after this set-up:")
    $commands.Add('```powershell')
    $commands.Add($Setup)
    $commands.Add("Add-Type -Path ./out/bench/LaminiBench.Floors.dll; Import-Module ./out/bench/EmptyModule/LaminiBench.EmptyModule.psd1")
    $commands.Add("`$loop = [LaminiBench.RawChatLoop]::new(`$server.BaseUri, `$server.ApiKey, '$Model')")
    $commands.Add("`$prompts = 1..$RequestCount | ForEach-Object { `"Prompt `$_`" }")
    $commands.Add("`$model = '$Model'; `$irmUri = `"`$(`$server.BaseUri)/chat/completions`"; `$irmHeaders = @{ Authorization = `"Bearer `$(`$server.ApiKey)`" }")
    foreach ($name in $contenders.Keys) { $commands.Add("# $name"); $commands.Add($contenders[$name]) }
    $commands.Add('```')
    foreach ($name in $contenders.Keys) {
        $samples.Add("Per-request, $name (ms per $RequestCount): $(($times[$name] | ForEach-Object { '{0:N0}' -f $_ }) -join ', ')")
    }

    # -----------------------------------------------------------------------------------------
    # 3. Concurrency
    # -----------------------------------------------------------------------------------------
    Write-Step "3/6 Concurrency: $ConcurrencyCount prompts at $ConcurrencyDelayMs ms, -ThrottleLimit $($ThrottleLimit -join '/') x $ConcurrencyRuns"
    Reset-Bench
    $delayed = [string[]](1..$ConcurrencyCount | ForEach-Object { "$DelayedMarker $_" })
    $concurrencyCode = '$replies = $delayed | Invoke-LaminiChat -ThrottleLimit $limit @common'
    $concurrencyBlock = [scriptblock]::Create($concurrencyCode + "`n" + ', $replies')
    $limit = [math]::Max(1, ($ThrottleLimit | Measure-Object -Maximum).Maximum)
    $saved = $delayed; $delayed = $saved[0..([math]::Min($limit, $ConcurrencyCount) - 1)]
    $null = & $concurrencyBlock      # warm-up, not timed
    $delayed = $saved
    $ctimes = @{}
    foreach ($l in $ThrottleLimit) { $ctimes[$l] = [System.Collections.Generic.List[double]]::new() }
    for ($round = 0; $round -lt $ConcurrencyRuns; $round++) {
        Reset-Bench
        foreach ($limit in $ThrottleLimit) {
            $m = Measure-Contender $concurrencyBlock
            Assert-InOrder @($m.Result) $delayed "-ThrottleLimit $limit"
            $ctimes[$limit].Add($m.Ms)
        }
    }
    $maxLimit = ($ThrottleLimit | Measure-Object -Maximum).Maximum
    foreach ($limit in $ThrottleLimit) {
        $ideal = $ConcurrencyCount * $ConcurrencyDelayMs / $limit
        $value = Get-Median $ctimes[$limit]
        $isGoal = $limit -eq 20 -or ($limit -eq $maxLimit -and $ThrottleLimit -notcontains 20)
        Add-Row "3. $ConcurrencyCount prompts, $ConcurrencyDelayMs ms each, -ThrottleLimit $limit" "ideal $ConcurrencyCount x $ConcurrencyDelayMs ms / $limit" $ideal 'piped batch' $value 'ms' $(if ($isGoal) { '<= 1.25x' } else { '(info)' }) $(if ($isGoal) { ($value / $ideal) -le 1.25 } else { $null })
        $samples.Add("Concurrency, -ThrottleLimit $limit (ms): $(($ctimes[$limit] | ForEach-Object { '{0:N0}' -f $_ }) -join ', ')")
    }
    $notes.Add("Every concurrent batch returned all $ConcurrencyCount replies in input order.")
    $commands.Add("**3. Concurrency** ($ConcurrencyRuns rounds over the limits, after one untimed batch; the test server delays each request whose body contains '$DelayedMarker' by $ConcurrencyDelayMs ms):")
    $commands.Add('```powershell')
    $commands.Add("Add-LaminiTestBehavior -Server `$server -Behavior @{ match = '$DelayedMarker'; times = -1; delayMs = $ConcurrencyDelayMs }")
    $commands.Add("`$delayed = 1..$ConcurrencyCount | ForEach-Object { `"$DelayedMarker `$_`" }")
    $commands.Add("foreach (`$limit in $($ThrottleLimit -join ', ')) { Measure-Command { $concurrencyCode } }")
    $commands.Add('```')

    if ($OrderCheckCount -gt 0) {
        Write-Step "    order check: $OrderCheckCount prompts at -ThrottleLimit 20, zero delay"
        $check = [string[]](1..$OrderCheckCount | ForEach-Object { "Prompt $_" })
        $m = Measure-Contender { $check | Invoke-LaminiChat -ThrottleLimit 20 @common }
        Assert-InOrder @($m.Result) $check "$OrderCheckCount prompts at -ThrottleLimit 20"
        $notes.Add(("{0:N0} prompts through -ThrottleLimit 20 against the zero-delay server: all {0:N0} replies present and in input order ({1:N1} s, one run)." -f $OrderCheckCount, ($m.Ms / 1000)))
        $check = $null; $m = $null
    }

    # -----------------------------------------------------------------------------------------
    # 4. Streaming latency
    # -----------------------------------------------------------------------------------------
    $wholeMs = ($StreamPieces + 4) * $StreamEventDelayMs
    Write-Step "4/6 Streaming latency: $StreamRuns rounds (each reply takes >= $wholeMs ms)"
    $streamCode = @'
$first = $null
$start = [DateTimeOffset]::UtcNow
$pieces = Invoke-LaminiChat -Stream $ProbePrompt @common | ForEach-Object { if ($null -eq $first) { $first = [DateTimeOffset]::UtcNow }; $_ }
$end = [DateTimeOffset]::UtcNow
'@
    $streamBlock = [scriptblock]::Create($streamCode + "`n" + '[pscustomobject]@{ First = $first; Start = $start; End = $end; Text = -join $pieces }')
    $expectedText = 'Llamas' + -join (1..$StreamPieces | ForEach-Object { " word$_" })
    $reader = [LaminiBench.RawStreamReader]::new($server.BaseUri, $server.ApiKey, $Model)
    # Warm-up of every contender (not timed): the same reply without delays, as many streams each.
    $ProbePromptSaved = $ProbePrompt; $ProbePrompt = $WarmPrompt
    foreach ($i in 1..$StreamWarmups) { $null = & $streamBlock; $null = $reader.Socket($WarmPrompt); $null = $reader.HttpClientLines($WarmPrompt) }
    $ProbePrompt = $ProbePromptSaved
    Reset-Bench
    $rawLatency = [System.Collections.Generic.List[double]]::new()
    $httpLatency = [System.Collections.Generic.List[double]]::new()
    $psLatency = [System.Collections.Generic.List[double]]::new()
    $psWhole = [System.Collections.Generic.List[double]]::new()
    $psFirstFromStart = [System.Collections.Generic.List[double]]::new()
    $beforeSecondEvent = 0
    for ($round = 0; $round -lt $StreamRuns; $round++) {
        Reset-Bench
        $rawFirst = $reader.Socket($ProbePrompt)
        $httpFirst = $reader.HttpClientLines($ProbePrompt)
        $ps = & $streamBlock
        if ($ps.Text -ne $expectedText) { throw "The streamed pieces joined to '$($ps.Text)', expected '$expectedText'." }
        $records = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions' |
                Where-Object { $_.body -like "*$ProbePrompt*" } | Sort-Object seq)
        if ($records.Count -ne 3) { throw "Expected 3 probe requests on the server, found $($records.Count)." }
        $psEvents = $records[2].eventTimes
        $rawLatency.Add(($rawFirst - $records[0].eventTimes[0].UtcTicks) / 10000.0)
        $httpLatency.Add(($httpFirst - $records[1].eventTimes[0].UtcTicks) / 10000.0)
        $psLatency.Add(($ps.First.UtcTicks - $psEvents[0].UtcTicks) / 10000.0)
        $psFirstFromStart.Add(($ps.First - $ps.Start).TotalMilliseconds)
        $psWhole.Add(($ps.End - $ps.Start).TotalMilliseconds)
        if ($ps.First -lt $psEvents[1]) { $beforeSecondEvent++ }
    }
    $rawMedian = Get-Median $rawLatency
    $psMedian = Get-Median $psLatency
    $httpMedian = Get-Median $httpLatency
    Add-Row '4a. Stream: server writes 1st event -> 1st piece in pipeline' 'raw socket reader (C#, same process)' $rawMedian 'Invoke-LaminiChat -Stream | ForEach-Object' $psMedian 'ms' '<= 1.5x' ($rawMedian -gt 0 -and ($psMedian / $rawMedian) -le 1.5)
    Add-Row '4a. Stream: server writes 1st event -> 1st piece in pipeline' 'HttpClient + StreamReader (C#, same process)' $httpMedian 'Invoke-LaminiChat -Stream | ForEach-Object' $psMedian 'ms' '(info)' $null
    Add-Row '4b. Stream: 1st piece vs whole reply (from the call)' 'whole reply' (Get-Median $psWhole) 'first piece' (Get-Median $psFirstFromStart) 'ms' '1st piece before 2nd event' ($beforeSecondEvent -eq $StreamRuns)
    $notes.Add(("Streaming: the server stamps eventTimes when it begins writing an event (after its delay, before the bytes go out), so every reader's latency counts from the same instant. Medians: LaminiPS minus raw socket {0:N2} ms, LaminiPS minus HttpClient + StreamReader {1:N2} ms." -f ($psMedian - $rawMedian), ($psMedian - $httpMedian)))
    $notes.Add("Streaming: in $beforeSecondEvent of $StreamRuns runs the first piece reached the pipeline before the server had written the second event ($StreamEventDelayMs ms later); each reply has $($StreamPieces + 4) events and takes >= $wholeMs ms.")
    $samples.Add("Stream latency, raw socket (ms): $(($rawLatency | ForEach-Object { '{0:N3}' -f $_ }) -join ', ')")
    $samples.Add("Stream latency, HttpClient + StreamReader (ms): $(($httpLatency | ForEach-Object { '{0:N3}' -f $_ }) -join ', ')")
    $samples.Add("Stream latency, LaminiPS (ms): $(($psLatency | ForEach-Object { '{0:N3}' -f $_ }) -join ', ')")
    $commands.Add("**4. Streaming latency** ($StreamRuns rounds: raw socket, then HttpClient, then LaminiPS, each a fresh request to the same scripted reply of $($StreamPieces + 4) events $StreamEventDelayMs ms apart, the first carrying text; latency = client's clock at the first text piece minus the server's eventTimes[0], the same machine clock, recorded to the tick). All three run in the benchmark's own process after $StreamWarmups untimed streams each without delays; the C# floors are tests/bench/Floors/RawStreamReader.cs:")
    $commands.Add('```powershell')
    $commands.Add("`$reader = [LaminiBench.RawStreamReader]::new(`$server.BaseUri, `$server.ApiKey, '$Model')")
    $commands.Add("`$reader.Socket('$ProbePrompt'); `$reader.HttpClientLines('$ProbePrompt')   # UTC ticks at the first piece")
    $commands.Add('```')
    $commands.Add('LaminiPS, then `(Get-LaminiTestRequest -Server $server)[-1].eventTimes[0]` for the server side:')
    $commands.Add('```powershell')
    $commands.Add("`$ProbePrompt = '$ProbePrompt'")
    $commands.Add($streamCode.TrimEnd())
    $commands.Add('```')

    # -----------------------------------------------------------------------------------------
    # 5. Memory
    # -----------------------------------------------------------------------------------------
    Write-Step "5/6 Memory: managed heap half-way and peak working set, $MemoryLargeCount vs $MemorySmallCount prompts, LaminiPS and the floor, $MemoryRuns fresh processes each"
    Reset-Bench
    $memoryScript = {
        param([int] $Count)
        "`$ErrorActionPreference = 'Stop'; Import-Module '$($ModuleManifest -replace "'", "''")'; " +
        "`$key = ConvertTo-SecureString '$($server.ApiKey)' -AsPlainText -Force; `$n = 0; `$heap = 0; `$forced = 0; " +
        "1..$Count | ForEach-Object { `"Prompt `$_`" } | Invoke-LaminiChat -BaseUri '$($server.BaseUri)' -ApiKey `$key | " +
        "ForEach-Object { `$n++; if (`$_.Content -ne `"Echo: Prompt `$n`") { throw `"reply `$n out of order`" }; " +
        "if (`$n -eq $([math]::Max(1, [math]::Floor($Count / 2)))) { `$forced = [GC]::CollectionCount(0); `$heap = [GC]::GetTotalMemory(`$true); `$forced = [GC]::CollectionCount(0) - `$forced } }; " +
        "`"REPLIES `$n HEAP `$heap GEN0 `$([GC]::CollectionCount(0) - `$forced) PEAK `$([System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64)`""
    }
    # The floor's garbage grows with the count as well: the raw loop, then the no-op pipeline, over as many prompts.
    $floorMemoryScript = {
        param([int] $Count)
        "`$ErrorActionPreference = 'Stop'; Add-Type -Path '$($FloorsDll -replace "'", "''")'; Import-Module '$($EmptyManifest -replace "'", "''")'; " +
        "`$prompts = [string[]](1..$Count | ForEach-Object { `"Prompt `$_`" }); " +
        "`$n = [LaminiBench.RawChatLoop]::new([uri]'$($server.BaseUri)', '$($server.ApiKey)', '$Model').Run(`$prompts).Count; " +
        "`$prompts | Test-BenchNoOp | ForEach-Object { `$n++ }; " +
        "`"REPLIES `$n HEAP 0 GEN0 `$([GC]::CollectionCount(0)) PEAK `$([System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64)`""
    }
    $memoryArgs = [ordered]@{
        small      = [string[]]($Shell.Arguments + @('-Command', (& $memoryScript $MemorySmallCount)))
        large      = [string[]]($Shell.Arguments + @('-Command', (& $memoryScript $MemoryLargeCount)))
        floorSmall = [string[]]($Shell.Arguments + @('-Command', (& $floorMemoryScript $MemorySmallCount)))
        floorLarge = [string[]]($Shell.Arguments + @('-Command', (& $floorMemoryScript $MemoryLargeCount)))
    }
    $peaks = @{}; $heaps = @{}; $collections = @{}
    foreach ($size in $memoryArgs.Keys) {
        foreach ($series in $peaks, $heaps, $collections) { $series[$size] = [System.Collections.Generic.List[double]]::new() }
    }
    $null = Invoke-Timed $Shell.FilePath $memoryArgs.small   # warm-up: disk cache, not counted
    $memoryOrder = @($memoryArgs.Keys)
    for ($run = 0; $run -lt $MemoryRuns; $run++) {
        for ($k = 0; $k -lt $memoryOrder.Count; $k++) {
            $size = $memoryOrder[($k + $run) % $memoryOrder.Count]    # rotate who goes first
            $count = if ($size -like '*arge') { $MemoryLargeCount } else { $MemorySmallCount }
            $expected = if ($size -like 'floor*') { 2 * $count } else { $count }
            $out = (Invoke-Timed $Shell.FilePath $memoryArgs[$size]).Output
            if ([int](Read-Field $out 'REPLIES') -ne $expected) { throw "The $size memory run got too few replies: $out" }
            $peaks[$size].Add([double](Read-Field $out 'PEAK') / 1MB)
            $heaps[$size].Add([double](Read-Field $out 'HEAP') / 1MB)
            $collections[$size].Add([double](Read-Field $out 'GEN0'))
        }
        Reset-Bench   # keeps the server's request log from growing across runs
    }
    Add-Row "5a. Managed heap after a full collection, half-way, fresh process" "$MemorySmallCount prompts" (Get-Median $heaps.small) "$MemoryLargeCount prompts" (Get-Median $heaps.large) 'MB' '<= 1.2x' (((Get-Median $heaps.large) / (Get-Median $heaps.small)) -le 1.2)
    Add-Row "5b. Peak working set, fresh process" "after $MemorySmallCount prompts" (Get-Median $peaks.small) "after $MemoryLargeCount prompts" (Get-Median $peaks.large) 'MB' '<= 1.2x' (((Get-Median $peaks.large) / (Get-Median $peaks.small)) -le 1.2)
    Add-Row "5c. Peak working set, fresh process: the floor (raw HttpClient loop + no-op pipeline)" "after $MemorySmallCount prompts" (Get-Median $peaks.floorSmall) "after $MemoryLargeCount prompts" (Get-Median $peaks.floorLarge) 'MB' '(info)' $null
    foreach ($size in $memoryArgs.Keys) {
        $count = if ($size -like '*arge') { $MemoryLargeCount } else { $MemorySmallCount }
        $what = if ($size -like 'floor*') { "Memory, the floor, $count prompts" } else { "Memory, LaminiPS, $count prompts, heap half-way (MB): $(($heaps[$size] | ForEach-Object { '{0:N1}' -f $_ }) -join ', ');" }
        $samples.Add("$what peak working set (MB): $(($peaks[$size] | ForEach-Object { '{0:N1}' -f $_ }) -join ', '); gen0 collections: $($collections[$size] -join ', ')")
    }
    $notes.Add('Memory: the heap figure is [GC]::GetTotalMemory($true) (a full, blocking collection) taken when the half-way reply reaches ForEach-Object, so it is what the batch holds while it runs; peak working set also counts garbage not yet collected and so depends on GC timing.')
    $notes.Add(("Memory: garbage collections during a run, the forced one half-way not counted (medians): LaminiPS {0} with {1:N0} prompts, {2} with {3:N0}; the floor {4} and {5}. A run that never collected has all its garbage in its peak working set; the collector lets about one generation-0 budget of garbage pile up before it collects." -f (Get-Median $collections.small), $MemorySmallCount, (Get-Median $collections.large), $MemoryLargeCount, (Get-Median $collections.floorSmall), (Get-Median $collections.floorLarge)))
    $commands.Add("**5. Memory** ($MemoryRuns fresh processes of each size, alternating, after one untimed small run; default -ThrottleLimit; every reply checked for order):")
    $commands.Add('```sh')
    $commands.Add(((Format-CommandLine $Shell.FilePath $memoryArgs.large) -replace [regex]::Escape($RepoRoot + '/'), './'))
    $commands.Add('```')
    $commands.Add("and the same with ``1..$MemorySmallCount``; the floor:")
    $commands.Add('```sh')
    $commands.Add(((Format-CommandLine $Shell.FilePath $memoryArgs.floorLarge) -replace [regex]::Escape($RepoRoot + '/'), './'))
    $commands.Add('```')

    # -----------------------------------------------------------------------------------------
    # 6. Tool definitions
    # -----------------------------------------------------------------------------------------
    Write-Step "6/6 Tool definitions: a call with -Tool (three cmdlets), without -Tool, and with the same tools as JSON, $ToolRuns calls each"
    Reset-Bench
    $toolCommands = Get-Command Get-Date, Get-ChildItem, Get-Process
    $null = Invoke-LaminiChat 'What time is it?' -Tool $toolCommands @common
    # The same tools as the JSON definitions the command path wrote: the same body, without reading commands.
    $toolJson = [string[]]@((Get-LaminiTestRequest -Server $server -Path '*/chat/completions')[-1].Json.tools | ForEach-Object { ConvertTo-Json -InputObject $_ -Depth 32 -Compress })
    $toolCode = [ordered]@{
        commands = '$null = Invoke-LaminiChat ''What time is it?'' -Tool $toolCommands @common'
        none     = '$null = Invoke-LaminiChat ''What time is it?'' @common'
        json     = '$null = Invoke-LaminiChat ''What time is it?'' -Tool $toolJson @common'
    }
    $toolTimes = @{}
    foreach ($name in $toolCode.Keys) { $toolTimes[$name] = [System.Collections.Generic.List[double]]::new() }
    foreach ($timed in $false, $true) {
        for ($i = 0; $i -lt $ToolRuns; $i++) {
            foreach ($name in $toolCode.Keys) {
                $m = Measure-Contender ([scriptblock]::Create($toolCode[$name]))
                if ($timed) { $toolTimes[$name].Add($m.Ms) }
            }
        }
    }
    $lastThree = @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions' | Select-Object -Last 3)
    $sentTools = @($lastThree[0], $lastThree[2] | ForEach-Object { ConvertTo-Json -InputObject $_.Json.tools -Depth 32 -Compress })
    if ($sentTools[0] -ne $sentTools[1]) { throw 'Tool definitions: the commands and their JSON definitions sent different tools.' }
    $fromCommands = Get-Median $toolTimes.commands
    $fromJson = Get-Median $toolTimes.json
    # Goal: reading commands and their help adds nothing to sending the same tools as JSON text (Get-Help
    # on every call made it 38x). Sending tools at all costs what their schemas take to check and write.
    Add-Row '6a. Tool definitions: one call' "-Tool as the same $($toolJson.Count) tools' JSON text" $fromJson '-Tool (Get-Command Get-Date, Get-ChildItem, Get-Process)' $fromCommands 'ms' '<= 1.2x' (($fromCommands / $fromJson) -le 1.2)
    Add-Row '6b. Tool definitions: one call' 'without -Tool' (Get-Median $toolTimes.none) '-Tool (Get-Command Get-Date, Get-ChildItem, Get-Process)' $fromCommands 'ms' '(info)' $null
    foreach ($name in $toolCode.Keys) { $samples.Add("Tool definitions, $name (ms): $(($toolTimes[$name] | ForEach-Object { '{0:N2}' -f $_ }) -join ', ')") }
    $notes.Add('Tool definitions: the commands and their JSON text sent the same tools (checked on the server); the reply calls none.')
    $commands.Add("**6. Tool definitions** ($ToolRuns untimed then $ToolRuns timed calls of each, in turn; `$toolJson holds the tools the first call sent, each as JSON text):")
    $commands.Add('```powershell')
    $commands.Add("`$toolCommands = Get-Command Get-Date, Get-ChildItem, Get-Process")
    foreach ($code in $toolCode.Values) { $commands.Add("Measure-Command { $code }") }
    $commands.Add('```')
} finally {
    Stop-LaminiTestServer -Server $server
}

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
$elapsed = $Started.Elapsed
$columns = 'Measure', 'Baseline', 'Baseline value', 'LaminiPS', 'LaminiPS value', 'Ratio', 'Goal', 'Goal met'
$md = [System.Text.StringBuilder]::new()
$null = $md.AppendLine('# LaminiPS benchmark').AppendLine()
$null = $md.AppendLine("$($Machine.Date) - $($Machine.Cores) cores (nproc), $($Machine.OS), PowerShell $($Machine.PowerShell), LaminiPS $($Machine.LaminiPS)$(if ($Machine.Commit) { " at $($Machine.Commit)" }); load average at start $($Machine.LoadAvg); benchmark took $('{0:N0}' -f $elapsed.TotalSeconds) s.").AppendLine()
$null = $md.AppendLine('Every value is the median of the runs listed under Samples; ratio = LaminiPS value / baseline value, both measured in this run against the same local test server (loopback) with the same request bodies. Warm-ups are not timed. The machine may be shared: the load average above says how busy it was, and only ratios of figures taken side by side in one run are comparable.').AppendLine()
$null = $md.AppendLine('| ' + ($columns -join ' | ') + ' |')
$null = $md.AppendLine('|' + (($columns | ForEach-Object { '---' }) -join '|') + '|')
foreach ($row in $rows) {
    $null = $md.AppendLine('| ' + (($columns | ForEach-Object { ([string]$row.$_) -replace '\|', '\|' }) -join ' | ') + ' |')
}
$null = $md.AppendLine()
foreach ($note in $notes) { $null = $md.AppendLine("- $note") }
$null = $md.AppendLine().AppendLine('## Samples').AppendLine()
foreach ($sample in $samples) { $null = $md.AppendLine("- $sample") }
$null = $md.AppendLine().AppendLine('## How each figure was measured').AppendLine()
$null = $md.AppendLine('Rerun everything with `dotnet pwsh ./build.ps1 -Task Bench`, or after a build `dotnet pwsh ./tests/bench/Invoke-Benchmark.ps1` (counts are parameters; see its help). The test server''s port and key below are those of this run.').AppendLine()
foreach ($line in $commands) { $null = $md.AppendLine($line) }

$null = New-Item -ItemType Directory -Path (Split-Path -Parent $OutputPath) -Force
Set-Content -LiteralPath $OutputPath -Value $md.ToString() -Encoding utf8NoBOM

Write-Host ''
Write-Host "LaminiPS benchmark - $($Machine.Date), $($Machine.Cores) cores, $($Machine.OS), PowerShell $($Machine.PowerShell)"
$rows | Format-Table -Property $columns -Wrap | Out-String -Width 250 | Write-Host
foreach ($note in $notes) { Write-Host "- $note" }
Write-Host ''
Write-Host "Written to $OutputPath (with the commands to rerun each figure). Took $('{0:N0}' -f $elapsed.TotalSeconds) s."
