namespace LaminiPS.Models;

/// <summary>One message of a conversation, as sent to or received from the service.</summary>
public sealed class LaminiChatMessage
{
    public LaminiChatMessage()
    {
    }

    public LaminiChatMessage(string role, string? content)
    {
        Role = role;
        Content = content;
    }

    /// <summary>system, user, assistant or tool.</summary>
    public string Role { get; set; } = string.Empty;

    public string? Content { get; set; }

    public string? Name { get; set; }

    /// <summary>For a tool message: the id of the call it answers.</summary>
    public string? ToolCallId { get; set; }

    public LaminiToolCall[]? ToolCalls { get; set; }

    public string? Refusal { get; set; }

    /// <summary>Why a field of the object this message was read from could not be taken as text; null when all could.</summary>
    internal string? FieldProblem { get; init; }

    public override string ToString() => $"{Role}: {Content}";
}
