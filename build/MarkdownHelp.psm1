<#
    The module's help has one source: the markdown pages in docs/en-US, in platyPS's layout (one
    page per cmdlet, about_<topic>.md for about topics). build.ps1 turns them into what Get-Help
    reads: MAML (<module>.dll-Help.xml) and about_<topic>.help.txt. platyPS is not available from
    our package sources, so this small generator does that step; it runs on Windows PowerShell 5.1
    as well as PowerShell 7, like build.ps1.

    It reads only the subset of markdown the pages use, and stops with the file and line of
    anything else, so no text is dropped without a word. Text is literal except for backslash
    escapes (\*, \<, \_, ...), which keep the pages rendering as written on GitHub.
#>

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:MamlNamespace = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNamespace = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNamespace = 'http://schemas.microsoft.com/maml/dev/2004/10'
# The name PowerShell gives the one parameter set of a cmdlet that declares none.
$script:AllParameterSets = '__AllParameterSets'
$script:SwitchType = 'System.Management.Automation.SwitchParameter'
$script:YamlKeys = @('Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value',
    'Accept pipeline input', 'Accept wildcard characters')
$script:CommandSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS',
    'OUTPUTS', 'NOTES', 'RELATED LINKS')
$script:RequiredCommandSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'PARAMETERS')

function Stop-HelpSource([string] $File, [int] $Line, [string] $Message) {
    throw "${File}:${Line}: $Message"
}

# Markdown text to plain text: a backslash before ASCII punctuation is an escape.
function ConvertFrom-MarkdownText([string] $Text) {
    $Text -replace '\\([!-/:-@\[-`{-~])', '$1'
}

# Splits a page into headings, text lines, blank lines and fenced code blocks: the one reader of
# markdown structure, for cmdlet pages and about topics alike.
function Read-MarkdownBlock([string] $File, [string[]] $Lines, [int] $FirstLine) {
    $blocks = New-Object System.Collections.Generic.List[object]
    $index = $FirstLine
    while ($index -lt $Lines.Count) {
        $line = $Lines[$index]
        $number = $index + 1
        if ($line -match '^(\s*)(```+|~~~+)\s*([\w-]*)\s*$') {
            $indent = $Matches[1].Length
            $fence = $Matches[2]
            $info = $Matches[3]
            $content = New-Object System.Collections.Generic.List[string]
            $index++
            $closed = $false
            while ($index -lt $Lines.Count) {
                $inner = $Lines[$index]
                $index++
                if ($inner.Trim() -eq $fence) { $closed = $true; break }
                # Inside a list item the fence is indented; its content is, by as much, too.
                $strip = [Math]::Min($indent, $inner.Length - $inner.TrimStart(' ').Length)
                $content.Add($inner.Substring($strip))
            }
            if (-not $closed) { Stop-HelpSource $File $number "The code block opened here is never closed ($fence)." }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Line = $number; Info = $info; Indent = $indent; Lines = $content.ToArray() })
            continue
        }
        $index++
        if ($line -match '^(#{1,6})\s+(.+?)\s*$') {
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Line = $number; Level = $Matches[1].Length; Text = $Matches[2] })
        } elseif ($line.Trim().Length -eq 0) {
            $blocks.Add([pscustomobject]@{ Kind = 'Blank'; Line = $number })
        } else {
            $blocks.Add([pscustomobject]@{ Kind = 'Text'; Line = $number; Text = $line.TrimEnd() })
        }
    }
    $blocks.ToArray()
}

# Consecutive text lines form one paragraph; returns the paragraphs as plain text. Anything but
# text is refused: MAML paragraphs hold text only.
function Get-Paragraph([string] $File, [object[]] $Blocks, [string] $Where) {
    $paragraphs = New-Object System.Collections.Generic.List[string]
    $current = New-Object System.Collections.Generic.List[string]
    foreach ($block in @($Blocks) + @([pscustomobject]@{ Kind = 'Blank'; Line = 0 })) {
        if ($block.Kind -eq 'Text') { $current.Add($block.Text.Trim()); continue }
        if ($block.Kind -ne 'Blank') {
            Stop-HelpSource $File $block.Line "$Where holds text only; found a $($block.Kind.ToLowerInvariant())."
        }
        if ($current.Count -gt 0) {
            $paragraphs.Add((ConvertFrom-MarkdownText ($current -join ' ')))
            $current.Clear()
        }
    }
    , $paragraphs.ToArray()
}

