using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Collections.Specialized;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using LaminiPS.Client;
using LaminiPS.Json;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands.Tools;

/// <summary>
/// Describes a PowerShell command as a tool: its name made wire-safe, its synopsis as the description, and one
/// parameter set's parameters as a JSON schema. Types are mapped by the schema builder; mandatory → required,
/// ValidateSet → enum, ValidateRange → minimum/maximum, ValidateLength and ValidateCount → length and item
/// limits, switches → boolean, parameter help → descriptions. Common parameters are left out, and so are
/// parameters JSON can't carry (a script block, an object PowerShell can't build from text or a hashtable).
/// </summary>
internal static class CommandToolBuilder
{
    /// <param name="engine">The caller's session, to read the command's help.</param>
    /// <param name="command">The command to describe (an alias is followed to it).</param>
    /// <param name="parameterSetName">The set to describe; null for the command's default (or only) set.</param>
    /// <param name="name">The tool's name; null for the command's name made wire-safe.</param>
    /// <param name="description">The tool's description; null for the command's synopsis.</param>
    public static CommandTool Build(EngineIntrinsics engine, CommandInfo command, string? parameterSetName, string? name, string? description)
    {
        CommandInfo target = Resolve(command);
        CommandParameterSetInfo set = ChooseSet(target, parameterSetName);
        CommandHelp help = CommandHelp.For(engine, target);
        OrderedDictionary root = DescribeParameters(target, set, help);
        LaminiJsonSchema parameters;
        try
        {
            parameters = SchemaBuilder.FromJson(PowerShellJson.Serialize(root), null, null, strict: false);
        }
        catch (LaminiSchemaException ex)
        {
            throw new InvalidToolException($"The parameters of '{target.Name}' can't be described as a JSON schema: {ex.Message}", ex);
        }

        return new CommandTool(name ?? WireName.MakeSafe(target.Name), description ?? help.Synopsis, parameters, target, set.Name);
    }

    /// <summary>The object schema of one parameter set: a property per parameter the model may give.</summary>
    private static OrderedDictionary DescribeParameters(CommandInfo command, CommandParameterSetInfo set, CommandHelp help)
    {
        var properties = new OrderedDictionary(StringComparer.Ordinal);
        var required = new List<object?>();
        foreach (CommandParameterInfo parameter in set.Parameters.Where(IsForTheModel))
        {
            if (DescribeParameter(command, parameter, help) is not OrderedDictionary schema)
            {
                continue;
            }

            properties[parameter.Name] = schema;
            if (parameter.IsMandatory)
            {
                required.Add(parameter.Name);
            }
        }

        var root = new OrderedDictionary(StringComparer.Ordinal) { ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0)
        {
            root["required"] = required.ToArray();
        }

        // PowerShell refuses parameters a command does not have; saying so lets guided decoding keep the model to them.
        root["additionalProperties"] = false;
        return root;
    }

    /// <summary>
    /// The schema of one parameter's value with its constraints and help text; null for an optional parameter JSON
    /// can't carry, which the model is not offered. A mandatory one makes the command unusable as a tool.
    /// </summary>
    private static OrderedDictionary? DescribeParameter(CommandInfo command, CommandParameterInfo parameter, CommandHelp help)
    {
        OrderedDictionary? schema = ValueSchema(parameter.ParameterType);
        if (schema is null)
        {
            return parameter.IsMandatory
                ? throw new InvalidToolException(
                    $"The command '{command.Name}' needs -{parameter.Name}, a {parameter.ParameterType.Name}, which the model can't write as JSON (a script block, or an object PowerShell can't make from text or a hashtable). Name another parameter set, or wrap the command in a function that takes simple values.")
                : null;
        }

        AddConstraints(schema, parameter.Attributes);
        string? text = help.Parameters.TryGetValue(parameter.Name, out string? fromHelp) ? fromHelp : parameter.HelpMessage;
        if (!string.IsNullOrWhiteSpace(text))
        {
            schema["description"] = text!.Trim();
        }

        return schema;
    }

    /// <summary>Common parameters and hidden ones are not the model's business.</summary>
    private static bool IsForTheModel(CommandParameterInfo parameter) =>
        !Cmdlet.CommonParameters.Contains(parameter.Name) && !Cmdlet.OptionalCommonParameters.Contains(parameter.Name)
        && !parameter.Attributes.OfType<ParameterAttribute>().Any(attribute => attribute.DontShow);

    private static CommandInfo Resolve(CommandInfo command) => command switch
    {
        AliasInfo alias => alias.ResolvedCommand is { } resolved
            ? Resolve(resolved)
            : throw new InvalidToolException($"The alias '{alias.Name}' stands for '{alias.Definition}', which was not found."),
        ApplicationInfo application => throw new InvalidToolException(
            $"'{application.Name}' is a native program; a tool must be a PowerShell command (cmdlet, function or script) whose parameters can be described. Wrap the program in a function with the parameters the model may use."),
        _ => command,
    };

