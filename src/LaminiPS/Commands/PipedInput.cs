using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Commands.Transformations;
using LaminiPS.Json;
using LaminiPS.Models;
using static LaminiPS.Commands.Transformations.ObjectFields;

namespace LaminiPS.Commands;

/// <summary>What one object piped into Invoke-LaminiChat asks for.</summary>
internal sealed class PipedItem
{
    /// <summary>What a run with nothing piped in reads: no prompt, model, system prompt or conversation of its own.</summary>
    public static readonly PipedItem Nothing = new();

    /// <summary>The prompts it brings that are not blank, in order.</summary>
    public IReadOnlyList<string> Prompts { get; init; } = Array.Empty<string>();

    /// <summary>How many of its prompts are empty or only whitespace (a blank line, an empty CSV cell): skipped, not sent.</summary>
    public int BlankPrompts { get; init; }

    public string? Model { get; init; }

    public string? SystemPrompt { get; init; }

    /// <summary>A reply whose conversation the prompt continues.</summary>
    public LaminiChatResponse? Conversation { get; init; }

    /// <summary>Why nothing can be sent for it (a field that is not text); null when something can.</summary>
    public string? Problem { get; init; }

    public string ProblemErrorId { get; init; } = ErrorIds.InvalidPipelineInput;

    /// <summary>Why a prompt is needed and how to give one, for when it brings none and none is given.</summary>
    public string NoPromptAdvice { get; init; } = string.Empty;

    /// <summary>True when it brings prompt text, even if all of it is blank.</summary>
    public bool BringsPrompt => Prompts.Count > 0 || BlankPrompts > 0;
}

/// <summary>
/// Reads a piped object the one way for every shape: a string is a prompt; a reply is a
/// conversation to continue with the model it asked for (never the model that answered, such as
/// hosted_vllm/...); a model from Get-LaminiModel is the model to ask; anything else brings its
/// Prompt, Model and SystemPrompt keys or properties (an Import-Csv row, a [pscustomobject], a
/// hashtable). No object is ever made prompt text by ToString().
/// </summary>
internal static class PipedInput
{
    public static PipedItem Read(object? input)
    {
        object? value = PowerShellJson.Unwrap(input);
        return value switch
        {
            null or string => string.IsNullOrWhiteSpace((string?)value)
                ? new PipedItem { BlankPrompts = 1 }
                : new PipedItem { Prompts = new[] { (string)value! } },
            LaminiChatResponse reply => FromReply(reply),
            LaminiModel model => new PipedItem
            {
                Model = model.Id,
                NoPromptAdvice = $"Model '{model.Id}' was piped in without a prompt, so nothing was sent to it. Give the question: Get-LaminiModel | Invoke-LaminiChat -Prompt 'your question'.",
            },
            _ => FromSavedReply(value) ?? FromFields(value),
        };
    }

    private static PipedItem FromReply(LaminiChatResponse reply) => new()
    {
        Conversation = reply,
        Model = reply.RequestedModel,
        NoPromptAdvice = "A reply was piped in without a prompt, so nothing was sent for it. To continue its conversation, give the next message: $reply | Invoke-LaminiChat -Prompt 'your next question'.",
    };

    /// <summary>A reply read back (Import-Clixml, ConvertFrom-Json, a job), read as -Conversation reads it; null for anything else.</summary>
    private static PipedItem? FromSavedReply(object value)
    {
        try
        {
            return ConversationTransformationAttribute.ToReply(value) is LaminiChatResponse reply ? FromReply(reply) : null;
        }
        catch (ArgumentTransformationMetadataException ex)
        {
            return new PipedItem { Problem = $"Nothing was sent for the piped reply: {ex.Message}", ProblemErrorId = ErrorIds.InvalidMessage };
        }
    }

    private static PipedItem FromFields(object value)
    {
        string what = Describe(value);
        string field = value is IDictionary ? "key" : "property";
        var problems = new List<string>();
        string? model = Text(value, nameof(PipedItem.Model), problems);
        string? systemPrompt = Text(value, nameof(PipedItem.SystemPrompt), problems);
        var prompts = new List<string>();
        int blanks = ObjectFields.TryGet(value, "Prompt", out object? prompt) ? AddPrompts(prompt, prompts, problems) : 0;
        return new PipedItem
        {
            Prompts = prompts,
            BlankPrompts = blanks,
            Model = model,
            SystemPrompt = systemPrompt,
            Problem = problems.Count == 0 ? null : $"Nothing was sent for the piped {what}: its {string.Join("; its ", problems)}.",
            NoPromptAdvice = $"The piped {what} has no Prompt {field}, so nothing was sent for it. Pipe strings, or objects with a Prompt {field} (such as an Import-Csv column named Prompt), or give -Prompt.",
        };
    }

