using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>JSON text as the server writes it, and the error bodies it makes up itself.</summary>
internal static class Json
{
    // Non-ASCII goes out as UTF-8 rather than \u escapes, as vLLM sends it: clients must decode it.
    private static readonly JsonSerializerOptions s_options =
        new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Text(JsonNode node) => node.ToJsonString(s_options);

    /// <summary>OpenAI's nested shape: <c>{"error": {message, type, param, code}}</c>.</summary>
    public static string OpenAiError(string message, string type, string code) => Text(new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = null,
            ["code"] = code,
        },
    });

    /// <summary>vLLM 0.7's flat shape, with the HTTP status as a number in <c>code</c>.</summary>
    public static string VllmError(string message, string type, int code) => Text(new JsonObject
    {
        ["object"] = "error",
        ["message"] = message,
        ["type"] = type,
        ["param"] = null,
        ["code"] = code,
    });
}
