using System.Text.Json;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>The parts of a chat completion request that the default reply depends on.</summary>
/// <param name="Model">The request's model field as sent (null when absent).</param>
/// <param name="Contents">The text of each message, in order (empty when it has none).</param>
/// <param name="N">How many choices were asked for.</param>
/// <param name="Stream">Whether the reply is to be streamed.</param>
/// <param name="IncludeUsage">Whether a stream ends with a usage chunk (stream_options.include_usage).</param>
/// <param name="ToolResults">The tool messages that end the conversation, in order.</param>
internal sealed record ChatRequest(JsonNode? Model, IReadOnlyList<string> Contents, int N, bool Stream, bool IncludeUsage, IReadOnlyList<ToolResult> ToolResults)
{
    /// <summary>Null when the body is not a JSON object (the caller answers 400, as vLLM does).</summary>
    public static ChatRequest? Parse(string body)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is null)
        {
            return null;
        }

        // Lenient on purpose: the server echoes whatever it gets, so tests can inspect odd requests.
        IReadOnlyList<string> contents = root["messages"] is JsonArray messages
            ? [.. messages.Select(m => TextOf((m as JsonObject)?["content"]))]
            : [];
        var n = root["n"] is JsonValue nValue && nValue.TryGetValue(out int count) && count > 1 ? count : 1;
        return new ChatRequest(
            root["model"]?.DeepClone(),
            contents,
            n,
            IsTrue(root, "stream"),
            root["stream_options"] is JsonObject options && IsTrue(options, "include_usage"),
            TrailingToolResults(root["messages"] as JsonArray));
    }

    private static List<ToolResult> TrailingToolResults(JsonArray? messages)
    {
        var results = (messages ?? [])
            .Reverse()
            .Select(m => m as JsonObject)
            .TakeWhile(m => m?["role"] is JsonValue role && role.TryGetValue(out string? name) && name == "tool")
            .Select(m => new ToolResult(
                m!["tool_call_id"] is JsonValue id && id.TryGetValue(out string? text) ? text : null,
                TextOf(m["content"])))
            .ToList();
        results.Reverse();
        return results;
    }

    private static bool IsTrue(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue(out bool flag) && flag;

    /// <summary>A string content, or the text parts of a multi-part content joined by spaces.</summary>
    private static string TextOf(JsonNode? content) => content switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonArray parts => string.Join(' ', parts
            .Select(p => (p as JsonObject)?["text"])
            .OfType<JsonValue>()
            .Select(t => t.TryGetValue(out string? text) ? text : null)
            .OfType<string>()),
        _ => "",
    };
}
