using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>Turns the service's JSON into the typed objects users get.</summary>
internal static class ResponseParser
{
    public static List<LaminiModel> ParseModels(JsonElement root)
    {
        var models = new List<LaminiModel>();
        JsonElement? data = JsonRead.Child(root, "data", JsonValueKind.Array);
        if (data is null)
        {
            throw new JsonException("The model list has no 'data' array.");
        }

        foreach (JsonElement item in data.Value.EnumerateArray())
        {
            string? id = JsonRead.String(item, "id");
            if (id is null)
            {
                continue;
            }

            models.Add(new LaminiModel
            {
                Id = id,
                OwnedBy = JsonRead.String(item, "owned_by"),
                Created = JsonRead.UnixTime(item, "created"),
                MaxModelLength = JsonRead.Integer(item, "max_model_len") is long length ? JsonRead.ClampToInt(length) : null,
                Root = JsonRead.String(item, "root"),
                Parent = JsonRead.String(item, "parent"),
            });
        }

        return models;
    }

    public static LaminiChatResponse ParseCompletion(JsonElement root, IReadOnlyList<LaminiChatMessage> sent)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The reply is not a JSON object.");
        }

        var choices = new List<LaminiChatChoice>();
        string? reasoning = null;
        if (JsonRead.Child(root, "choices", JsonValueKind.Array) is JsonElement array)
        {
            foreach (JsonElement item in array.EnumerateArray())
            {
                JsonElement message = JsonRead.Child(item, "message", JsonValueKind.Object) ?? default;
                reasoning ??= JsonRead.String(message, "reasoning_content") ?? JsonRead.String(message, "reasoning");
                choices.Add(new LaminiChatChoice
                {
                    Index = JsonRead.ClampToInt(JsonRead.Integer(item, "index") ?? choices.Count),
                    FinishReason = JsonRead.String(item, "finish_reason"),
                    Message = ParseMessage(message),
                });
            }
        }

        if (choices.Count == 0)
        {
            throw new JsonException("The reply has no choices.");
        }

        LaminiChatChoice first = choices.OrderBy(c => c.Index).First();
        return new LaminiChatResponse
        {
            Id = JsonRead.String(root, "id"),
            Model = JsonRead.String(root, "model"),
            Created = JsonRead.UnixTime(root, "created"),
            Content = first.Message.Content,
            FinishReason = first.FinishReason,
            ReasoningContent = reasoning,
            Usage = JsonRead.Child(root, "usage", JsonValueKind.Object) is JsonElement usage ? ParseUsage(usage) : null,
            Choices = new LaminiChoiceList(choices),
            Messages = new LaminiMessageList(MessageHistory.Append(sent, first.Message)),
        };
    }

    public static LaminiUsage ParseUsage(JsonElement usage) => new()
    {
        PromptTokens = JsonRead.ClampToInt(JsonRead.Integer(usage, "prompt_tokens")),
        CompletionTokens = JsonRead.ClampToInt(JsonRead.Integer(usage, "completion_tokens")),
        TotalTokens = JsonRead.ClampToInt(JsonRead.Integer(usage, "total_tokens")),
    };

    private static LaminiChatMessage ParseMessage(JsonElement message)
    {
        LaminiToolCall[]? toolCalls = null;
        if (JsonRead.Child(message, "tool_calls", JsonValueKind.Array) is JsonElement calls && calls.GetArrayLength() > 0)
        {
            toolCalls = calls.EnumerateArray().Select(call =>
            {
                JsonElement function = JsonRead.Child(call, "function", JsonValueKind.Object) ?? default;
                return new LaminiToolCall(
                    JsonRead.String(call, "id"),
                    JsonRead.String(call, "type") ?? "function",
                    JsonRead.String(function, "name"),
                    JsonRead.String(function, "arguments"));
            }).ToArray();
        }

        return new LaminiChatMessage
        {
            Role = JsonRead.String(message, "role") ?? "assistant",
            Content = JsonRead.String(message, "content"),
            Refusal = JsonRead.String(message, "refusal"),
            ToolCalls = toolCalls,
        };
    }
}
