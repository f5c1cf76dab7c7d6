using System.Text.RegularExpressions;

namespace LaminiPS.Client;

/// <summary>
/// Recognises a server's refusal of tools, for <see cref="ErrorBodyParser"/>'s table: vLLM started
/// without --enable-auto-tool-choice answers 400 '"auto" tool choice requires --enable-auto-tool-choice
/// and --tool-call-parser to be set'; other servers say a model "does not support tools" or that tools
/// "are not supported".
/// </summary>
internal static class UnsupportedToolsAnswer
{
    private const string ToolWords = @"(tools?|tool_choice|tool[ _-]choice|tool[ _-]calls?|tool[ _-]calling|function[ _-]calling)";

    public static readonly Regex Pattern = new(
        // vLLM names the server flags that would enable it.
        @"--enable-auto-tool-choice|--tool-call-parser"

        // "tools is not supported in this model", "tool calling is not enabled".
        + @"|\b" + ToolWords + @"\b[^.]{0,60}?\b(not supported|unsupported|not enabled|not available)\b"

        // "gemma:2b does not support tools", "does not support parameters: ['tools']".
        + @"|\b(does ?n[o']t|do ?n[o']t|cannot|can't) support\b[^.]{0,80}?\b" + ToolWords + @"\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
