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
/// <remarks>
/// The public properties are the JSON document ConvertTo-Json writes (about_LaminiPS, JSON), so each
/// one stays within its default depth. Elapsed and Choices are not public for that reason;
/// PowerShell reaches them, and every public property, by name through LaminiChatResponseAdapter,
/// which lists only the report columns (what Export-Csv and Format-List * show).
/// </remarks>
public sealed class LaminiChatResponse
{
    /// <summary>The input that produced this reply, for correlating batch output.</summary>
    public string? Prompt { get; internal set; }

    /// <summary>The first choice's text.</summary>
    public string? Content { get; internal set; }

    /// <summary>The model that answered, as the server names it (may differ from the request, e.g. hosted_vllm/...).</summary>
    public string? Model { get; internal set; }

    /// <summary>The model id the request named; a continued conversation asks the same one.</summary>
    public string? RequestedModel { get; internal set; }

    public string? FinishReason { get; internal set; }

    /// <summary>Shortcuts for reports: $replies | Measure-Object TotalTokens -Sum.</summary>
    public int PromptTokens => Usage?.PromptTokens ?? 0;

    public int CompletionTokens => Usage?.CompletionTokens ?? 0;

    public int TotalTokens => Usage?.TotalTokens ?? 0;

    /// <summary>Elapsed in milliseconds, to a tenth: a number for reports and JSON.</summary>
    public double ElapsedMilliseconds => Math.Round(Elapsed.TotalMilliseconds, 1);

    public string? Id { get; internal set; }

    public DateTime? Created { get; internal set; }

    /// <summary>The model's reasoning, when a reasoning model sends one.</summary>
    public string? ReasoningContent { get; internal set; }

    /// <summary>The messages sent plus the assistant's reply.</summary>
    public LaminiMessageList Messages { get; internal set; } = new(Array.Empty<LaminiChatMessage>());

    /// <summary>The functions the model asks to call (the first choice's tool_calls); empty when it asks for none.</summary>
    public LaminiToolCallList ToolCalls =>
        new(Choices.OrderBy(choice => choice.Index).FirstOrDefault()?.Message.ToolCalls ?? Array.Empty<LaminiToolCall>());

    /// <summary>Parsed JSON reply (structured output), as PowerShell objects; null otherwise.</summary>
    public object? Data { get; internal set; }

    public LaminiUsage? Usage { get; internal set; }

    /// <summary>From sending the request to the end of the reply.</summary>
    internal TimeSpan Elapsed { get; set; }

    /// <summary>Every alternative (-Count); each choice's Message nests past ConvertTo-Json's default depth.</summary>
    internal LaminiChoiceList Choices { get; set; } = new(Array.Empty<LaminiChatChoice>());

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