# Groups blocks under their headings of one level: the blocks before the first heading, then one
# group per heading.
function Split-MarkdownSection([object[]] $Blocks, [int] $Level) {
    $lead = New-Object System.Collections.Generic.List[object]
    $groups = New-Object System.Collections.Generic.List[object]
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq $Level) {
            $current = [pscustomobject]@{ Heading = $block; Blocks = New-Object System.Collections.Generic.List[object] }
            $groups.Add($current)
        } elseif ($null -eq $current) {
            $lead.Add($block)
        } else {
            $current.Blocks.Add($block)
        }
    }
    $sections = foreach ($group in $groups) { [pscustomobject]@{ Heading = $group.Heading; Blocks = $group.Blocks.ToArray() } }
    [pscustomobject]@{ Lead = $lead.ToArray(); Groups = @($sections) }
}

function Assert-OnlyBlank([string] $File, [object[]] $Blocks, [string] $Where) {
    foreach ($block in $Blocks) {
        if ($block.Kind -ne 'Blank') { Stop-HelpSource $File $block.Line "Unexpected $($block.Kind.ToLowerInvariant()) $Where." }
    }
}

function Read-FrontMatter([string] $File, [string[]] $Lines) {
    $values = @{}
    if ($Lines.Count -eq 0 -or $Lines[0].Trim() -ne '---') { return [pscustomobject]@{ Values = $values; Next = 0 } }
    for ($index = 1; $index -lt $Lines.Count; $index++) {
        if ($Lines[$index].Trim() -eq '---') { return [pscustomobject]@{ Values = $values; Next = $index + 1 } }
        if ($Lines[$index] -notmatch '^([\w ]+):\s*(.*?)\s*$') { Stop-HelpSource $File ($index + 1) "Front matter lines are 'key: value'." }
        $values[$Matches[1]] = $Matches[2]
    }
    Stop-HelpSource $File 1 'The front matter opened here is never closed (---).'
}

# The parameter names a syntax line lists, in order: "Cmd [-A] <T> [-B <T>] [<CommonParameters>]".
function Get-SyntaxParameterName([string] $Syntax) {
    foreach ($match in [regex]::Matches($Syntax, '(?<=^|[\s\[])-([A-Za-z]\w*)')) { $match.Groups[1].Value }
}

function Read-SyntaxSection([string] $File, [string] $CommandName, [object[]] $Blocks) {
    $split = Split-MarkdownSection $Blocks 3
    $sets = New-Object System.Collections.Generic.List[object]
    $entries = @()
    if ($split.Groups.Count -eq 0) {
        # A cmdlet with a single parameter set may give its syntax without a set heading.
        $entries = @([pscustomobject]@{ Name = $script:AllParameterSets; Line = 0; Blocks = $split.Lead })
    } else {
        Assert-OnlyBlank $File $split.Lead 'before the first parameter set in ## SYNTAX'
        $entries = foreach ($group in $split.Groups) {
            [pscustomobject]@{ Name = ($group.Heading.Text -replace '\s*\(Default\)$', ''); Line = $group.Heading.Line; Blocks = $group.Blocks }
        }
    }
    foreach ($entry in $entries) {
        $code = @($entry.Blocks | Where-Object Kind -EQ 'Code')
        Assert-OnlyBlank $File @($entry.Blocks | Where-Object Kind -NE 'Code') "in the syntax of $($entry.Name)"
        if ($code.Count -ne 1) { Stop-HelpSource $File $entry.Line "The syntax of $($entry.Name) needs exactly one code block." }
        $text = $code[0].Lines -join ' '
        if ($text -notmatch "^\s*$([regex]::Escape($CommandName))(\s|$)") {
            Stop-HelpSource $File $code[0].Line "The syntax of $($entry.Name) does not start with $CommandName."
        }
        $sets.Add([pscustomobject]@{ Name = $entry.Name; Line = $code[0].Line; Parameters = @(Get-SyntaxParameterName $text) })
    }
    $sets.ToArray()
}

