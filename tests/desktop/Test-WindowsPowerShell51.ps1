#Requires -Version 7.2
<#
.SYNOPSIS
    Checks that scripts meant to run on Windows PowerShell 5.1 use only what 5.1 has.

.DESCRIPTION
    For each file (and each runnable README block) reports, as "path:line: problem":
    - syntax the 5.1 parser rejects (?:, ??, ??=, ?. and ?[], && and ||, clean blocks) and the
      `u{...} escape, which 5.1 reads as plain text;
    - commands absent from Windows PowerShell 5.1 and parameters its commands do not have (from
      windows-powershell-5.1-commands.json), including keys of a hashtable splatted into a command;
    - PowerShell files with non-ASCII text and no byte order mark (5.1 reads them as ANSI).
    A command or parameter that only PowerShell 7 has is fine behind an edition check: in the
    body of an `if` on $PSVersionTable.PSVersion.Major -ge 7, $PSVersionTable.PSEdition -eq 'Core'
    or $IsCoreCLR (or in the else of the opposite test), in a Pester block whose -Skip tests for
    the Desktop edition, or in a file that declares #Requires -Version 7 or -PSEdition Core.
    Commands named without a dash (native programs, aliases) are not checked.
    Exits 1 when anything was found.
#>
[CmdletBinding()]
param(
    # Files to check; only PowerShell files (.ps1, .psm1, .psd1) are read, the rest are skipped.
    [Parameter(Mandatory)] [string[]] $Path,

    # README files whose <!-- runnable --> PowerShell blocks are checked.
    [string[]] $ReadmePath = @(),

    # Commands that are not Windows PowerShell's but are present when the scripts run: the
    # module's own cmdlets, Pester's, and functions the checked files define.
    [string[]] $KnownCommand = @(),

    [string] $InventoryPath = (Join-Path $PSScriptRoot 'windows-powershell-5.1-commands.json')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$inventory = @{}
foreach ($property in (Get-Content -Raw -LiteralPath $InventoryPath | ConvertFrom-Json).commands.PSObject.Properties) {
    $inventory[$property.Name] = [string[]] $property.Value
}
# Functions Windows PowerShell 5.1 defines in every session, outside any module (so the profile lacks them).
$builtInFunctions = @('Clear-Host', 'Get-Verb', 'TabExpansion2')
$commonParameters = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ErrorVariable',
    'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable',
    'vb', 'db', 'ea', 'wa', 'infa', 'ev', 'wv', 'iv', 'ov', 'ob', 'pv')
$scriptExtensions = @('.ps1', '.psm1', '.psd1')

# Conditions under which the guarded code runs only on PowerShell 7, and their opposites.
$sevenOnly = '\$PSVersionTable\.PSVersion\.Major\s+-(ge|gt)\s+[67]\b|\$PSVersionTable\.PSEdition\s+-eq\s+[''"]Core[''"]|\$IsCoreCLR'
$desktopOnly = '\$PSVersionTable\.PSVersion\.Major\s+-(lt|le)\s+[67]\b|\$PSVersionTable\.PSEdition\s+-eq\s+[''"]Desktop[''"]|-not\s+\$IsCoreCLR'

$problems = New-Object System.Collections.Generic.List[string]

# True when $Ast runs only on PowerShell 7 (or, for a command, only where Get-Command found it).
function Test-Guarded([System.Management.Automation.Language.Ast] $Ast, [string] $Command) {
    $present = if ($Command) { 'Get-Command\s+[''"]?' + [regex]::Escape($Command) + '\b' } else { '(?!)' }
    for ($child = $Ast; $null -ne $child.Parent; $child = $child.Parent) {
        $parent = $child.Parent
        if ($parent -is [System.Management.Automation.Language.IfStatementAst]) {
            foreach ($clause in $parent.Clauses) {
                if ($clause.Item2 -eq $child -and $clause.Item1.Extent.Text -match "$sevenOnly|$present") { return $true }
            }
            if ($parent.ElseClause -eq $child -and @($parent.Clauses | Where-Object { $_.Item1.Extent.Text -match $desktopOnly }).Count -gt 0) {
                return $true
            }
        }
        if ($parent -is [System.Management.Automation.Language.CommandAst]) {
            $skip = $parent.CommandElements | Where-Object {
                $_ -is [System.Management.Automation.Language.CommandParameterAst] -and $_.ParameterName -eq 'Skip' }
            if ($skip -and $null -ne $skip.Argument -and $skip.Argument.Extent.Text -match $desktopOnly) { return $true }
        }
    }
    $false
}

function Add-Problem([string] $Source, [System.Management.Automation.Language.IScriptExtent] $Extent, [int] $LineOffset, [string] $Message) {
    $problems.Add(('{0}:{1}: {2}' -f $Source, ($Extent.StartLineNumber + $LineOffset), $Message))
}

# The parameter of a Windows PowerShell 5.1 command that $Name names (exactly or as a unique prefix), or $null.
function Find-Parameter([string] $Command, [string] $Name) {
    $known = @($inventory[$Command]) + $commonParameters
    if ($known -contains $Name) { return $Name }
    $matching = @($known | Where-Object { $_.StartsWith($Name, [StringComparison]::OrdinalIgnoreCase) })
    if ($matching.Count -eq 1) { return $matching[0] }
    $null
}

# Keys that $Block adds to the hashtable in $Variable: literal @{...} assignments, $v.Key = ..., $v['Key'] = ...
function Get-SplatKey([System.Management.Automation.Language.Ast] $Block, [string] $Variable) {
    $assignments = $Block.FindAll({ param($node) $node -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)
    foreach ($assignment in $assignments) {
        $left = $assignment.Left
        if ($left -is [System.Management.Automation.Language.VariableExpressionAst] -and $left.VariablePath.UserPath -eq $Variable) {
            $value = $assignment.Right
            if ($value -is [System.Management.Automation.Language.PipelineAst] -and $value.PipelineElements.Count -eq 1 -and
                $value.PipelineElements[0] -is [System.Management.Automation.Language.CommandExpressionAst]) {
                $value = $value.PipelineElements[0].Expression
            }
            if ($value -is [System.Management.Automation.Language.ConvertExpressionAst]) { $value = $value.Child }
            if ($value -isnot [System.Management.Automation.Language.HashtableAst]) { continue }
            foreach ($pair in $value.KeyValuePairs) {
                [pscustomobject]@{ Name = $pair.Item1.Extent.Text.Trim('''"'); Ast = $pair.Item1 }
            }
        } elseif ($left -is [System.Management.Automation.Language.MemberExpressionAst] -and
            $left.Expression -is [System.Management.Automation.Language.VariableExpressionAst] -and
            $left.Expression.VariablePath.UserPath -eq $Variable) {
            [pscustomobject]@{ Name = $left.Member.Extent.Text.Trim('''"'); Ast = $assignment }
        } elseif ($left -is [System.Management.Automation.Language.IndexExpressionAst] -and
            $left.Target -is [System.Management.Automation.Language.VariableExpressionAst] -and
            $left.Target.VariablePath.UserPath -eq $Variable) {
            [pscustomobject]@{ Name = $left.Index.Extent.Text.Trim('''"'); Ast = $assignment }
        }
    }
}

function Test-Script([string] $Source, [string] $Text, [int] $LineOffset, [string[]] $Known) {
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref] $tokens, [ref] $errors)
    foreach ($parseError in $errors) { Add-Problem $Source $parseError.Extent $LineOffset "does not parse: $($parseError.Message)" }

    # Syntax that the 5.1 parser rejects, guarded or not: 5.1 cannot parse the file at all.
    $sevenSyntax = $ast.FindAll({
            param($node)
            $node -is [System.Management.Automation.Language.TernaryExpressionAst] -or
            $node -is [System.Management.Automation.Language.PipelineChainAst] -or
            ($node -is [System.Management.Automation.Language.BinaryExpressionAst] -and $node.Operator -eq 'QuestionQuestion') -or
            ($node -is [System.Management.Automation.Language.AssignmentStatementAst] -and $node.Operator -eq 'QuestionQuestionEquals') -or
            ($node -is [System.Management.Automation.Language.MemberExpressionAst] -and $node.NullConditional) -or
            ($node -is [System.Management.Automation.Language.IndexExpressionAst] -and $node.NullConditional) -or
            ($node -is [System.Management.Automation.Language.ScriptBlockAst] -and $null -ne $node.CleanBlock)
        }, $true)
    foreach ($node in $sevenSyntax) {
        Add-Problem $Source $node.Extent $LineOffset "PowerShell 7 syntax that Windows PowerShell 5.1 cannot parse: $($node.Extent.Text.Split("`n")[0].Trim())"
    }
    foreach ($token in $tokens) {
        if ($token.Kind -eq 'StringExpandable' -and $token.Text -match '`u\{') {
            Add-Problem $Source $token.Extent $LineOffset 'the `u{...} escape, which Windows PowerShell 5.1 reads as plain text'
        }
    }

    $requirements = $ast.ScriptRequirements
    if ($null -ne $requirements -and (($null -ne $requirements.RequiredPSVersion -and $requirements.RequiredPSVersion.Major -ge 6) -or
            @($requirements.RequiredPSEditions) -contains 'Core')) {
        return
    }

    foreach ($command in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
        $name = $command.GetCommandName()
        if (-not $name -or $name -notmatch '^[A-Za-z]+-[A-Za-z0-9]+$' -or $Known -contains $name -or $builtInFunctions -contains $name) { continue }
        if (-not $inventory.ContainsKey($name)) {
            if (-not (Test-Guarded $command $name)) { Add-Problem $Source $command.Extent $LineOffset "$name is not a Windows PowerShell 5.1 command" }
            continue
        }

        $parameters = @(foreach ($element in $command.CommandElements) {
                if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
                    [pscustomobject]@{ Name = $element.ParameterName; Ast = $element }
                } elseif ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted) {
                    $scope = $command.Parent
                    while ($null -ne $scope -and $scope -isnot [System.Management.Automation.Language.ScriptBlockAst]) { $scope = $scope.Parent }
                    Get-SplatKey $scope $element.VariablePath.UserPath
                }
            })
        foreach ($parameter in $parameters) {
            if ($null -eq (Find-Parameter $name $parameter.Name) -and -not (Test-Guarded $parameter.Ast)) {
                Add-Problem $Source $parameter.Ast.Extent $LineOffset "Windows PowerShell 5.1's $name has no parameter -$($parameter.Name)"
            }
        }
    }
}

