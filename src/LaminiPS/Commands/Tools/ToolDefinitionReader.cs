using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using LaminiPS.Client;
using LaminiPS.Commands.Transformations;
using LaminiPS.Json;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands.Tools;

/// <summary>
/// Turns one -Tool entry into tools: a command (a CommandInfo, or a command's name), a definition in the OpenAI
/// shape (<c>@{ type = 'function'; function = @{ name; description; parameters; strict } }</c> or just the inner
/// part) as a hashtable, [pscustomobject] or JSON text (a JSON array holds several), or a command with options
/// (<c>@{ Command = 'Get-Process'; ParameterSet = 'Id'; Name = 'process_by_id'; Description = '...' }</c>).
/// </summary>
internal static class ToolDefinitionReader
{
    private const string Shapes =
        "A tool is a command (Get-Command output or a command name), a definition such as @{ name = 'get_weather'; description = '...'; parameters = @{ city = 'string' } } (also inside @{ type = 'function'; function = ... }, or as JSON text), or @{ Command = 'Get-Process'; ParameterSet = 'Name' }.";

    private static readonly string[] s_definitionKeys = ["name", "description", "parameters", "strict"];
    private static readonly string[] s_commandKeys = ["command", "parameterset", "name", "description"];

    public static IEnumerable<LaminiTool> Read(EngineIntrinsics engine, object? entry)
    {
        object? value = PowerShellJson.Unwrap(entry);
        switch (value)
        {
            case LaminiTool tool:
                return [tool];
            case CommandInfo command:
                return [CommandToolBuilder.Build(engine, command, null, null, null)];
            case string text when text.TrimStart().StartsWith("{", StringComparison.Ordinal) || text.TrimStart().StartsWith("[", StringComparison.Ordinal):
                return FromJson(engine, text);
            case string name:
                return [CommandToolBuilder.Build(engine, FindCommand(engine, name), null, null, null)];
        }

        return PowerShellJson.Members(value) is { } entries
            ? [FromMap(engine, entries)]
            : throw new InvalidToolException($"{ObjectFields.Describe(value)} can't be a tool. {Shapes}");
    }

    private static List<LaminiTool> FromJson(EngineIntrinsics engine, string json)
    {
        object? parsed;
        try
        {
            parsed = PowerShellJson.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidToolException("The tool definition is not valid JSON " + PowerShellJson.DescribeJsonError(ex), ex);
        }

        IEnumerable<object?> items = parsed is object?[] array ? array : [parsed];
        return items.Select(item => PowerShellJson.Members(item) is { } entries
            ? FromMap(engine, entries)
            : throw new InvalidToolException($"The JSON tool definition holds {ObjectFields.Describe(item)}, not an object. {Shapes}")).ToList();
    }

    private static LaminiTool FromMap(EngineIntrinsics engine, List<KeyValuePair<string, object?>> entries)
    {
        if (Find(entries, "command") is { } command)
        {
            CheckKeys(entries, s_commandKeys, "A tool made from a command takes Command, ParameterSet, Name and Description");
            CommandInfo info = PowerShellJson.Unwrap(command.Value) switch
            {
                CommandInfo found => found,
                string name => FindCommand(engine, name),
                var other => throw new InvalidToolException($"Command = {ObjectFields.Describe(other)} is not a command; give Get-Command output or a command name."),
            };
            return CommandToolBuilder.Build(engine, info, Text(entries, "parameterset"), CheckedName(Text(entries, "name")), Text(entries, "description"));
        }

        if (Find(entries, "function") is { } function)
        {
            CheckKeys(entries, ["type", "function"], "A tool in the OpenAI shape has type = 'function' and function = @{ name; description; parameters; strict }");
            string type = Text(entries, "type") ?? "function";
            if (type != "function")
            {
                throw new InvalidToolException($"The tool's type is '{type}'; the only type of tool is 'function'.");
            }

            entries = PowerShellJson.Members(PowerShellJson.Unwrap(function.Value))
                ?? throw new InvalidToolException($"function = {ObjectFields.Describe(function.Value)} is not a definition. {Shapes}");
        }

        CheckKeys(entries, s_definitionKeys, "A tool definition has name, description, parameters and strict");
        string toolName = CheckedName(Text(entries, "name"))
            ?? throw new InvalidToolException($"The tool definition has no name. {Shapes}");
        bool strict = Find(entries, "strict") is { } strictEntry && LanguagePrimitives.IsTrue(PowerShellJson.Unwrap(strictEntry.Value));
        LaminiJsonSchema? parameters = Find(entries, "parameters") is { } given ? ParameterSchema(toolName, given.Value, strict) : null;
        return new LaminiTool(toolName, Text(entries, "description"), parameters, strict, commandName: null, parameterSetName: null);
    }

    /// <summary>parameters: JSON text or a [pscustomobject] (kept as written), or anything -JsonSchema takes (the shorthand too).</summary>
    private static LaminiJsonSchema ParameterSchema(string toolName, object? value, bool strict)
    {
        value = PowerShellJson.Unwrap(value);
        try
        {
            return SchemaBuilder.FromAny(PowerShellJson.IsCustomObject(value) ? PowerShellJson.Serialize(value) : value, strict);
        }
        catch (LaminiSchemaException ex)
        {
            throw new InvalidToolException($"The parameters of tool '{toolName}' are not a usable JSON schema: {ex.Message}", ex);
        }
    }

    private static CommandInfo FindCommand(EngineIntrinsics engine, string name) =>
        engine.InvokeCommand.GetCommand(name, CommandTypes.All)
            ?? throw new InvalidToolException($"No command '{name}' was found. {Shapes}");

    private static string? CheckedName(string? name) =>
        name is null || WireName.Problem(name) is not { } problem
            ? name
            : throw new InvalidToolException($"The tool name '{name}' can't be used: {problem}. {WireName.Rule}");

    private static void CheckKeys(List<KeyValuePair<string, object?>> entries, string[] allowed, string shape)
    {
        foreach (KeyValuePair<string, object?> entry in entries)
        {
            if (!allowed.Contains(entry.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidToolException($"The tool definition has an unknown key '{entry.Key}'. {shape}.");
            }
        }
    }

    private static KeyValuePair<string, object?>? Find(List<KeyValuePair<string, object?>> entries, string key) =>
        entries.Where(entry => string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            .Select(entry => (KeyValuePair<string, object?>?)entry)
            .FirstOrDefault();

    private static string? Text(List<KeyValuePair<string, object?>> entries, string key) =>
        Find(entries, key) is { } entry
            ? PowerShellJson.Unwrap(entry.Value) switch
            {
                null => null,
                string text => text,
                var other => throw new InvalidToolException($"The tool definition's '{entry.Key}' must be text, not {ObjectFields.Describe(other)}."),
            }
            : null;
}
