using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LaminiTestServer;

/// <summary>
/// The answer made up when no behaviour supplies a body. It echoes the last message, so a test can
/// tell which request an answer belongs to (after tool results, it echoes them all), and counts words as
/// tokens, so usage is predictable. A behaviour's toolCalls make it ask for function calls instead.
/// Field names and the null extras follow what Lamini's vLLM actually sends.
/// </summary>
internal sealed partial class ChatReply
{
    private readonly string _id = "chatcmpl-" + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly ChatRequest _request;
    private readonly string?[] _choiceContents;
    private readonly string _finishReason;
    private readonly string? _reasoningContent;
    private readonly ToolCallReply? _toolCalls;

    public ChatReply(ChatRequest request, Behavior? behavior)
    {
        _request = request;
        _toolCalls = behavior?.ToolCalls is { } calls ? new ToolCallReply(calls) : null;
        var content = behavior?.Content
            ?? (_toolCalls is not null ? null
            : request.ToolResults.Count > 0 ? ToolResult.Echo(request.ToolResults)
            : "Echo: " + (request.Contents.Count > 0 ? request.Contents[^1] : ""));
        _choiceContents = [.. Enumerable.Range(0, request.N).Select(i => i == 0 || content is null ? content : $"{content} (choice {i})")];
        _finishReason = behavior?.FinishReason ?? (_toolCalls is not null ? "tool_calls" : "stop");
        _reasoningContent = behavior?.ReasoningContent;
    }

    public string Completion() => Json.Text(new JsonObject
    {
        ["id"] = _id,
        ["choices"] = new JsonArray([.. _choiceContents.Select((content, index) => (JsonNode)new JsonObject
        {
            ["finish_reason"] = _finishReason,
            ["index"] = index,
            ["logprobs"] = null,
            ["message"] = Message(content),
            ["stop_reason"] = null,
        })]),
        ["created"] = _created,
        ["model"] = _request.Model?.DeepClone(),
        ["object"] = "chat.completion",
        ["service_tier"] = null,
        ["system_fingerprint"] = null,
        ["usage"] = Usage(),
        ["prompt_logprobs"] = null,
    });

    /// <summary>
    /// Per choice: a role chunk, one chunk per word (reasoning first, if any), a finish chunk; then
    /// the usage chunk when the request asked for it, and [DONE].
    /// </summary>
    public IEnumerable<SseFrame> StreamFrames()
    {
        for (var index = 0; index < _choiceContents.Length; index++)
        {
            yield return Chunk(index, new JsonObject { ["role"] = "assistant", ["content"] = "" });
            foreach (var piece in Pieces(_reasoningContent ?? ""))
            {
                yield return Chunk(index, new JsonObject { ["reasoning_content"] = piece });
            }

            foreach (var piece in Pieces(_choiceContents[index]))
            {
                yield return Chunk(index, new JsonObject { ["content"] = piece });
            }

            foreach (var delta in _toolCalls?.StreamDeltas() ?? [])
            {
                yield return Chunk(index, delta);
            }

            yield return Chunk(index, [], _finishReason);
        }

        if (_request.IncludeUsage)
        {
            yield return ChunkFrame([], Usage());
        }

        yield return SseFrame.Data("[DONE]");
    }

    private JsonObject Message(string? content)
    {
        var message = new JsonObject
        {
            ["content"] = content,
            ["refusal"] = null,
            ["role"] = "assistant",
            ["audio"] = null,
            ["function_call"] = null,
            ["tool_calls"] = _toolCalls?.MessageToolCalls(),
        };
        if (_reasoningContent is not null)
        {
            message["reasoning_content"] = _reasoningContent;
        }

        return message;
    }

    private JsonObject Usage()
    {
        var prompt = _request.Contents.Sum(text => WordPattern().Count(text));
        var completion = _choiceContents.Sum(text => WordPattern().Count(text ?? ""));
        return new JsonObject
        {
            ["prompt_tokens"] = prompt,
            ["completion_tokens"] = completion,
            ["total_tokens"] = prompt + completion,
            ["completion_tokens_details"] = null,
            ["prompt_tokens_details"] = null,
        };
    }

    private SseFrame Chunk(int index, JsonObject delta, string? finishReason = null)
    {
        var choice = new JsonObject
        {
            ["index"] = index,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        };
        if (finishReason is not null)
        {
            choice["stop_reason"] = null;
        }

        return ChunkFrame([choice]);
    }

    private SseFrame ChunkFrame(JsonArray choices, JsonObject? usage = null)
    {
        var chunk = new JsonObject
        {
            ["id"] = _id,
            ["object"] = "chat.completion.chunk",
            ["created"] = _created,
            ["model"] = _request.Model?.DeepClone(),
            ["choices"] = choices,
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }

        return SseFrame.Data(Json.Text(chunk));
    }

    /// <summary>
    /// Cuts a text into words that keep their leading whitespace (trailing whitespace stays with the
    /// last one), so the pieces concatenate back to the text exactly.
    /// </summary>
    private static List<string> Pieces(string? text)
    {
        text ??= "";
        var pieces = PiecePattern().Matches(text).Select(m => m.Value).ToList();
        return pieces.Count == 0 && text.Length > 0 ? [text] : pieces;
    }

    [GeneratedRegex(@"\s*\S+(?:\s+\z)?")]
    private static partial Regex PiecePattern();

    [GeneratedRegex(@"\S+")]
    private static partial Regex WordPattern();
}
