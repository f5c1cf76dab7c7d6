namespace LaminiPS.Models;

/// <summary>One of the n alternatives in a reply.</summary>
public sealed class LaminiChatChoice
{
    public int Index { get; internal set; }

    public LaminiChatMessage Message { get; internal set; } = new();

    /// <summary>stop, length, tool_calls, content_filter, ... or null; any value the server sends.</summary>
    public string? FinishReason { get; internal set; }

    public override string ToString() => Message.Content ?? string.Empty;
}
