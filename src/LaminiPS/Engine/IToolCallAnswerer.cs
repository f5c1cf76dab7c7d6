using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Models;

namespace LaminiPS.Engine;

/// <summary>Answers the tool calls of a reply, so a chat job can send the results and go on (Invoke-LaminiChat -InvokeTool).</summary>
internal interface IToolCallAnswerer
{
    /// <summary>Most rounds of calls answered for one prompt; a reply that still asks for calls after that many ends the loop.</summary>
    int MaximumRounds { get; }

    /// <summary>
    /// One tool message per call, in the calls' order; or null when the calls are left to the caller (-WhatIf,
    /// or a call to a tool the caller answers itself): the loop then ends with the reply that asks for them.
    /// </summary>
    Task<IReadOnlyList<LaminiChatMessage>?> AnswerAsync(string prompt, IReadOnlyList<LaminiToolCall> calls, CancellationToken cancellationToken);
}
