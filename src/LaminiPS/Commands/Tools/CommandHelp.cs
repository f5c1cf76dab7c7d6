using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace LaminiPS.Commands.Tools;

/// <summary>What Get-Help knows of a command: its synopsis and each parameter's description.</summary>
internal sealed class CommandHelp
{
    private static readonly CommandHelp s_none = new(null, new Dictionary<string, string>());

    /// <summary>
    /// Help already read, keyed by what it was read from: a cmdlet's CmdletInfo, which Import-Module makes anew
    /// (another version included), or a function's script block, which a redefinition or a re-import replaces
    /// while the FunctionInfo may stay. Either belongs to one runspace, and its entry goes when it does.
    /// Help installed by Update-Help shows from the next session.
    /// </summary>
    private static readonly ConditionalWeakTable<object, CommandHelp> s_read = new();

    private CommandHelp(string? synopsis, Dictionary<string, string> parameters)
    {
        Synopsis = synopsis;
        Parameters = parameters;
    }

    public string? Synopsis { get; }

    /// <summary>Parameter name (case-insensitive) → description.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>
    /// The command's help, read once per command definition: Get-Help takes 30 to 60 ms a command, and -Tool
    /// describes its commands on every call. Scripts are read every time: their file can change under the same name.
    /// </summary>
    public static CommandHelp For(EngineIntrinsics engine, CommandInfo command)
    {
        object? source = command switch
        {
            CmdletInfo => command,
            FunctionInfo function => function.ScriptBlock,
            _ => null,
        };
        return source is null ? Read(engine, command) : s_read.GetValue(source, _ => Read(engine, command));
    }

    /// <summary>
    /// Runs Get-Help on the pipeline thread (argument transformation runs there). Help that PowerShell made up
    /// from the syntax alone (no comment-based help, no MAML) describes nothing and counts as none.
    /// </summary>
    private static CommandHelp Read(EngineIntrinsics engine, CommandInfo command)
    {
        string name = command is ExternalScriptInfo script ? script.Path : command.Name;
        PSObject? help;
        try
        {
            help = engine.InvokeCommand
                .InvokeScript("Microsoft.PowerShell.Core\\Get-Help -Name $args[0] -Full -ErrorAction Ignore", name)
                .FirstOrDefault(item => item is not null);
        }
        catch (RuntimeException)
        {
            // Broken help content must not stop a tool from being offered: it just goes undescribed.
            return s_none;
        }

        if (help is null || help.TypeNames.Contains("CmdletHelpInfo"))
        {
            return s_none;
        }

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (object? parameter in Items(Property(Property(help, "parameters"), "parameter")))
        {
            string? parameterName = Text(Property(parameter, "name"));
            string description = string.Join("\n", Items(Property(parameter, "description")).Select(part => Text(Property(part, "Text"))).Where(t => !string.IsNullOrWhiteSpace(t))).Trim();
            if (parameterName is not null && description.Length > 0)
            {
                parameters[parameterName] = description;
            }
        }

        string? synopsis = Text(Property(help, "Synopsis"))?.Trim();
        return new CommandHelp(string.IsNullOrEmpty(synopsis) ? null : synopsis, parameters);
    }

    private static object? Property(object? item, string name) =>
        item is null ? null : PSObject.AsPSObject(item).Properties[name]?.Value;

    private static IEnumerable<object?> Items(object? value)
    {
        object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
        return inner switch
        {
            null or string => value is null ? Array.Empty<object?>() : new[] { value },
            IEnumerable list => list.Cast<object?>(),
            _ => new[] { value },
        };
    }

    private static string? Text(object? value) => value is PSObject wrapped ? wrapped.BaseObject?.ToString() : value?.ToString();
}