    /// <summary>Adds the texts of a Prompt field (one string or a list of them) to <paramref name="prompts"/>; returns how many were blank (null counts as blank).</summary>
    private static int AddPrompts(object? value, List<string> prompts, List<string> problems)
    {
        int blanks = 0;
        IEnumerable<object?> items = PowerShellJson.AsList(value);
        foreach (object? item in items)
        {
            switch (PowerShellJson.Unwrap(item))
            {
                case string text when !string.IsNullOrWhiteSpace(text):
                    prompts.Add(text);
                    break;
                case null or string:
                    blanks++;
                    break;
                case object other:
                    problems.Add($"Prompt is {Describe(other)}, not text");
                    return blanks;
            }
        }

        return blanks;
    }

    /// <summary>A text field; absent, null or blank reads as null, and anything but text is a problem.</summary>
    private static string? Text(object source, string name, List<string> problems)
    {
        if (!ObjectFields.TryGet(source, name, out object? value) || value is null)
        {
            return null;
        }

        if (value is string text)
        {
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        problems.Add($"{name} is {Describe(value)}, not text");
        return null;
    }
}

/// <summary>
/// Where the prompts of one run of Invoke-LaminiChat come from: the command line (-Prompt, -Messages, -Conversation,
/// -ToolResult) and the piped objects, each read against the command line: whether something is sent for it, or an
/// error for that object alone that says why not. Blank prompts are counted on the way, to be skipped with one
/// warning for the whole batch.
/// </summary>
internal sealed class PromptSources
{
    private readonly bool _promptGiven;
    private readonly bool _conversationGiven;
    private readonly bool _toolResultGiven;
    private readonly bool _piped;
    private int _blankPrompts;

    /// <param name="promptGiven">-Prompt is given.</param>
    /// <param name="conversationGiven">-Conversation is given.</param>
    /// <param name="toolResultGiven">-ToolResult is given.</param>
    /// <param name="messagesGiven">-Messages is given.</param>
    /// <param name="piped">Objects are piped in (or -InputObject is given).</param>
    public PromptSources(bool promptGiven, bool conversationGiven, bool toolResultGiven, bool messagesGiven, bool piped)
    {
        _promptGiven = promptGiven;
        _conversationGiven = conversationGiven;
        _toolResultGiven = toolResultGiven;
        _piped = piped;
        // -Prompt is not mandatory, as piped objects bring their own; with nothing piped either, say what is missing.
        NothingToSend = promptGiven || messagesGiven || toolResultGiven || piped ? null : new ErrorRecord(
            new PSArgumentException("Nothing to send: give -Prompt 'your question', pipe prompts in (Get-Content questions.txt | Invoke-LaminiChat), or give -Messages. To continue a conversation: $reply | Invoke-LaminiChat -Prompt 'your next question'."),
            ErrorIds.PromptMissing,
            ErrorCategory.InvalidArgument,
            null);
    }

    /// <summary>The error that stops a run with no prompt, messages or tool results given and nothing piped; null when something is.</summary>
    public ErrorRecord? NothingToSend { get; }

    /// <summary>The warning for the blank prompts skipped so far; null when there were none.</summary>
    public string? BlankPromptWarning => _blankPrompts switch
    {
        0 => null,
        1 => "Skipped 1 blank prompt (empty or only whitespace): nothing was sent for it.",
        _ => $"Skipped {_blankPrompts} blank prompts (empty or only whitespace): nothing was sent for them.",
    };

    /// <summary>
    /// What one input record asks for besides the command line: <see cref="PipedItem.Nothing"/> when nothing is piped,
    /// else what the piped object brings; null when nothing is to be sent for it: its prompts were all blank (counted),
    /// or <paramref name="report"/> has been given the error that says why.
    /// </summary>
    public PipedItem? Read(object? input, Action<ErrorRecord> report)
    {
        if (!_piped)
        {
            return PipedItem.Nothing;
        }

        PipedItem piped = PipedInput.Read(input);
        if ((piped.Problem ?? Conflict(piped)) is string problem)
        {
            report(Refused(problem, piped.Problem is null ? ErrorIds.InvalidPipelineInput : piped.ProblemErrorId, input));
            return null;
        }

        _blankPrompts += piped.BlankPrompts;
        if (piped.BringsPrompt)
        {
            return piped.Prompts.Count > 0 ? piped : null;
        }

        if (_promptGiven || _toolResultGiven)
        {
            return piped;
        }

        report(Refused(piped.NoPromptAdvice, ErrorIds.PromptMissing, input));
        return null;
    }

    private static ErrorRecord Refused(string message, string errorId, object? input) =>
        new(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, input);

    /// <summary>What the piped object brings that the command line gives already; null when nothing.</summary>
    private string? Conflict(PipedItem piped) =>
        piped.Prompts.Count > 0 && _promptGiven
            ? $"Nothing was sent for the piped prompt '{ChatMessageRules.PromptLabel(piped.Prompts[0])}': -Prompt is given too. Pipe prompts or give -Prompt, not both."
        : piped.Conversation is not null && _conversationGiven
            ? "Nothing was sent for the piped reply: -Conversation is given too. Pipe the reply or give -Conversation, not both."
        : null;
}
