using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Models;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Lets -Messages take LaminiChatMessage objects, hashtables and [pscustomobject]s (any object with
/// role and content, also name and tool_call_id): each becomes a LaminiChatMessage with its role in
/// lower case. Whether a message can be sent is checked afterwards, so a bad one is reported as
/// InvalidMessage with its place in the list.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ChatMessagesTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = Unwrap(inputData);
        if (value is null)
        {
            // Left to [ValidateNotNullOrEmpty], which names the parameter.
            return inputData;
        }

        IEnumerable entries = value is IEnumerable list and not string and not IDictionary ? list : new[] { value };
        var messages = new List<LaminiChatMessage>();
        foreach (object? entry in entries)
        {
            messages.Add(ToMessage(Unwrap(entry)));
        }

        return messages.ToArray();
    }

    private static LaminiChatMessage ToMessage(object? entry) => entry switch
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
        _ => new LaminiChatMessage(ChatMessageRules.NormalizeRole(Field(entry, "role") ?? string.Empty), Field(entry, "content"))
        {
            Name = Field(entry, "name"),
            ToolCallId = Field(entry, "tool_call_id") ?? Field(entry, "ToolCallId"),
        },
    };

    /// <summary>A dictionary's key or an object's property, matched without regard to case, as text.</summary>
    private static string? Field(object source, string name)
    {
        object? value = null;
        if (source is IDictionary table)
        {
            foreach (DictionaryEntry entry in table)
            {
                if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase))
                {
                    value = entry.Value;
                    break;
                }
            }
        }
        else
        {
            value = PSObject.AsPSObject(source).Properties[name]?.Value;
        }

        return Unwrap(value)?.ToString();
    }

    /// <summary>The object inside a PSObject, except a [pscustomobject], whose properties live on the PSObject.</summary>
    private static object? Unwrap(object? value) =>
        value is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : value;
}
