using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// Builds a complete reply out of chat.completion.chunk events. Only the first choice is streamed
/// as text; the others (-Count) are assembled into Choices. Fields may be missing rather than null
/// in any chunk.
/// </summary>
internal sealed class StreamAssembler
{
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();
    private readonly ToolCallAssembler _toolCalls = new();
    private string? _id;
    private string? _model;
    private DateTime? _created;
    private string? _role;
    private LaminiUsage? _usage;
    private readonly SortedDictionary<long, OtherChoice> _otherChoices = new();

    public string? FinishReason { get; private set; }

    public int ReceivedCharacters => _content.Length;

    public string ContentSoFar => _content.ToString();

    /// <summary>Folds one chunk in and returns the new text it carries, if any.</summary>
    public string? Apply(JsonElement chunk)
    {
        _id ??= JsonRead.String(chunk, "id");
        _model ??= JsonRead.String(chunk, "model");
        _created ??= JsonRead.UnixTime(chunk, "created");
        if (JsonRead.Child(chunk, "usage", JsonValueKind.Object) is JsonElement usage)
        {
            _usage = ResponseParser.ParseUsage(usage);
        }

        string? piece = null;
        if (JsonRead.Child(chunk, "choices", JsonValueKind.Array) is JsonElement choices)
        {
            foreach (JsonElement choice in choices.EnumerateArray())
            {
                if ((JsonRead.Integer(choice, "index") ?? 0) is long index and not 0)
                {
                    ApplyOtherChoice(index, choice);
                    continue;
                }

                FinishReason = JsonRead.String(choice, "finish_reason") ?? FinishReason;
                JsonElement delta = JsonRead.Child(choice, "delta", JsonValueKind.Object) ?? default;
                _role ??= JsonRead.String(delta, "role");
                string? reasoning = JsonRead.String(delta, "reasoning_content") ?? JsonRead.String(delta, "reasoning");
                _reasoning.Append(reasoning);
                _toolCalls.Apply(delta);
                string? text = JsonRead.String(delta, "content");
                if (!string.IsNullOrEmpty(text))
                {
                    _content.Append(text);
                    piece = piece is null ? text : piece + text;
                }
            }
        }

        return piece;
    }

    public LaminiChatResponse Build(IReadOnlyList<LaminiChatMessage> sent)
    {
        // A reply that only calls tools has no text: content null, as in a reply that is not streamed.
        string? content = _content.Length == 0 && _toolCalls.HasCalls ? null : _content.ToString();
        var message = new LaminiChatMessage(_role ?? "assistant", content) { ToolCalls = _toolCalls.Build() };
        var choice = new LaminiChatChoice { Index = 0, Message = message, FinishReason = FinishReason };
        return new LaminiChatResponse
        {
            Id = _id,
            Model = _model,
            Created = _created,
            Content = message.Content,
            FinishReason = FinishReason,
            ReasoningContent = _reasoning.Length > 0 ? _reasoning.ToString() : null,
            Usage = _usage,
            Choices = new LaminiChoiceList(new[] { choice }.Concat(_otherChoices.Select(other => other.Value.Build(other.Key))).ToList()),
            Messages = new LaminiMessageList(MessageHistory.Append(sent, message)),
        };
    }

    private void ApplyOtherChoice(long index, JsonElement choice)
    {
        if (!_otherChoices.TryGetValue(index, out OtherChoice? other))
        {
            other = new OtherChoice();
            _otherChoices.Add(index, other);
        }

        other.FinishReason = JsonRead.String(choice, "finish_reason") ?? other.FinishReason;
        JsonElement delta = JsonRead.Child(choice, "delta", JsonValueKind.Object) ?? default;
        other.Role ??= JsonRead.String(delta, "role");
        other.Content.Append(JsonRead.String(delta, "content"));
    }

    /// <summary>A choice other than the first: assembled, never streamed.</summary>
    private sealed class OtherChoice
    {
        public StringBuilder Content { get; } = new();

        public string? Role { get; set; }

        public string? FinishReason { get; set; }

        public LaminiChatChoice Build(long index) => new()
        {
            Index = JsonRead.ClampToInt(index),
            Message = new LaminiChatMessage(Role ?? "assistant", Content.ToString()),
            FinishReason = FinishReason,
        };
    }
}