    private static CommandParameterSetInfo ChooseSet(CommandInfo command, string? parameterSetName)
    {
        ReadOnlyCollection<CommandParameterSetInfo> sets;
        try
        {
            sets = command.ParameterSets;
        }
        catch (Exception ex) when (ex is RuntimeException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidToolException($"The parameters of '{command.Name}' can't be read: {ex.Message}");
        }

        string names = string.Join(", ", sets.Select(set => "'" + set.Name + "'"));
        if (parameterSetName is not null)
        {
            return sets.FirstOrDefault(set => string.Equals(set.Name, parameterSetName, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidToolException($"The command '{command.Name}' has no parameter set '{parameterSetName}'; its sets are {names}.");
        }

        if (sets.Count == 1)
        {
            return sets[0];
        }

        return sets.FirstOrDefault(set => set.IsDefault)
            ?? throw new InvalidToolException(
                $"The command '{command.Name}' has the parameter sets {names} and no default one; name the one the model may use: -Tool @{{ Command = '{command.Name}'; ParameterSet = '{sets[0].Name}' }}.");
    }

    /// <summary>The schema of one parameter's value, or null when JSON can't carry it.</summary>
    private static OrderedDictionary? ValueSchema(Type type)
    {
        if (type == typeof(SwitchParameter))
        {
            return SchemaBuilder.SchemaNodeFor(typeof(bool));
        }

        Type element = type.IsArray ? type.GetElementType()! : type;
        if (typeof(ScriptBlock).IsAssignableFrom(element))
        {
            // The model may send values, never code.
            return null;
        }

        OrderedDictionary? node;
        try
        {
            node = SchemaBuilder.SchemaNodeFor(type);
        }
        catch (LaminiSchemaException)
        {
            node = null;
        }

        if (node is not null && !DescribesClass(type.IsArray ? node["items"] : node))
        {
            return node;
        }

        // A class: PowerShell makes one from text when it has a constructor or Parse method taking a string,
        // otherwise from a hashtable of its properties when it has a constructor without arguments.
        if (ConvertsFromString(element))
        {
            return SchemaBuilder.SchemaNodeFor(type.IsArray ? typeof(string[]) : typeof(string));
        }

        return node is not null && (element.IsValueType || element.GetConstructor(Type.EmptyTypes) is not null) ? node : null;
    }

    private static bool DescribesClass(object? node) => node is OrderedDictionary schema && schema.Contains("properties");

    private static bool ConvertsFromString(Type type) =>
        type.GetConstructor(new[] { typeof(string) }) is not null
        || type.GetMethod("Parse", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null) is not null;

    private static void AddConstraints(OrderedDictionary schema, IEnumerable<Attribute> attributes)
    {
        bool isArray = "array".Equals(schema["type"] as string, StringComparison.Ordinal);
        OrderedDictionary value = isArray && schema["items"] is OrderedDictionary items ? items : schema;
        foreach (Attribute attribute in attributes)
        {
            switch (attribute)
            {
                case ValidateSetAttribute set:
                    value["enum"] = set.ValidValues.Select(allowed => TypedValue(allowed, value["type"] as string)).ToArray();
                    break;
                case ValidateRangeAttribute range:
                    AddRange(value, range);
                    break;
                case ValidateLengthAttribute length:
                    value["minLength"] = (long)length.MinLength;
                    value["maxLength"] = (long)length.MaxLength;
                    break;
                case ValidateCountAttribute count when isArray:
                    schema["minItems"] = (long)count.MinLength;
                    schema["maxItems"] = (long)count.MaxLength;
                    break;
            }
        }
    }

    private static void AddRange(OrderedDictionary value, ValidateRangeAttribute range)
    {
        if (JsonNumber(range.MinRange) is object minimum)
        {
            value["minimum"] = minimum;
        }

        if (JsonNumber(range.MaxRange) is object maximum)
        {
            value["maximum"] = maximum;
        }

        // PowerShell 6+ also has [ValidateRange('Positive')] and friends, kept in a property 5.1 lacks.
        string? kind = range.GetType().GetProperty("RangeKind", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(range)?.ToString();
        switch (kind)
        {
            case "Positive":
                value["exclusiveMinimum"] = 0L;
                break;
            case "NonNegative":
                value["minimum"] = 0L;
                break;
            case "Negative":
                value["exclusiveMaximum"] = 0L;
                break;
            case "NonPositive":
                value["maximum"] = 0L;
                break;
        }
    }

    /// <summary>A range bound as a JSON number (long or double); null for bounds that are not numbers.</summary>
    private static object? JsonNumber(object? bound) => bound switch
    {
        byte or sbyte or short or ushort or int or uint or long => Convert.ToInt64(bound, CultureInfo.InvariantCulture),
        ulong big when big <= long.MaxValue => (long)big,
        ulong or float or double or decimal => Convert.ToDouble(bound, CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A ValidateSet value (always text) as the JSON type of the parameter, so the enum matches its type.</summary>
    private static object? TypedValue(string allowed, string? jsonType) => jsonType switch
    {
        "integer" when long.TryParse(allowed, NumberStyles.Integer, CultureInfo.InvariantCulture, out long integer) => integer,
        "number" when double.TryParse(allowed, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) => number,
        "boolean" when bool.TryParse(allowed, out bool flag) => flag,
        _ => allowed,
    };
}
