using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Json;
using LaminiPS.Models;
using static LaminiPS.Commands.Transformations.ObjectFields;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Lets -Messages take LaminiChatMessage objects, hashtables and [pscustomobject]s (any object with
/// role and content, also name and tool_call_id, and the ToolCalls and Refusal of a saved reply's
/// messages): each becomes a LaminiChatMessage with its role in lower case. Whether a message can be
/// sent is checked afterwards, so a bad one is reported as InvalidMessage with its place in the list.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ChatMessagesTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
        // Null is left to [ValidateNotNullOrEmpty], which names the parameter.
        PowerShellJson.Unwrap(inputData) is { } value ? ToMessages(value) : inputData;

    /// <summary>One message, or a list of them, as messages (also what -Conversation reads a reply's Messages with).</summary>
    public static LaminiChatMessage[] ToMessages(object value)
    {
        IEnumerable<object?> entries = PowerShellJson.AsList(value);
        var messages = new List<LaminiChatMessage>();
        foreach (object? entry in entries)
        {
            messages.Add(ToMessage(PowerShellJson.Unwrap(entry), messages.Count));
        }

        return messages.ToArray();
    }

    /// <summary>The error for the first message that can't be sent, naming its place in the list; null when all can.</summary>
    public static ErrorRecord? Refusal(IReadOnlyList<LaminiChatMessage> messages) =>
        ChatMessageRules.FirstProblem(messages, out int index) is string problem
            ? new ErrorRecord(
                new PSArgumentException($"-Messages entry {index} {problem}. Give hashtables like @{{ role = 'user'; content = 'Hello' }} or LaminiChatMessage objects."),
                ErrorIds.InvalidMessage,
                ErrorCategory.InvalidArgument,
                messages[index])
            : null;

    private static LaminiChatMessage ToMessage(object? entry, int index) => entry switch
    {
        LaminiChatMessage { Role: var role } message when role == ChatMessageRules.NormalizeRole(role) => message,
        LaminiChatMessage message => new LaminiChatMessage(ChatMessageRules.NormalizeRole(message.Role), message.Content)
        {
            Name = message.Name,
            ToolCallId = message.ToolCallId,
            ToolCalls = message.ToolCalls,
            Refusal = message.Refusal,
        },
        null => new LaminiChatMessage(),
        _ => FromFields(entry, index),
    };

    /// <summary>
    /// A message from an object's fields. A field that is there but is not text (content parts, a hashtable, a number),
    /// in the message or in one of its tool calls, makes the message unsendable: its .NET type name must never reach
    /// the model as the text.
    /// </summary>
    private static LaminiChatMessage FromFields(object entry, int index)
    {
        string? notText = null;
        string? Field(object source, string name, string place = "")
        {
            object? value = Value(source, name);
            if (value is null or string)
            {
                return (string?)value;
            }

            notText ??= $"has {name} of type {Describe(value)}{place}, not text; give it as text (join the text of content parts, turn other values into text first, as ConvertTo-Json does)";
            return null;
        }

        return new LaminiChatMessage(ChatMessageRules.NormalizeRole(Field(entry, "role") ?? string.Empty), Field(entry, "content"))
        {
            Name = Field(entry, "name"),
            ToolCallId = Field(entry, "tool_call_id") ?? Field(entry, "ToolCallId"),
            ToolCalls = ToolCalls(Value(entry, "ToolCalls"), index, (call, position, name) => Field(call, name, $" in tool call {position}")),
            Refusal = Field(entry, "Refusal"),
            FieldProblem = notText,
        };
    }

    /// <summary>
    /// A saved reply's tool calls (Id, Type, Name, ArgumentsJson), or null when it has none. <paramref name="field"/> reads
    /// one field of the call at a position as text, as the message's own fields are read.
    /// </summary>
    private static LaminiToolCall[]? ToolCalls(object? value, int index, Func<object, int, string, string?> field)
    {
        if (value is null)
        {
            return null;
        }

        // ConvertTo-Json below -Depth 5 writes a message's tool calls as their type name or as text.
        Exception CutToText() => new ArgumentTransformationMetadataException(
            $"Message {index} has its tool calls only as text, as ConvertTo-Json writes them below -Depth 5; save the reply with ConvertTo-Json -Depth 5 to continue it. (error id {ErrorIds.InvalidMessage})");
        if (value is not IEnumerable calls || value is string or IDictionary)
        {
            throw CutToText();
        }

        return calls.Cast<object?>().Select(PowerShellJson.Unwrap).Select((call, position) => call switch
        {
            LaminiToolCall typed => typed,
            null or string or ValueType => throw CutToText(),
            // ArgumentsJson is the model's text as received, which goes back on the wire unchanged: a dictionary
            // there is refused like any other non-text field, not written as JSON that the model never wrote.
            _ => new LaminiToolCall(field(call, position, "Id"), field(call, position, "Type") ?? "function", field(call, position, "Name"), field(call, position, "ArgumentsJson")),
        }).ToArray();
    }
}
