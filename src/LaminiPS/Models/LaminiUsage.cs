using System.Globalization;

namespace LaminiPS.Models;

/// <summary>Token counts the service billed for one reply.</summary>
public sealed class LaminiUsage
{
    public int PromptTokens { get; internal set; }

    public int CompletionTokens { get; internal set; }

    public int TotalTokens { get; internal set; }

    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "{0} prompt + {1} completion = {2} tokens", PromptTokens, CompletionTokens, TotalTokens);
}
