using System;

namespace LaminiPS.Models;

/// <summary>The model still asked for tool calls after the last round -MaximumToolRound allows; keeps the conversation so far.</summary>
public sealed class LaminiToolRoundLimitException : Exception
{
    public LaminiToolRoundLimitException(string message, LaminiChatResponse response)
        : base(message)
    {
        Response = response;
    }

    /// <summary>
    /// The last reply, whose unanswered calls are in ToolCalls: its Messages hold the whole exchange (every tool
    /// call and result) and its Usage the tokens of every round. Pipe it back with -ToolResult to go on.
    /// </summary>
    public LaminiChatResponse Response { get; }
}
