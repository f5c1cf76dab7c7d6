using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// A chat completion request. Only what the caller set reaches the wire: unset fields are absent,
/// never null.
/// </summary>
public sealed class ChatRequest
{
    public ChatRequest(string model, IReadOnlyList<LaminiChatMessage> messages)
    {
        Model = model;
        Messages = messages;
    }

    public string Model { get; }

    public IReadOnlyList<LaminiChatMessage> Messages { get; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    public int? Count { get; init; }

    /// <summary>Lamini's cache lifetime for third-party models, sent as {"cache": {"ttl": N}}.</summary>
    public int? CacheTtlSeconds { get; init; }

    /// <summary>The response_format value as JSON text.</summary>
    public string? ResponseFormatJson { get; init; }

    /// <summary>Extra top-level fields as name → JSON text; names the request already sets are skipped.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AdditionalFields { get; init; } = new List<KeyValuePair<string, string>>();

    /// <summary>Names of AdditionalFields that were not sent because a named parameter set them.</summary>
    public IEnumerable<string> ShadowedAdditionalFields(bool stream)
    {
        HashSet<string> written = WrittenFieldNames(stream);
        return AdditionalFields.Select(f => f.Key).Where(written.Contains);
    }

    internal byte[] ToJson(bool stream)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", Model);
            writer.WriteStartArray("messages");
            foreach (LaminiChatMessage message in Messages)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
            WriteIfSet(writer, "temperature", Temperature);
            WriteIfSet(writer, "top_p", TopP);
            WriteIfSet(writer, "max_tokens", MaxTokens);
            if (Stop is not null)
            {
                writer.WriteStartArray("stop");
                foreach (string stop in Stop)
                {
                    writer.WriteStringValue(stop);
                }

                writer.WriteEndArray();
            }

            if (Seed is long seed)
            {
                writer.WriteNumber("seed", seed);
            }

            WriteIfSet(writer, "presence_penalty", PresencePenalty);
            WriteIfSet(writer, "frequency_penalty", FrequencyPenalty);
            WriteIfSet(writer, "n", Count);
            if (CacheTtlSeconds is int ttl)
            {
                writer.WriteStartObject("cache");
                writer.WriteNumber("ttl", ttl);
                writer.WriteEndObject();
            }

            if (ResponseFormatJson is not null)
            {
                writer.WritePropertyName("response_format");
                writer.WriteRawValue(ResponseFormatJson);
            }

            if (stream)
            {
                writer.WriteBoolean("stream", true);
                writer.WriteStartObject("stream_options");
                writer.WriteBoolean("include_usage", true);
                writer.WriteEndObject();
            }

            HashSet<string> written = WrittenFieldNames(stream);
            foreach (KeyValuePair<string, string> field in AdditionalFields)
            {
                if (!written.Contains(field.Key))
                {
                    writer.WritePropertyName(field.Key);
                    writer.WriteRawValue(field.Value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private HashSet<string> WrittenFieldNames(bool stream)
    {
        var names = new HashSet<string> { "model", "messages" };
        void AddIf(bool isSet, string name)
        {
            if (isSet)
            {
                names.Add(name);
            }
        }

        AddIf(Temperature.HasValue, "temperature");
        AddIf(TopP.HasValue, "top_p");
        AddIf(MaxTokens.HasValue, "max_tokens");
        AddIf(Stop is not null, "stop");
        AddIf(Seed.HasValue, "seed");
        AddIf(PresencePenalty.HasValue, "presence_penalty");
        AddIf(FrequencyPenalty.HasValue, "frequency_penalty");
        AddIf(Count.HasValue, "n");
        AddIf(CacheTtlSeconds.HasValue, "cache");
        AddIf(ResponseFormatJson is not null, "response_format");
        AddIf(stream, "stream");
        AddIf(stream, "stream_options");
        return names;
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is double number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is int number)
        {
            writer.WriteNumber(name, number);
        }
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
                writer.WriteString("arguments", call.Arguments ?? "{}");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}
