using System.Text.Json;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>The parts of a chat completion request that the default reply depends on.</summary>
/// <param name="Contents">The text of each message, in order (empty when it has none).</param>
internal sealed record ChatRequest(JsonNode? Model, IReadOnlyList<string> Contents, int N, bool Stream, bool IncludeUsage)
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
            root["stream_options"] is JsonObject options && IsTrue(options, "include_usage"));
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
