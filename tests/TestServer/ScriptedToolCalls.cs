using System.Text.Json;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>
/// One function call a scripted reply asks for (<c>toolCalls</c> in a behaviour). <c>arguments</c> given as a
/// JSON string is sent as is, so a test can send invalid JSON; any other JSON value is sent as its compact text.
/// Without an <c>id</c>, each reply makes a fresh one in vLLM's shape, so a behaviour used many times
/// (a never-ending series of calls) never repeats an id.
/// </summary>
internal sealed class ScriptedToolCall
{
    public string? Name { get; init; }
    public JsonElement? Arguments { get; init; }
    public string? Id { get; init; }

    public string ArgumentsText =>
        Arguments is { ValueKind: JsonValueKind.String } text ? text.GetString()! : Arguments?.GetRawText() ?? "{}";
}

/// <summary>The calls of one reply, with their ids fixed, written as vLLM writes them.</summary>
internal sealed class ToolCallReply(IReadOnlyList<ScriptedToolCall> calls)
{
    // vLLM streams the arguments in small pieces; 7 characters cut through names, strings and escapes alike.
    private const int ArgumentPieceLength = 7;

    private readonly string[] _ids = [.. calls.Select(call => call.Id ?? "chatcmpl-tool-" + Guid.NewGuid().ToString("N"))];

    /// <summary><c>message.tool_calls</c> of a reply that is not streamed.</summary>
    public JsonArray MessageToolCalls() => new([.. calls.Select((call, i) => (JsonNode)new JsonObject
    {
        ["id"] = _ids[i],
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.ArgumentsText },
    })]);

    /// <summary>
    /// The <c>delta</c>s of a stream, call after call: the first carries index, id, type, name and empty
    /// arguments; the rest carry the index and the next piece of the arguments.
    /// </summary>
    public IEnumerable<JsonObject> StreamDeltas()
    {
        for (var i = 0; i < calls.Count; i++)
        {
            yield return Delta(new JsonObject
            {
                ["id"] = _ids[i],
                ["type"] = "function",
                ["index"] = i,
                ["function"] = new JsonObject { ["name"] = calls[i].Name, ["arguments"] = "" },
            });

            var arguments = calls[i].ArgumentsText;
            for (var start = 0; start < arguments.Length; start += ArgumentPieceLength)
            {
                var piece = arguments.Substring(start, Math.Min(ArgumentPieceLength, arguments.Length - start));
                yield return Delta(new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = piece } });
            }
        }
    }

    private static JsonObject Delta(JsonObject toolCall) => new() { ["tool_calls"] = new JsonArray(toolCall) };
}

/// <summary>One tool message at the end of a request: the answer to a call.</summary>
internal sealed record ToolResult(string? ToolCallId, string Content)
{
    /// <summary>The default reply to a request that ends with tool results: each result with the id it answers.</summary>
    public static string Echo(IReadOnlyList<ToolResult> results) =>
        "Tool results: " + string.Join(" | ", results.Select(result => $"{result.ToolCallId} => {result.Content}"));
}
