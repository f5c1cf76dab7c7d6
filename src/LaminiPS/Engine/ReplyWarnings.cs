using System.Collections.Generic;
using System.Linq;
using LaminiPS.Client;
using LaminiPS.Models;

namespace LaminiPS.Engine;

/// <summary>What the user is told about a reply that is written all the same: only a warning says it is not whole.</summary>
internal static class ReplyWarnings
{
    /// <param name="result">The finished job; none for a reply stopped at the tool round limit, whose error carries it.</param>
    /// <param name="maxTokens">The token limit the request set, if any.</param>
    /// <param name="textOnly">True when only the streamed text is written, which would hide the reply's tool calls.</param>
    public static IEnumerable<string> For(ChatResult result, int? maxTokens, bool textOnly)
    {
        LaminiChatResponse reply = result.Response;
        if (result.StoppedAtToolRoundLimit)
        {
            yield break;
        }

        string Prompt() => ChatMessageRules.PromptLabel(reply.Prompt ?? string.Empty); // only for a warning: it reads the whole prompt
        if (reply.FinishReason == "length")
        {
            string limit = maxTokens is int max ? $"-MaxTokens {max}" : "the model's length limit";
            yield return $"The reply to '{Prompt()}' was cut off at {limit} (finish_reason 'length').";
        }
        else if (reply.FinishReason == "content_filter")
        {
            yield return $"The reply to '{Prompt()}' was stopped by the server's content filter (finish_reason 'content_filter'): its text may be cut short or empty.";
        }

        if (textOnly && reply.ToolCalls.Count > 0)
        {
            yield return $"The reply to '{Prompt()}' asks to call {string.Join(", ", reply.ToolCalls.Select(call => call.Name))}; add -PassThru to get the calls in the reply's ToolCalls.";
        }
    }
}
