namespace LaminiPS.Commands;

/// <summary>
/// Where Get-Help -Online goes: each cmdlet's page in the repository's docs/en-US (the manifest's
/// HelpInfoURI points Update-Help at the same docs folder).
/// </summary>
internal static class OnlineHelp
{
    public const string Pages = "https://github.com/laminips/LaminiPS/blob/main/docs/en-US/";
}
