using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// Builds one choice's tool calls out of streamed <c>delta.tool_calls</c> pieces: the first piece of a call
/// carries its index, id, type and name; later pieces carry the index and a fragment of the arguments to append.
/// </summary>
internal sealed class ToolCallAssembler
{
    private readonly SortedDictionary<long, PartialCall> _calls = new();

    public bool HasCalls => _calls.Count > 0;

    /// <summary>Folds in the tool_calls of one delta, if it has any.</summary>
    public void Apply(JsonElement delta)
    {
        if (JsonRead.Child(delta, "tool_calls", JsonValueKind.Array) is not JsonElement pieces)
        {
            return;
        }

        foreach (JsonElement piece in pieces.EnumerateArray())
        {
            // A piece without an index continues the latest call (or starts the first).
            long index = JsonRead.Integer(piece, "index") ?? (_calls.Count > 0 ? _calls.Keys.Last() : 0);
            if (!_calls.TryGetValue(index, out PartialCall? call))
            {
                call = new PartialCall();
                _calls.Add(index, call);
            }

            call.Id ??= JsonRead.String(piece, "id");
            call.Type ??= JsonRead.String(piece, "type");
            JsonElement function = JsonRead.Child(piece, "function", JsonValueKind.Object) ?? default;
            call.Name ??= JsonRead.String(function, "name");
            call.Arguments.Append(JsonRead.String(function, "arguments"));
        }
    }

    /// <summary>The calls in index order, or null when none arrived.</summary>
    public LaminiToolCall[]? Build() =>
        _calls.Count == 0
            ? null
            : _calls.Values.Select(call => new LaminiToolCall(call.Id, call.Type ?? "function", call.Name, call.Arguments.ToString())).ToArray();

    private sealed class PartialCall
    {
        public string? Id { get; set; }

        public string? Type { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
