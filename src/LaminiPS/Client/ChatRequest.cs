using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>One chat completion request: a model, the messages, and the batch's shared settings.</summary>
internal sealed class ChatRequest
{
    public ChatRequest(string model, IReadOnlyList<LaminiChatMessage> messages, ChatSettings settings)
    {
        Model = model;
        Messages = messages;
        Settings = settings;
    }

    public string Model { get; }

    public IReadOnlyList<LaminiChatMessage> Messages { get; }

    public ChatSettings Settings { get; }

    internal byte[] ToJson(bool stream)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = MinimalJsonEncoder.Instance }))
        {
            writer.WriteStartObject();
            writer.WriteString(ChatRequestField.Model.Name, Model);
            writer.WriteStartArray(ChatRequestField.Messages.Name);
            foreach (LaminiChatMessage message in Messages)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
            Settings.WriteFields(writer, stream);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter writer, LaminiChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("role", message.Role);
        if (message.Content is null)
        {
            writer.WriteNull("content");
        }
        else
        {
            writer.WriteString("content", message.Content);
        }

        if (message.Name is not null)
        {
            writer.WriteString("name", message.Name);
        }

        if (message.ToolCallId is not null)
        {
            writer.WriteString("tool_call_id", message.ToolCallId);
        }

        if (message.ToolCalls is { Length: > 0 } calls)
        {
            WriteToolCalls(writer, calls);
        }

        writer.WriteEndObject();
    }

    /// <summary>An assistant message's tool_calls, exactly as the reply had them, so tool results follow their calls.</summary>
    private static void WriteToolCalls(Utf8JsonWriter writer, LaminiToolCall[] calls)
    {
        writer.WriteStartArray("tool_calls");
        foreach (LaminiToolCall call in calls)
        {
            writer.WriteStartObject();
            if (call.Id is not null)
            {
                writer.WriteString("id", call.Id);
            }

            writer.WriteString("type", call.Type);
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WriteString("arguments", call.ArgumentsJson ?? "{}");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
