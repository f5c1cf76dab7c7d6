using System;
using System.Collections.Generic;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Commands.Tools;
using LaminiPS.Models;

namespace LaminiPS.Commands;

/// <summary>
/// What the prompts of one run of Invoke-LaminiChat follow: the conversation they continue after the system prompt,
/// then -ToolResult's answers to its calls. Made once and shared for as long as the conversation and system prompt
/// stay the same, so a batch that continues one long conversation holds it once.
/// </summary>
internal sealed class PromptHistory
{
    private readonly object?[]? _toolResult;
    private readonly Action<ErrorRecord> _report;
    private LaminiChatResponse? _conversation;
    private string? _systemPrompt;
    private IReadOnlyList<LaminiChatMessage>? _history;

    /// <param name="toolResult">-ToolResult: answers to the calls of the conversation's last reply; null when not given.</param>
    /// <param name="report">Hears why -ToolResult can't answer a conversation's calls.</param>
    public PromptHistory(object?[]? toolResult, Action<ErrorRecord> report)
    {
        _toolResult = toolResult;
        _report = report;
    }

    /// <summary>The messages before a prompt; null when -ToolResult can't answer the conversation's calls (reported).</summary>
    public IReadOnlyList<LaminiChatMessage>? For(LaminiChatResponse? conversation, string? systemPrompt)
    {
        if (_history is null || !ReferenceEquals(_conversation, conversation) || _systemPrompt != systemPrompt)
        {
            IReadOnlyList<LaminiChatMessage> start = ChatMessageRules.Start(conversation?.Messages, systemPrompt);
            _history = _toolResult is null ? start : ToolResultMessages.Answer(start, conversation, _toolResult, _report);
            (_conversation, _systemPrompt) = (conversation, systemPrompt);
        }

        return _history;
    }
}
