using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Models;

namespace LaminiPS.Commands.Tools;

/// <summary>-ToolResult: the caller's own answers to the tool calls of a reply, as the tool messages that continue it.</summary>
internal static class ToolResultMessages
{
    /// <summary>
    /// <paramref name="conversation"/> followed by the answers to the calls of <paramref name="reply"/>; null when they
    /// can't be made, after reporting why as an InvalidToolResult error about the reply's prompt.
    /// </summary>
    public static MessageHistory? Answer(IReadOnlyList<LaminiChatMessage> conversation, LaminiChatResponse? reply, object?[] results, Action<ErrorRecord> report)
    {
        try
        {
            return MessageHistory.Append(conversation, For(reply, results));
        }
        catch (ArgumentException ex)
        {
            var named = reply is null ? ex : new ArgumentException($"Nothing was sent for the reply to '{ChatMessageRules.PromptLabel(ChatMessageRules.Label(reply.Messages))}': {ex.Message}");
            report(new ErrorRecord(named, ErrorIds.InvalidToolResult, ErrorCategory.InvalidArgument, reply?.Prompt));
            return null;
        }
    }

    /// <summary>
    /// One tool message per call of <paramref name="reply"/> (of its last message), in order, written as the results of -InvokeTool are.
    /// With one call, all of <paramref name="results"/> is its result; with several, each entry answers the call at
    /// its place. Throws <see cref="ArgumentException"/> when the results do not fit the calls.
    /// </summary>
    private static LaminiChatMessage[] For(LaminiChatResponse? reply, object?[] results)
    {
        if (reply is null)
        {
            throw new ArgumentException("-ToolResult answers the tool calls of a reply: pipe the reply in, or give it to -Conversation.");
        }

        // The conversation's last message, not the reply's choices: a reply read back from a file keeps only its messages.
        LaminiToolCall[] calls = reply.Messages.LastOrDefault() is { Role: "assistant", ToolCalls: { } asked } ? asked : Array.Empty<LaminiToolCall>();
        if (calls.Length == 0)
        {
            throw new ArgumentException("The reply asks for no tool calls, so -ToolResult has nothing to answer; continue it with a prompt alone.");
        }

        if (calls.Length > 1 && results.Length != calls.Length)
        {
            throw new ArgumentException(
                $"-ToolResult has {results.Length} result(s) for the {calls.Length} tool calls of the reply ({string.Join(", ", calls.Select(call => call.Name))}); give one per call, in the order of the reply's ToolCalls.");
        }

        return calls
            .Select((call, index) => new LaminiChatMessage("tool", ToolOutputText.From(calls.Length == 1 ? results : Items(results[index]))) { ToolCallId = call.Id })
            .ToArray();
    }

    /// <summary>A list's items (what a command wrote), or the one value.</summary>
    private static IReadOnlyList<object?> Items(object? result) =>
        LanguagePrimitives.GetEnumerable(result) is IEnumerable items ? items.Cast<object?>().ToList() : new[] { result };
}
