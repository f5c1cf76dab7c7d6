using System.Management.Automation;
using LaminiPS.Models;

namespace LaminiPS.Commands.Tools;

/// <summary>A tool that stands for a PowerShell command: the model's calls to it run that command, and nothing else.</summary>
internal sealed class CommandTool : LaminiTool
{
    public CommandTool(string name, string? description, LaminiJsonSchema parameterSchema, CommandInfo command, string parameterSetName)
        : base(name, description, parameterSchema, strict: false, command.Name, parameterSetName)
    {
        Command = command;
    }

    /// <summary>The command exactly as it was given (not looked up again by name when it runs).</summary>
    public CommandInfo Command { get; }
}
