#
# Module manifest for LaminiPS. This file is the single source of the module version:
# build.ps1 reads ModuleVersion from here and passes it to dotnet publish as -p:Version.
#
@{
    RootModule           = 'LaminiPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '9dc21957-0a9f-49c5-8667-b7352383fb11'
    Author               = 'LaminiPS contributors'
    CompanyName          = 'LaminiPS contributors'
    Copyright            = '(c) 2026 LaminiPS contributors. MIT License.'
    Description          = "PowerShell cmdlets for Lamini's OpenAI-compatible inference API: list models, chat, and structured JSON output."
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    FormatsToProcess     = @('LaminiPS.Format.ps1xml')
    TypesToProcess       = @('LaminiPS.Types.ps1xml')
    # Update-Help reads LaminiPS_<GUID>_HelpInfo.xml from here (docs/ in the repository).
    HelpInfoURI          = 'https://raw.githubusercontent.com/laminips/LaminiPS/main/docs/'
    CmdletsToExport      = @('Get-LaminiModel', 'Invoke-LaminiChat', 'New-LaminiJsonSchema')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Lamini', 'LLM', 'OpenAI', 'AI', 'Chat', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/laminips/LaminiPS/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/laminips/LaminiPS'
            ReleaseNotes = @'
0.1.0 - first release.
- Get-LaminiModel: list the models the service offers, with wildcard filtering.
- Invoke-LaminiChat: chat completions, with temperature, token limit, JSON schema output and caching.
- New-LaminiJsonSchema: build the JSON schema for structured output from a short description.
- Works on Windows PowerShell 5.1 and PowerShell 7.x; the API key is read from -ApiKey,
  $env:LAMINI_API_KEY or ~/.lamini/configure.yaml.
'@
        }
    }
}
