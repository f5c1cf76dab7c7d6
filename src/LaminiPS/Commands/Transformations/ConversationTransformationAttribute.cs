using System;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Json;
using LaminiPS.Models;
using static LaminiPS.Commands.Transformations.ObjectFields;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Lets -Conversation take anything that looks like a reply: a LaminiChatResponse,
/// one that came back from Import-Clixml, a job, remoting or ForEach-Object -Parallel (a
/// Deserialized.LaminiPS.Models.LaminiChatResponse), or one read back with ConvertFrom-Json from
/// `$reply | ConvertTo-Json` (a [pscustomobject], or dictionaries with -AsHashtable). It becomes a
/// reply with the same history and the model it asked for, so the conversation goes on unchanged.
/// Anything without Messages is passed on as it is. A piped reply is read the same way (PipedInput).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ConversationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = PowerShellJson.Unwrap(inputData);
        return value is null or LaminiChatResponse ? value ?? inputData : ToReply(value) ?? value;
    }

    /// <summary>
    /// The reply <paramref name="value"/> was saved from, to continue; null when it has no Messages, so
    /// is no reply. Throws <see cref="ArgumentTransformationMetadataException"/> when its messages cannot be sent.
    /// </summary>
    public static LaminiChatResponse? ToReply(object value)
    {
        if (Value(value, nameof(LaminiChatResponse.Messages)) is not { } messages)
        {
            return null;
        }

        LaminiChatMessage[] history = ChatMessagesTransformationAttribute.ToMessages(messages);
        string? problem = history.Length == 0 ? "The conversation has no messages"
            : ChatMessageRules.FirstProblem(history, out int index) is string found ? $"Message {index} of the conversation {found}"
            : null;
        if (problem is not null)
        {
            throw new ArgumentTransformationMetadataException(
                $"{problem}; a saved reply's Messages each have Role and Content. (error id {ErrorIds.InvalidMessage})");
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
}
