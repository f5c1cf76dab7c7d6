#Requires -Version 7.2
<#
.SYNOPSIS
    Checks that everything LaminiPS.dll and dependencies/ reference can be found on .NET Framework 4.7.2.

.DESCRIPTION
    Every assembly reference of the module's DLL and of each DLL in dependencies/ must be part of
    .NET Framework 4.7.2 (its reference assemblies, Facades included) at a version at least the
    one asked for, or be shipped in dependencies/ at a version at least the one asked for, or be
    System.Management.Automation, which Windows PowerShell itself provides. Prints each problem
    and each reference that dependencies/ answers with a newer version than asked for (those load
    only through the module's AssemblyResolve handler, there being no binding redirects).
    Exits 1 when there is a problem.
#>
[CmdletBinding()]
param(
    # The built module folder, holding LaminiPS.dll and dependencies/.
    [Parameter(Mandatory)] [string] $ModuleDirectory,

    # The .NET Framework 4.7.2 reference assemblies (the folder with mscorlib.dll and Facades/).
    [Parameter(Mandatory)] [string] $FrameworkDirectory
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function Get-Identity([string] $Folder) {
    $identities = @{}
    foreach ($file in Get-ChildItem -LiteralPath $Folder -Filter '*.dll' -File) {
        try {
            $name = [System.Reflection.AssemblyName]::GetAssemblyName($file.FullName)
        } catch [System.BadImageFormatException] {
            continue  # a native DLL among the reference assemblies
        }
        $identities[$name.Name] = $name.Version
    }
    $identities
}

function Get-Reference([string] $File) {
    $stream = [System.IO.File]::OpenRead($File)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        foreach ($handle in $metadata.AssemblyReferences) {
            $reference = $metadata.GetAssemblyReference($handle)
            [pscustomobject]@{ Name = $metadata.GetString($reference.Name); Version = $reference.Version }
        }
    } finally {
        $stream.Dispose()
    }
}

$dependencyDirectory = Join-Path $ModuleDirectory 'dependencies'
$shipped = if (Test-Path -LiteralPath $dependencyDirectory) { Get-Identity $dependencyDirectory } else { @{} }
$framework = Get-Identity $FrameworkDirectory
foreach ($facade in (Get-Identity (Join-Path $FrameworkDirectory 'Facades')).GetEnumerator()) { $framework[$facade.Key] = $facade.Value }

$problems = 0
$assemblies = @(Join-Path $ModuleDirectory 'LaminiPS.dll') +
    @(Get-ChildItem -LiteralPath $dependencyDirectory -Filter '*.dll' -File -ErrorAction Ignore | ForEach-Object FullName)
foreach ($assembly in $assemblies) {
    $from = [System.IO.Path]::GetFileNameWithoutExtension($assembly)
    foreach ($reference in Get-Reference $assembly) {
        $asked = "$from asks for $($reference.Name) $($reference.Version)"
        if ($shipped.ContainsKey($reference.Name)) {
            $ours = $shipped[$reference.Name]
            if ($ours -lt $reference.Version) {
                Write-Host "PROBLEM  ${asked}; dependencies/ has the older $ours"
                $problems++
            } elseif ($ours -gt $reference.Version) {
                Write-Host "RESOLVER $asked; dependencies/ has $ours, which only the module's resolver hands out"
            }
        } elseif ($framework.ContainsKey($reference.Name)) {
            if ($framework[$reference.Name] -lt $reference.Version) {
                Write-Host "PROBLEM  ${asked}; .NET Framework 4.7.2 has only $($framework[$reference.Name])"
                $problems++
            }
        } elseif ($reference.Name -ne 'System.Management.Automation') {
            Write-Host "PROBLEM  ${asked}; it is neither part of .NET Framework 4.7.2 nor in dependencies/"
            $problems++
        }
    }
}

Write-Host ('Dependency closure: {0} assemblies checked, {1} problems.' -f $assemblies.Count, $problems)
if ($problems -gt 0) { exit 1 }
exit 0
