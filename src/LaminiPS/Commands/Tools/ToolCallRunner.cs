using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Client;
using LaminiPS.Engine;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands.Tools;

/// <summary>
/// Answers the tool calls of a reply for Invoke-LaminiChat -InvokeTool, on the pipeline thread (PowerShell commands
/// are not thread-safe): a call runs only if its tool was made from a command given to -Tool, its arguments match
/// the tool's schema, and ShouldProcess allows it (-Confirm, -WhatIf, $ConfirmPreference). Whatever goes wrong
/// becomes the text of the call's tool message, so the model may correct itself, and a warning for the user.
/// </summary>
internal sealed class ToolCallRunner : IToolCallAnswerer
{
    /// <summary>A command's own errors sent back to the model, at most; the rest are counted.</summary>
    private const int ErrorsListed = 10;

    private readonly IReadOnlyList<LaminiTool> _tools;
    private readonly PipelineDispatcher _pipeline;
    private readonly Cmdlet _command;

    public ToolCallRunner(IReadOnlyList<LaminiTool> tools, int maximumRounds, PipelineDispatcher pipeline, Cmdlet command)
    {
        _tools = tools;
        MaximumRounds = maximumRounds;
        _pipeline = pipeline;
        _command = command;
    }

    public int MaximumRounds { get; }

    public Task<IReadOnlyList<LaminiChatMessage>?> AnswerAsync(string prompt, IReadOnlyList<LaminiToolCall> calls, CancellationToken cancellationToken) =>
        _pipeline.InvokeAsync<IReadOnlyList<LaminiChatMessage>?>(() => AnswerRound(prompt, calls, cancellationToken), cancellationToken);

    /// <summary>The error for a reply that still asks for calls after the last round allowed; it carries the conversation so far.</summary>
    public static ErrorRecord RoundLimitError(LaminiChatResponse reply, int maximumRounds)
    {
        string message = string.Format(
            CultureInfo.InvariantCulture,
            "The model still asks for tool calls ({0}) after {1} rounds (-MaximumToolRound {1}); they were not run. The exception's Response holds the conversation so far: raise -MaximumToolRound, or answer the calls with -ToolResult.",
            string.Join(", ", reply.ToolCalls.Select(call => call.Name)),
            maximumRounds);
        return new ErrorRecord(new LaminiToolRoundLimitException(message, reply), ErrorIds.ToolRoundLimit, ErrorCategory.LimitsExceeded, reply.Prompt);
    }

    private List<LaminiChatMessage>? AnswerRound(string prompt, IReadOnlyList<LaminiToolCall> calls, CancellationToken cancellationToken)
    {
        if (calls.Select(Find).FirstOrDefault(tool => tool is not null and not CommandTool) is LaminiTool callersOwn)
        {
            _command.WriteVerbose($"The reply to '{ChatMessageRules.PromptLabel(prompt)}' calls {callersOwn.Name}, a tool without a command: its calls are left to you (-ToolResult).");
            return null;
        }

        var answers = new List<LaminiChatMessage>(calls.Count);
        bool whatIf = false;
        foreach (LaminiToolCall call in calls)
        {
            string? text = Answer(prompt, call, cancellationToken);
            whatIf |= text is null;
            answers.Add(new LaminiChatMessage("tool", text) { ToolCallId = call.Id });
        }

        return whatIf ? null : answers;
    }

    private LaminiTool? Find(LaminiToolCall call) => _tools.FirstOrDefault(tool => string.Equals(tool.Name, call.Name, StringComparison.Ordinal));

