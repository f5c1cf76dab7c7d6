using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Models;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Lets -Conversation (given or piped) take anything that looks like a reply: a LaminiChatResponse,
/// one that came back from Import-Clixml, a job, remoting or ForEach-Object -Parallel (a
/// Deserialized.LaminiPS.Models.LaminiChatResponse), or one read back with ConvertFrom-Json from
/// `$reply | ConvertTo-Json` (a [pscustomobject], or dictionaries with -AsHashtable). It becomes a
/// reply with the same history and the model it asked for, so the conversation goes on unchanged.
/// Anything without Messages is passed on as it is, so a piped string still binds to -Prompt.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ConversationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = Unwrap(inputData);
        if (value is null or LaminiChatResponse || Unwrap(Field(value, nameof(LaminiChatResponse.Messages))) is not { } messages)
        {
            return value ?? inputData;
        }

        IEnumerable entries = messages is IEnumerable list and not string and not IDictionary ? list : new[] { messages };
        var history = new List<LaminiChatMessage>();
        foreach (object? entry in entries)
        {
            history.Add(ToMessage(Unwrap(entry), history.Count));
        }

        if (history.Count == 0)
        {
            throw new ArgumentTransformationMetadataException("The conversation has no messages to continue from. (error id InvalidMessage)");
        }

        return new LaminiChatResponse
        {
            Prompt = Text(value, nameof(LaminiChatResponse.Prompt)),
            Content = Text(value, nameof(LaminiChatResponse.Content)),
            Model = Text(value, nameof(LaminiChatResponse.Model)),
            // A reply saved before RequestedModel existed only names the model that answered.
            RequestedModel = Text(value, nameof(LaminiChatResponse.RequestedModel)) ?? Text(value, nameof(LaminiChatResponse.Model)),
            Messages = new LaminiMessageList(history),
        };
    }

    private static LaminiChatMessage ToMessage(object? entry, int index)
    {
        if (entry is LaminiChatMessage typed)
        {
            return typed;
        }

        string? role = entry is null ? null : Text(entry, "Role");
        if (entry is null || string.IsNullOrEmpty(role))
        {
            throw new ArgumentTransformationMetadataException(
                $"Message {index} of the conversation has no role; a saved reply's Messages each have Role and Content. (error id InvalidMessage)");
        }

        return new LaminiChatMessage(role!.ToLowerInvariant(), Text(entry, "Content"))
        {
            Name = Text(entry, "Name"),
            ToolCallId = Text(entry, "ToolCallId") ?? Text(entry, "tool_call_id"),
            ToolCalls = ToolCalls(Field(entry, "ToolCalls"), index),
            Refusal = Text(entry, "Refusal"),
        };
    }

    private static LaminiToolCall[]? ToolCalls(object? value, int index)
    {
        if (Unwrap(value) is not IEnumerable calls || value is string)
        {
            return null;
        }

        return calls.Cast<object?>().Select(Unwrap).Select(call => call switch
        {
            LaminiToolCall typed => typed,
            null or string or ValueType => throw new ArgumentTransformationMetadataException(
                $"Message {index} of the conversation lists its tool calls only as text, as ConvertTo-Json writes them below its default depth; save the reply with ConvertTo-Json -Depth 5 to continue it. (error id InvalidMessage)"),
            _ => new LaminiToolCall
            {
                Id = Text(call, "Id"),
                Type = Text(call, "Type") ?? "function",
                Name = Text(call, "Name"),
                Arguments = Text(call, "Arguments"),
            },
        }).ToArray();
    }

    private static string? Text(object source, string name) =>
        Unwrap(Field(source, name)) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    /// <summary>A dictionary's key or an object's property, matched without regard to case.</summary>
    private static object? Field(object source, string name)
    {
        if (source is IDictionary table)
        {
            foreach (DictionaryEntry entry in table)
            {
                if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase))
                {
                    return entry.Value;
                }
            }

            return null;
        }

        return PSObject.AsPSObject(source).Properties[name]?.Value;
    }

    /// <summary>The object inside a PSObject, except a [pscustomobject] or a deserialized object, whose properties live on the PSObject.</summary>
    private static object? Unwrap(object? value) =>
        value is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : value;
}