function Read-ParameterYaml([string] $File, [object] $Code) {
    $values = [ordered]@{}
    for ($index = 0; $index -lt $Code.Lines.Count; $index++) {
        $line = $Code.Lines[$index]
        if ($line.Trim().Length -eq 0) { continue }
        $number = $Code.Line + 1 + $index
        if ($line -notmatch '^([A-Za-z ]+):(.*)$') { Stop-HelpSource $File $number "Parameter yaml lines are 'Key: value'." }
        $key = $Matches[1]
        if ($script:YamlKeys -notcontains $key) {
            Stop-HelpSource $File $number "Unknown key '$key'; the keys are: $($script:YamlKeys -join ', ')."
        }
        $values[$key] = $Matches[2].Trim()
    }
    foreach ($key in $script:YamlKeys) {
        if (-not $values.Contains($key)) { Stop-HelpSource $File $Code.Line "The parameter yaml has no '$key'." }
    }
    foreach ($key in 'Type', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters') {
        if ($values[$key].Length -eq 0) { Stop-HelpSource $File $Code.Line "The parameter yaml's '$key' is empty." }
    }
    foreach ($key in 'Required', 'Accept wildcard characters') {
        if ($values[$key] -notmatch '^(true|false)$') { Stop-HelpSource $File $Code.Line "'$key' is True or False, not '$($values[$key])'." }
    }
    $sets = @($values['Parameter Sets'] -split '\s*,\s*' | Where-Object { $_ })
    [pscustomobject]@{
        Line          = $Code.Line
        Type          = $values['Type']
        Sets          = $sets
        Aliases       = $values['Aliases']
        Required      = $values['Required'].ToLowerInvariant()
        Position      = $values['Position'].ToLowerInvariant()
        DefaultValue  = $values['Default value']
        PipelineInput = $values['Accept pipeline input']
        Globbing      = $values['Accept wildcard characters'].ToLowerInvariant()
    }
}

function Read-ParameterSection([string] $File, [object[]] $Blocks) {
    $split = Split-MarkdownSection $Blocks 3
    Assert-OnlyBlank $File $split.Lead 'before the first parameter in ## PARAMETERS'
    foreach ($group in $split.Groups) {
        $heading = $group.Heading
        if ($heading.Text -eq 'CommonParameters') { continue }   # the same for every cmdlet; Get-Help adds it
        if ($heading.Text -notmatch '^-([A-Za-z]\w*)$') {
            Stop-HelpSource $File $heading.Line "Parameter headings are '### -Name' (or '### CommonParameters'), not '$($heading.Text)'."
        }
        $name = $Matches[1]
        $text = @($group.Blocks | Where-Object Kind -NE 'Code')
        $yaml = @($group.Blocks | Where-Object Kind -EQ 'Code')
        if ($yaml.Count -eq 0) { Stop-HelpSource $File $heading.Line "-$name has no yaml block." }
        foreach ($code in $yaml) {
            if ($code.Info -ne 'yaml') { Stop-HelpSource $File $code.Line "-$name may hold only yaml code blocks." }
        }
        foreach ($block in $text) {
            if ($block.Kind -eq 'Text' -and $block.Line -gt $yaml[0].Line) {
                Stop-HelpSource $File $block.Line "-$name's description goes before its yaml."
            }
        }
        $description = Get-Paragraph $File $text "The description of -$name"
        if ($description.Count -eq 0) { Stop-HelpSource $File $heading.Line "-$name has no description." }
        $forms = @(foreach ($code in $yaml) { Read-ParameterYaml $File $code })
        [pscustomobject]@{ Name = $name; Line = $heading.Line; Description = $description; Forms = $forms }
    }
}

