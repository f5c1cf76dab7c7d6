using System;
using System.Collections.Generic;
using System.Linq;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>What a message needs before it can be sent, however it was made.</summary>
internal static class ChatMessageRules
{
    public static readonly string[] Roles = { "system", "user", "assistant", "tool" };

    private static readonly char[] s_whitespace = { ' ', '\t', '\r', '\n', '\v', '\f' };

    /// <summary>A known role in lower case, whatever case it came in; any other text as it is.</summary>
    public static string NormalizeRole(string role)
    {
        foreach (string known in Roles)
        {
            if (string.Equals(role, known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return role;
    }

    /// <summary>Why the message cannot be sent, as a phrase ("has no content"); null when it can.</summary>
    public static string? Problem(LaminiChatMessage message)
    {
        if (message.FieldProblem is not null)
        {
            return message.FieldProblem;
        }

        if (message.Role.Length == 0)
        {
            return "has no role";
        }

        if (Array.IndexOf(Roles, message.Role) < 0)
        {
            return $"has role '{message.Role}'; use one of {string.Join(", ", Roles)}";
        }

        return message.Content is null && message.ToolCalls is null ? "has no content" : null;
    }

    /// <summary>The first message that cannot be sent: its index and the phrase saying why; null when all can.</summary>
    public static string? FirstProblem(IReadOnlyList<LaminiChatMessage> messages, out int index)
    {
        for (index = 0; index < messages.Count; index++)
        {
            if (Problem(messages[index]) is string problem)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>What names a conversation in output and errors: its last user message, else its last message.</summary>
    public static string Label(IReadOnlyList<LaminiChatMessage> messages) =>
        messages.LastOrDefault(m => m.Role == "user")?.Content ?? messages[messages.Count - 1].Content ?? string.Empty;

    /// <summary>A prompt as messages name it: on one line, its first 60 characters.</summary>
    public static string PromptLabel(string prompt) => Shorten(string.Join(" ", prompt.Split(s_whitespace, StringSplitOptions.RemoveEmptyEntries)), 60);

    /// <summary>The text's first <paramref name="length"/> characters, with an ellipsis when it was longer.</summary>
    public static string Shorten(string text, int length) =>
        text.Length <= length ? text : text.Substring(0, length) + "…";

    /// <summary>
    /// What every prompt of a batch follows: the earlier conversation, after the system prompt unless
    /// it has one of its own. Without a system prompt to add, the conversation is shared, not copied.
    /// </summary>
    public static IReadOnlyList<LaminiChatMessage> Start(IReadOnlyList<LaminiChatMessage>? earlier, string? systemPrompt)
    {
        earlier ??= Array.Empty<LaminiChatMessage>();
        if (systemPrompt is null || earlier.Any(m => m.Role == "system"))
        {
            return earlier;
        }

        var start = new List<LaminiChatMessage>(earlier.Count + 1) { new("system", systemPrompt) };
        start.AddRange(earlier);
        return start;
    }
}
