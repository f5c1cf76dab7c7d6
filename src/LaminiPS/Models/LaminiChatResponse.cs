using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;

namespace LaminiPS.Models;

/// <summary>
/// A chat completion. Carries the whole conversation so far (Messages), so piping it back into
/// Invoke-LaminiChat continues the conversation.
/// </summary>
public sealed class LaminiChatResponse
{
    /// <summary>The first choice's text.</summary>
    public string? Content { get; internal set; }

    /// <summary>Parsed JSON reply (structured output), as PowerShell objects; null otherwise.</summary>
    public object? Data { get; internal set; }

    public string? FinishReason { get; internal set; }

    /// <summary>The model that answered, as the server names it (may differ from the request, e.g. hosted_vllm/...).</summary>
    public string? Model { get; internal set; }

    public string? Id { get; internal set; }

    public DateTime? Created { get; internal set; }

    public LaminiUsage? Usage { get; internal set; }

    /// <summary>Shortcuts for reports: $replies | Measure-Object TotalTokens -Sum.</summary>
    public int PromptTokens => Usage?.PromptTokens ?? 0;

    public int CompletionTokens => Usage?.CompletionTokens ?? 0;

    public int TotalTokens => Usage?.TotalTokens ?? 0;

    public LaminiChoiceList Choices { get; internal set; } = new(Array.Empty<LaminiChatChoice>());

    /// <summary>The functions the model asks to call (the first choice's tool_calls); empty when it asks for none.</summary>
    public LaminiToolCallList ToolCalls =>
        new(Choices.OrderBy(choice => choice.Index).FirstOrDefault()?.Message.ToolCalls ?? Array.Empty<LaminiToolCall>());

    /// <summary>The messages sent plus the assistant's reply.</summary>
    public LaminiMessageList Messages { get; internal set; } = new(Array.Empty<LaminiChatMessage>());

    /// <summary>The input that produced this reply, for correlating batch output.</summary>
    public string? Prompt { get; internal set; }

    public TimeSpan Elapsed { get; internal set; }

    /// <summary>The model's reasoning, when a reasoning model sends one.</summary>
    public string? ReasoningContent { get; internal set; }

    /// <summary>The model id the request named; a continued conversation asks the same one.</summary>
    internal string? RequestedModel { get; set; }

    public override string ToString() => Content ?? string.Empty;
}

/// <summary>A read-only message list whose text form stays short in CSV and tables.</summary>
public sealed class LaminiMessageList : ReadOnlyCollection<LaminiChatMessage>
{
    public LaminiMessageList(IList<LaminiChatMessage> messages)
        : base(messages)
    {
    }

    /// <summary>The list wrapped, not copied: a history shared with other replies.</summary>
    internal IList<LaminiChatMessage> Inner => Items;

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} messages", Count);
}

/// <summary>A read-only choice list whose text form stays short in CSV and tables.</summary>
public sealed class LaminiChoiceList : ReadOnlyCollection<LaminiChatChoice>
{
    public LaminiChoiceList(IList<LaminiChatChoice> choices)
        : base(choices)
    {
    }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} choices", Count);
}

/// <summary>A read-only list of tool calls whose text form stays short in CSV and tables.</summary>
public sealed class LaminiToolCallList : ReadOnlyCollection<LaminiToolCall>
{
    public LaminiToolCallList(IList<LaminiToolCall> calls)
        : base(calls)
    {
    }

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} tool calls", Count);
}