function Read-ExampleSection([string] $File, [object[]] $Blocks) {
    $split = Split-MarkdownSection $Blocks 3
    Assert-OnlyBlank $File $split.Lead 'before the first example in ## EXAMPLES'
    foreach ($group in $split.Groups) {
        $exampleBlocks = @($group.Blocks)
        $first = 0
        while ($first -lt $exampleBlocks.Count -and $exampleBlocks[$first].Kind -eq 'Blank') { $first++ }
        if ($first -eq $exampleBlocks.Count -or $exampleBlocks[$first].Kind -ne 'Code') {
            Stop-HelpSource $File $group.Heading.Line 'An example starts with its code block; the remarks follow it.'
        }
        [pscustomobject]@{
            Title   = ConvertFrom-MarkdownText $group.Heading.Text
            Code    = $exampleBlocks[$first].Lines -join "`n"
            Remarks = Get-Paragraph $File @($exampleBlocks | Select-Object -Skip ($first + 1)) "The remarks of '$($group.Heading.Text)'"
        }
    }
}

# INPUTS and OUTPUTS: "### <type name>" and its description.
function Read-TypeSection([string] $File, [object[]] $Blocks, [string] $Section) {
    $split = Split-MarkdownSection $Blocks 3
    Assert-OnlyBlank $File $split.Lead "before the first type in ## $Section"
    foreach ($group in $split.Groups) {
        [pscustomobject]@{
            Type        = ConvertFrom-MarkdownText $group.Heading.Text
            Description = Get-Paragraph $File $group.Blocks "The description of $($group.Heading.Text)"
        }
    }
}

function Read-LinkSection([string] $File, [object[]] $Blocks) {
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Blank') { continue }
        if ($block.Kind -ne 'Text' -or $block.Text -notmatch '^\[(.+)\]\((.*)\)$') {
            Stop-HelpSource $File $block.Line 'Related links are one [text](target) per paragraph.'
        }
        $text = ConvertFrom-MarkdownText $Matches[1]
        $target = $Matches[2]
        # A page of this folder is found by name (Get-Help <name>); only absolute links keep a URI.
        $uri = ''
        if ($target -match '^[a-z]+://') { $uri = $target }
        [pscustomobject]@{ Text = $text; Uri = $uri }
    }
}

# Checks that each parameter's yaml covers exactly the sets whose syntax names it, and returns the
# yaml form that applies to each set.
function Resolve-ParameterSet([string] $File, [object[]] $Syntax, [object[]] $Parameters) {
    $setNames = @($Syntax | ForEach-Object Name)
    foreach ($set in $Syntax) {
        foreach ($name in $set.Parameters) {
            if (-not @($Parameters | Where-Object Name -EQ $name)) {
                Stop-HelpSource $File $set.Line "The syntax of $($set.Name) names -$name, which has no section in ## PARAMETERS."
            }
        }
    }
    foreach ($parameter in $Parameters) {
        $inSyntax = @($Syntax | Where-Object { $_.Parameters -contains $parameter.Name } | ForEach-Object Name)
        $covered = New-Object System.Collections.Generic.List[string]
        foreach ($form in $parameter.Forms) {
            $formSets = $form.Sets
            if ($formSets.Count -eq 1 -and $formSets[0] -eq '(All)') { $formSets = $inSyntax }
            foreach ($setName in $formSets) {
                if ($setNames -notcontains $setName) { Stop-HelpSource $File $form.Line "-$($parameter.Name): ## SYNTAX has no parameter set '$setName'." }
                if ($inSyntax -notcontains $setName) { Stop-HelpSource $File $form.Line "-$($parameter.Name) is in '$setName', but the syntax of $setName does not name it." }
                if ($covered.Contains($setName)) { Stop-HelpSource $File $form.Line "-$($parameter.Name) has two yaml blocks for '$setName'." }
                $covered.Add($setName)
            }
            $form | Add-Member -NotePropertyName ResolvedSets -NotePropertyValue @($formSets) -Force
        }
        foreach ($setName in $inSyntax) {
            if (-not $covered.Contains($setName)) { Stop-HelpSource $File $parameter.Line "-$($parameter.Name) is named in the syntax of $setName, but no yaml block lists that set." }
        }
    }
}

