using System.Collections.Generic;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// Everything a chat request sends besides its model and messages, shared by every request of a
/// batch. Only what the caller set reaches the wire: unset fields are absent, never null. A record,
/// so each of Invoke-LaminiChat's request parameters sets its field here as it is bound.
/// </summary>
internal sealed record ChatSettings
{
    private const string JsonObjectFormat = "{\"type\":\"json_object\"}";

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public string[]? Stop { get; init; }

    public long? Seed { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    public int? Count { get; init; }

    /// <summary>Lamini's cache lifetime for third-party models, sent as {"cache": {"ttl": N}}.</summary>
    public int? CacheTtlSeconds { get; init; }

    /// <summary>Structured output: the schema the reply must follow (response_format json_schema).</summary>
    public LaminiJsonSchema? JsonSchema { get; init; }

    /// <summary>Structured output without a schema: any JSON object (response_format json_object).</summary>
    public bool JsonObject { get; init; }

    /// <summary>True when replies are JSON to be parsed (with <see cref="JsonSchema"/> or <see cref="JsonObject"/>).</summary>
    public bool WantsJson => JsonSchema is not null || JsonObject;

    /// <summary>Functions the model may ask to call (tools).</summary>
    public IReadOnlyList<LaminiTool>? Tools { get; init; }

    /// <summary>tool_choice: "auto", "none" or "required" as is; any other value names the one function to call.</summary>
    public string? ToolChoice { get; init; }

    /// <summary>Extra top-level fields as name → JSON text, written last; none may be a field a setting above writes.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AdditionalFields { get; init; } = new List<KeyValuePair<string, string>>();

    /// <summary>
    /// The settings of a request that carries tool results: a forced choice (required, or a function's name)
    /// becomes none, or the model would call again and again instead of answering.
    /// </summary>
    internal ChatSettings ForToolResults() => ToolChoice is null or "auto" or "none" ? this : this with { ToolChoice = "none" };

    /// <summary>Writes every field after "messages", in the order the wire has always had them.</summary>
    internal void WriteFields(Utf8JsonWriter writer, bool stream)
    {
        WriteSampling(writer);
        WriteCache(writer);
        WriteResponseFormat(writer);
        ToolFields.Write(writer, Tools, ToolChoice);
        if (stream)
        {
            WriteStream(writer);
        }

        WriteAdditionalFields(writer);
    }

    /// <summary>The fields that shape how the reply is sampled: temperature through n.</summary>
    private void WriteSampling(Utf8JsonWriter writer)
    {
        WriteIfSet(writer, ChatRequestField.Temperature, Temperature);
        WriteIfSet(writer, ChatRequestField.TopP, TopP);
        WriteIfSet(writer, ChatRequestField.MaxTokens, MaxTokens);
        if (Stop is not null)
        {
            writer.WriteStartArray(ChatRequestField.Stop.Name);
            foreach (string stop in Stop)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        if (Seed is long seed)
        {
            writer.WriteNumber(ChatRequestField.Seed.Name, seed);
        }

        WriteIfSet(writer, ChatRequestField.PresencePenalty, PresencePenalty);
        WriteIfSet(writer, ChatRequestField.FrequencyPenalty, FrequencyPenalty);
        WriteIfSet(writer, ChatRequestField.Count, Count);
    }

    private void WriteCache(Utf8JsonWriter writer)
    {
        if (CacheTtlSeconds is int ttl)
        {
            writer.WriteStartObject(ChatRequestField.Cache.Name);
            writer.WriteNumber("ttl", ttl);
            writer.WriteEndObject();
        }
    }

    private void WriteResponseFormat(Utf8JsonWriter writer)
    {
        if (JsonSchema is not null)
        {
            writer.WritePropertyName(ChatRequestField.ResponseFormat.Name);
            JsonSchema.WriteResponseFormat(writer);
        }
        else if (JsonObject)
        {
            writer.WritePropertyName(ChatRequestField.ResponseFormat.Name);
            writer.WriteRawValue(JsonObjectFormat, skipInputValidation: true);
        }
    }

    /// <summary>A streamed request also asks for the usage chunk before [DONE].</summary>
    private static void WriteStream(Utf8JsonWriter writer)
    {
        writer.WriteBoolean(ChatRequestField.Stream.Name, true);
        writer.WriteStartObject(ChatRequestField.StreamOptions.Name);
        writer.WriteBoolean("include_usage", true);
        writer.WriteEndObject();
    }

    private void WriteAdditionalFields(Utf8JsonWriter writer)
    {
        foreach (KeyValuePair<string, string> field in AdditionalFields)
        {
            writer.WritePropertyName(field.Key);
            writer.WriteRawValue(field.Value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ChatRequestField field, double? value)
    {
        if (value is double number)
        {
            writer.WriteNumber(field.Name, number);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ChatRequestField field, int? value)
    {
        if (value is int number)
        {
            writer.WriteNumber(field.Name, number);
        }
    }
}