    /// <summary>The tool message's text; null under -WhatIf, where the call is only shown.</summary>
    private string? Answer(string prompt, LaminiToolCall call, CancellationToken cancellationToken)
    {
        if (Find(call) is not CommandTool tool)
        {
            return Refuse(
                prompt,
                $"asks for '{call.Name}', which is not one of the tools it was given",
                $"There is no tool named '{call.Name}'. The tools are: {string.Join(", ", _tools.Select(t => t.Name))}.");
        }

        if (ArgumentProblem(call, tool) is string problem)
        {
            return Refuse(prompt, $"calls {tool.Name} with arguments that do not fit ({problem})", $"{tool.Name} was not run: {problem}. Call it again with arguments that match its parameters.");
        }

        string commandLine = ToolCallText.Describe(tool, call.Arguments!);
        string label = ChatMessageRules.PromptLabel(prompt);
        if (!_command.ShouldProcess($"Running {commandLine} for '{label}'.", $"The model asks to run {commandLine} for '{label}'. Run it?", "Tool call", out ShouldProcessReason reason))
        {
            return reason == ShouldProcessReason.WhatIf ? null : "The user did not allow this call; it was not run.";
        }

        return Run(prompt, tool, call, commandLine, cancellationToken);
    }

    /// <summary>Why the arguments can't be given to the command; null when they match its parameters' schema.</summary>
    private static string? ArgumentProblem(LaminiToolCall call, LaminiTool tool)
    {
        if (call.ArgumentsError is not null)
        {
            return Sentences.Clause(call.ArgumentsError);
        }

        JsonReplyCheckResult check = JsonReplyCheck.Check(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson, tool.ParameterSchema);
        return check.Success ? null : "the arguments do not match its parameters: " + string.Join("; ", check.Violations);
    }

    private string Refuse(string prompt, string what, string toldTheModel)
    {
        _command.WriteWarning($"The reply to '{ChatMessageRules.PromptLabel(prompt)}' {what}; nothing was run, and the model was told so.");
        return toldTheModel;
    }

    private string Run(string prompt, CommandTool tool, LaminiToolCall call, string commandLine, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using PowerShell shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand(tool.Command).AddParameters(call.Arguments);
        Collection<PSObject> output = [];
        RuntimeException? failure = null;
        try
        {
            using (cancellationToken.Register(() => shell.BeginStop(null, null)))
            {
                output = shell.Invoke();
            }
        }
        catch (RuntimeException ex)
        {
            failure = ex;
        }

        // Ctrl+C may stop the command before StopProcessing cancels our token, and a stopped command may
        // return as if it had finished: a stop either way, never a result to tell the model.
        if (failure is PipelineStoppedException || shell.InvocationStateInfo.State == PSInvocationState.Stopped || cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        if (failure is not null)
        {
            _command.WriteVerbose($"{commandLine} failed after {clock.ElapsedMilliseconds} ms: {failure.Message}");
            _command.WriteWarning(Sentences.Join($"{commandLine}, called by the model for '{ChatMessageRules.PromptLabel(prompt)}', failed: {failure.Message}", "The model was told so"));
            return $"The command failed: {failure.Message}";
        }

        string text = ToolOutputText.From(output) + Errors(prompt, commandLine, shell.Streams.Error);
        _command.WriteVerbose(string.Format(
            CultureInfo.InvariantCulture, "{0} ran in {1} ms and wrote {2} objects; {3} characters went back to the model.", commandLine, clock.ElapsedMilliseconds, output.Count, text.Length));
        return text;
    }

    /// <summary>The errors the command wrote without failing, for the model; the user gets a warning.</summary>
    private string Errors(string prompt, string commandLine, PSDataCollection<ErrorRecord> errors)
    {
        if (errors.Count == 0)
        {
            return string.Empty;
        }

        _command.WriteWarning($"{commandLine}, called by the model for '{ChatMessageRules.PromptLabel(prompt)}', wrote {errors.Count} error(s): {errors[0]}");
        string listed = string.Join("\n", errors.Take(ErrorsListed).Select(error => "- " + error));
        string more = errors.Count > ErrorsListed ? $"\n- and {errors.Count - ErrorsListed} more" : string.Empty;
        return "\nThe command also wrote these errors:\n" + listed + more;
    }
}