function Read-CommandPage([string] $File, [string[]] $Lines, [object] $FrontMatter) {
    $name = [System.IO.Path]::GetFileNameWithoutExtension($File)
    $blocks = Read-MarkdownBlock $File $Lines $FrontMatter.Next
    $top = Split-MarkdownSection $blocks 1
    Assert-OnlyBlank $File $top.Lead 'before the page title'
    if ($top.Groups.Count -ne 1 -or $top.Groups[0].Heading.Text -ne $name) {
        Stop-HelpSource $File 1 "A cmdlet page has one title, '# $name' (the file name)."
    }
    $split = Split-MarkdownSection $top.Groups[0].Blocks 2
    Assert-OnlyBlank $File $split.Lead 'between the title and ## SYNOPSIS'
    $sections = @{}
    foreach ($group in $split.Groups) {
        $title = $group.Heading.Text
        if ($script:CommandSections -notcontains $title) {
            Stop-HelpSource $File $group.Heading.Line "Unknown section '## $title'; the sections are: $($script:CommandSections -join ', ')."
        }
        if ($sections.ContainsKey($title)) { Stop-HelpSource $File $group.Heading.Line "A second '## $title'." }
        $sections[$title] = $group.Blocks
    }
    foreach ($title in $script:RequiredCommandSections) {
        if (-not $sections.ContainsKey($title)) { Stop-HelpSource $File 1 "The page has no '## $title'." }
    }
    $synopsis = Get-Paragraph $File $sections['SYNOPSIS'] '## SYNOPSIS'
    if ($synopsis.Count -eq 0) { Stop-HelpSource $File 1 'The synopsis is empty.' }

    $syntax = @(Read-SyntaxSection $File $name $sections['SYNTAX'])
    $parameters = @(Read-ParameterSection $File $sections['PARAMETERS'])
    $duplicate = $parameters | Group-Object Name | Where-Object Count -GT 1 | Select-Object -First 1
    if ($duplicate) { Stop-HelpSource $File $duplicate.Group[1].Line "A second section for -$($duplicate.Name)." }
    Resolve-ParameterSet $File $syntax $parameters

    $optional = @{}
    foreach ($title in 'EXAMPLES', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        $optional[$title] = @()
        if ($sections.ContainsKey($title)) { $optional[$title] = $sections[$title] }
    }
    [pscustomobject]@{
        Kind         = 'Command'
        Name         = $name
        File         = $File
        HelpFile     = $FrontMatter.Values['external help file']
        Synopsis     = $synopsis
        Description  = Get-Paragraph $File $sections['DESCRIPTION'] '## DESCRIPTION'
        Syntax       = $syntax
        Parameters   = $parameters
        Examples     = @(Read-ExampleSection $File $optional['EXAMPLES'])
        Inputs       = @(Read-TypeSection $File $optional['INPUTS'] 'INPUTS')
        Outputs      = @(Read-TypeSection $File $optional['OUTPUTS'] 'OUTPUTS')
        Notes        = Get-Paragraph $File $optional['NOTES'] '## NOTES'
        RelatedLinks = @(Read-LinkSection $File $optional['RELATED LINKS'])
    }
}

function Read-AboutPage([string] $File, [string[]] $Lines) {
    $name = [System.IO.Path]::GetFileNameWithoutExtension($File)
    $blocks = @(Read-MarkdownBlock $File $Lines 0)
    $first = @($blocks | Where-Object Kind -NE 'Blank') | Select-Object -First 1
    if ($null -eq $first -or $first.Kind -ne 'Heading' -or $first.Level -ne 1 -or $first.Text -ne $name) {
        Stop-HelpSource $File 1 "An about topic starts with its title, '# $name' (the file name)."
    }
    [pscustomobject]@{ Kind = 'About'; Name = $name; File = $File; Blocks = $blocks }
}

<#
.SYNOPSIS
    Reads the markdown help pages of a folder: each cmdlet page and about topic, checked.