function Test-ByteOrderMark([string] $File) {
    $bytes = [System.IO.File]::ReadAllBytes($File)
    $hasBom = ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) -or
        ($bytes.Length -ge 2 -and (($bytes[0] -eq 0xFF -and $bytes[1] -eq 0xFE) -or ($bytes[0] -eq 0xFE -and $bytes[1] -eq 0xFF)))
    if (-not $hasBom -and [System.Text.Encoding]::Latin1.GetString($bytes) -match '[^\x00-\x7F]') {
        $problems.Add("${File}: non-ASCII text without a byte order mark (Windows PowerShell 5.1 reads it as ANSI)")
    }
}

$scripts = @($Path | Where-Object { $scriptExtensions -contains [System.IO.Path]::GetExtension($_) })

# Functions the checked files define are commands too.
$defined = foreach ($file in $scripts) {
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref] $null, [ref] $null)
    foreach ($function in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)) {
        $function.Name -replace '^\w+:'
    }
}
$known = @($KnownCommand) + @($defined)

foreach ($file in $scripts) {
    Test-ByteOrderMark $file
    Test-Script $file ([System.IO.File]::ReadAllText($file)) 0 $known
}

foreach ($readme in $ReadmePath) {
    $text = Get-Content -Raw -LiteralPath $readme
    $pattern = '(?ms)^<!-- runnable(?::[^\r\n]*)?\s*-->\s*\r?\n```powershell\r?\n(?<code>.*?)^```'
    foreach ($match in [regex]::Matches($text, $pattern)) {
        $codeLine = ($text.Substring(0, $match.Groups['code'].Index) -split "`n").Count - 1
        Test-Script $readme $match.Groups['code'].Value $codeLine $known
    }
}

foreach ($problem in $problems) { Write-Host $problem }
Write-Host ('Windows PowerShell 5.1 check: {0} files and {1} README files, {2} problems.' -f $scripts.Count, $ReadmePath.Count, $problems.Count)
if ($problems.Count -gt 0) { exit 1 }
exit 0
