using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Models;

namespace LaminiPS.Commands.Tools;

/// <summary>Turns -ToolChoice into the tool_choice the request sends.</summary>
internal static class ToolChoiceResolver
{
    /// <summary>
    /// The tool_choice to send (null when -ToolChoice is not given); null with <paramref name="refusal"/> set when
    /// -ToolChoice, or -InvokeTool, can't work with the tools given, which stops the command before anything is sent.
    /// </summary>
    public static string? ForRequest(string? choice, IReadOnlyList<LaminiTool>? tools, bool invokeTool, out ErrorRecord? refusal)
    {
        refusal = null;
        if (invokeTool && tools is null)
        {
            refusal = new ErrorRecord(new PSArgumentException("-InvokeTool runs the commands given to -Tool; give -Tool too."), ErrorIds.InvokeToolNeedsTool, ErrorCategory.InvalidArgument, null);
            return null;
        }

        try
        {
            return choice is null ? null : Resolve(choice, tools);
        }
        catch (ArgumentException ex)
        {
            refusal = new ErrorRecord(ex, ErrorIds.InvalidToolChoice, ErrorCategory.InvalidArgument, choice);
            return null;
        }
    }

    /// <summary>
    /// A mode (auto, none, required) in lower case, or the name of the one tool to call, given by its name or its
    /// command's name (case-insensitive). Throws <see cref="ArgumentException"/> for anything else.
    /// </summary>
    private static string Resolve(string choice, IReadOnlyList<LaminiTool>? tools)
    {
        if (tools is null || tools.Count == 0)
        {
            throw new ArgumentException($"-ToolChoice '{choice}' chooses among tools, but no -Tool was given.");
        }

        string trimmed = choice.Trim();
        string? mode = ToolFields.ChoiceModes.FirstOrDefault(m => m.Equals(trimmed, StringComparison.OrdinalIgnoreCase));
        if (mode is not null)
        {
            return mode;
        }

        LaminiTool? tool = tools.FirstOrDefault(t => t.Name.Equals(trimmed, StringComparison.OrdinalIgnoreCase))
            ?? tools.FirstOrDefault(t => trimmed.Equals(t.CommandName, StringComparison.OrdinalIgnoreCase));
        return tool?.Name ?? throw new ArgumentException(
            $"-ToolChoice '{choice}' is not auto, none, required or the name of a tool given to -Tool ({string.Join(", ", tools.Select(t => t.Name))}).");
    }
}