.DESCRIPTION
    Cmdlet pages (<Verb>-<Noun>.md, with front matter naming their external help file) become
    objects with Name, HelpFile, Synopsis, Description, Syntax (sets and the parameters each
    names), Parameters (description and yaml forms), Examples, Inputs, Outputs, Notes and
    RelatedLinks. about_<topic>.md pages become about topics. Anything the format does not
    allow stops with '<file>:<line>: <what is wrong>'.
#>
function Read-MarkdownHelp {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)

    $folder = (Resolve-Path -LiteralPath $Path).ProviderPath
    $files = @(Get-ChildItem -LiteralPath $folder -Filter '*.md' -File | Sort-Object Name)
    if ($files.Count -eq 0) { throw "$folder holds no markdown help pages (*.md)." }
    foreach ($file in $files) {
        $lines = [System.IO.File]::ReadAllLines($file.FullName, [System.Text.Encoding]::UTF8)
        if ($file.BaseName -like 'about_*') {
            Read-AboutPage $file.FullName $lines
            continue
        }
        $frontMatter = Read-FrontMatter $file.FullName $lines
        if (-not $frontMatter.Values['external help file']) {
            Stop-HelpSource $file.FullName 1 "A cmdlet page names its MAML file in front matter ('external help file: <Module>.dll-Help.xml')."
        }
        Read-CommandPage $file.FullName $lines $frontMatter
    }
}

function Write-Paragraph([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    foreach ($paragraph in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $script:MamlNamespace, $paragraph) }
}

