using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace LaminiPS.Commands.Tools;

/// <summary>What Get-Help knows of a command: its synopsis and each parameter's description.</summary>
internal sealed class CommandHelp
{
    private static readonly CommandHelp s_none = new(null, new Dictionary<string, string>());

    private CommandHelp(string? synopsis, Dictionary<string, string> parameters)
    {
        Synopsis = synopsis;
        Parameters = parameters;
    }

    public string? Synopsis { get; }

    /// <summary>Parameter name (case-insensitive) → description.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>
    /// Runs Get-Help on the pipeline thread (argument transformation runs there). Help that PowerShell made up
    /// from the syntax alone (no comment-based help, no MAML) describes nothing and counts as none.
    /// </summary>
    public static CommandHelp Read(EngineIntrinsics engine, CommandInfo command)
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
