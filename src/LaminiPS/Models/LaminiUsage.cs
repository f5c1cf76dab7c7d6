using System.Globalization;

namespace LaminiPS.Models;

/// <summary>Token counts the service billed for one reply.</summary>
public sealed class LaminiUsage
{
    public int PromptTokens { get; internal set; }

    public int CompletionTokens { get; internal set; }

    public int TotalTokens { get; internal set; }

    /// <summary>The usage of two requests together (rounds of tool calls); null only when neither reported any.</summary>
    internal static LaminiUsage? Sum(LaminiUsage? first, LaminiUsage? second) =>
        first is null ? second
        : second is null ? first
        : new LaminiUsage
        {
            PromptTokens = first.PromptTokens + second.PromptTokens,
            CompletionTokens = first.CompletionTokens + second.CompletionTokens,
            TotalTokens = first.TotalTokens + second.TotalTokens,
        };

    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "{0} prompt + {1} completion = {2} tokens", PromptTokens, CompletionTokens, TotalTokens);
}