function Write-Description([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    $Writer.WriteStartElement('maml', 'description', $script:MamlNamespace)
    Write-Paragraph $Writer $Paragraphs
    $Writer.WriteEndElement()
}

function Write-TypeName([System.Xml.XmlWriter] $Writer, [string] $TypeName, [switch] $WithUri) {
    $Writer.WriteStartElement('dev', 'type', $script:DevNamespace)
    $Writer.WriteElementString('maml', 'name', $script:MamlNamespace, $TypeName)
    if ($WithUri) {
        $Writer.WriteStartElement('maml', 'uri', $script:MamlNamespace)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

# One <command:parameter>: in a syntax item (no description; a switch shows no value) or in the
# parameter list (with description).
function Write-MamlParameter([System.Xml.XmlWriter] $Writer, [object] $Parameter, [object] $Form, [switch] $InSyntax) {
    $isSwitch = $Form.Type -eq $script:SwitchType
    # Get-Help shows the short type: System.Nullable`1[System.Int32] as Int32, System.String[] as String[].
    $shortType = ($Form.Type -replace '^System\.Nullable`1\[(.+)\]$', '$1') -replace '^.*\.', ''
    $variableLength = ([string]$Form.Type.EndsWith('[]')).ToLowerInvariant()
    $aliases = $Form.Aliases
    if (-not $aliases) { $aliases = 'none' }

    $Writer.WriteStartElement('command', 'parameter', $script:CommandNamespace)
    $Writer.WriteAttributeString('required', $Form.Required)
    $Writer.WriteAttributeString('variableLength', $variableLength)
    $Writer.WriteAttributeString('globbing', $Form.Globbing)
    $Writer.WriteAttributeString('pipelineInput', $Form.PipelineInput)
    $Writer.WriteAttributeString('position', $Form.Position)
    $Writer.WriteAttributeString('aliases', $aliases)
    $Writer.WriteElementString('maml', 'name', $script:MamlNamespace, $Parameter.Name)
    if (-not $InSyntax) { Write-Description $Writer $Parameter.Description }
    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNamespace)
        $Writer.WriteAttributeString('required', ([string](-not $isSwitch)).ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', $variableLength)
        $Writer.WriteString($shortType)
        $Writer.WriteEndElement()
    }
    Write-TypeName $Writer $Form.Type -WithUri
    $Writer.WriteElementString('dev', 'defaultValue', $script:DevNamespace, $Form.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-MamlTypeList([System.Xml.XmlWriter] $Writer, [string] $List, [string] $Item, [object[]] $Types) {
    $Writer.WriteStartElement('command', $List, $script:CommandNamespace)
    foreach ($type in $Types) {
        $Writer.WriteStartElement('command', $Item, $script:CommandNamespace)
        Write-TypeName $Writer $type.Type
        Write-Description $Writer $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlCommand([System.Xml.XmlWriter] $Writer, [object] $Page) {
    $Writer.WriteStartElement('command', 'command', $script:CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNamespace)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $script:CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $script:DevNamespace)

    $verb, $noun = $Page.Name -split '-', 2
    $Writer.WriteStartElement('command', 'details', $script:CommandNamespace)
    $Writer.WriteElementString('command', 'name', $script:CommandNamespace, $Page.Name)
    $Writer.WriteElementString('command', 'verb', $script:CommandNamespace, $verb)
    $Writer.WriteElementString('command', 'noun', $script:CommandNamespace, $noun)
    Write-Description $Writer $Page.Synopsis
    $Writer.WriteEndElement()
    Write-Description $Writer $Page.Description

    $Writer.WriteStartElement('command', 'syntax', $script:CommandNamespace)
    foreach ($set in $Page.Syntax) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:CommandNamespace)
        $Writer.WriteElementString('maml', 'name', $script:MamlNamespace, $Page.Name)
        foreach ($name in $set.Parameters) {
            $parameter = $Page.Parameters | Where-Object Name -EQ $name
            $form = $parameter.Forms | Where-Object { $_.ResolvedSets -contains $set.Name }
            Write-MamlParameter $Writer $parameter $form -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # The parameter list shows one form per parameter: the first.
    $Writer.WriteStartElement('command', 'parameters', $script:CommandNamespace)
    foreach ($parameter in $Page.Parameters) { Write-MamlParameter $Writer $parameter $parameter.Forms[0] }
    $Writer.WriteEndElement()

    Write-MamlTypeList $Writer 'inputTypes' 'inputType' $Page.Inputs
    Write-MamlTypeList $Writer 'returnValues' 'returnValue' $Page.Outputs

    $Writer.WriteStartElement('maml', 'alertSet', $script:MamlNamespace)
    $Writer.WriteStartElement('maml', 'alert', $script:MamlNamespace)
    Write-Paragraph $Writer $Page.Notes
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $script:CommandNamespace)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $script:CommandNamespace)
        $Writer.WriteElementString('maml', 'title', $script:MamlNamespace, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $script:DevNamespace, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $script:DevNamespace)
        Write-Paragraph $Writer $example.Remarks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $script:CommandNamespace)
    foreach ($link in $Page.RelatedLinks) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:MamlNamespace)
        $Writer.WriteElementString('maml', 'linkText', $script:MamlNamespace, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $script:MamlNamespace, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Export-MamlFile([string] $Destination, [object[]] $Pages) {
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $writer = [System.Xml.XmlWriter]::Create($Destination, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteComment(' Generated by build.ps1 from the markdown pages in docs/en-US; edit those, not this file. ')
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($page in $Pages) { Write-MamlCommand $writer $page }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    } finally {
        $writer.Dispose()
    }
}

# about_<topic>.help.txt as Get-Help shows it: '# about_X' is the TOPIC, '## HEADING' a heading at
# the margin, text indented by four spaces with its line breaks kept, code blocks by four more.
function ConvertTo-AboutText([object] $Page) {
    $lines = New-Object System.Collections.Generic.List[string]
    foreach ($block in $Page.Blocks) {
        switch ($block.Kind) {
            'Heading' {
                if ($block.Level -eq 1) { $lines.Add('TOPIC'); $lines.Add("    $(ConvertFrom-MarkdownText $block.Text)") }
                else { $lines.Add((ConvertFrom-MarkdownText $block.Text)) }
            }
            'Text' { $lines.Add("    $(ConvertFrom-MarkdownText $block.Text)") }
            'Blank' { $lines.Add('') }
            'Code' {
                $margin = ' ' * (4 + $block.Indent + 4)
                foreach ($line in $block.Lines) {
                    if ($line.Length -eq 0) { $lines.Add('') } else { $lines.Add($margin + $line) }
                }
            }
        }
    }
    while ($lines.Count -gt 0 -and $lines[$lines.Count - 1] -eq '') { $lines.RemoveAt($lines.Count - 1) }
    ($lines -join "`n") + "`n"
}

<#
.SYNOPSIS
    Builds the help Get-Help reads from the markdown pages of a folder.
.DESCRIPTION
    Writes one MAML file per 'external help file' the cmdlet pages name, and about_<topic>.help.txt
    per about topic, into DestinationPath (created if needed). Returns the files written.
#>
function Export-MarkdownHelp {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $DestinationPath
    )

    $pages = @(Read-MarkdownHelp -Path $Path)
    $null = New-Item -ItemType Directory -Path $DestinationPath -Force
    $destination = (Resolve-Path -LiteralPath $DestinationPath).ProviderPath
    foreach ($group in $pages | Where-Object Kind -EQ 'Command' | Group-Object HelpFile) {
        $file = Join-Path $destination $group.Name
        Export-MamlFile $file $group.Group
        Get-Item -LiteralPath $file
    }
    foreach ($page in $pages | Where-Object Kind -EQ 'About') {
        $file = Join-Path $destination "$($page.Name).help.txt"
        # With a byte order mark: Windows PowerShell 5.1 reads a file without one in the ANSI code page.
        [System.IO.File]::WriteAllText($file, (ConvertTo-AboutText $page), (New-Object System.Text.UTF8Encoding($true)))
        Get-Item -LiteralPath $file
    }
}

<#
.SYNOPSIS
    Compares the markdown pages with the cmdlets they document.
.DESCRIPTION
    Returns one sentence per difference: a cmdlet without a page, a parameter without a section, a
    section for a parameter the cmdlet does not have, a parameter set the syntax leaves out or
    invents, a parameter a set's syntax leaves out or adds. Nothing when they agree. Parameters
    hidden with DontShow need a section but appear in no syntax, as in Get-Command -Syntax.
#>
function Compare-MarkdownHelp {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo[]] $Command
    )

    $pages = @(Read-MarkdownHelp -Path $Path | Where-Object Kind -EQ 'Command')
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters +
    [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    foreach ($info in $Command) {
        $page = $pages | Where-Object Name -EQ $info.Name
        if (-not $page) { "$($info.Name) has no page $($info.Name).md."; continue }
        $file = Split-Path -Leaf $page.File
        $actual = @($info.Parameters.Keys | Where-Object { $common -notcontains $_ })
        $documented = @($page.Parameters | ForEach-Object Name)
        foreach ($name in $actual) {
            if ($documented -notcontains $name) { "$($info.Name) -$name is not documented: $file has no '### -$name'." }
        }
        foreach ($name in $documented) {
            if ($actual -notcontains $name) { "$file documents -$name, which $($info.Name) does not have." }
        }
        foreach ($set in $info.ParameterSets) {
            $syntax = $page.Syntax | Where-Object Name -EQ $set.Name
            if (-not $syntax) { "$file has no syntax for the parameter set $($set.Name) of $($info.Name)."; continue }
            $shown = @($set.Parameters | Where-Object {
                    $common -notcontains $_.Name -and -not @($_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
                } | ForEach-Object Name)
            foreach ($name in $shown) {
                if ($syntax.Parameters -notcontains $name) { "$file's syntax of $($set.Name) leaves out -$name." }
            }
            foreach ($name in $syntax.Parameters) {
                if ($shown -notcontains $name) { "$file's syntax of $($set.Name) names -$name, which is not in that set." }
            }
        }
        foreach ($syntax in $page.Syntax) {
            if (-not @($info.ParameterSets | Where-Object Name -EQ $syntax.Name)) {
                "$file has a syntax for $($syntax.Name), which is not a parameter set of $($info.Name)."
            }
        }
    }
}

Export-ModuleMember -Function Read-MarkdownHelp, Export-MarkdownHelp, Compare-MarkdownHelp
