using System.Collections.Specialized;
using System.Text.Json;

namespace LaminiPS.Models;

/// <summary>
/// A function the model may ask to call, sent as
/// <c>tools[] = {"type": "function", "function": {"name", "description", "parameters", "strict"}}</c>.
/// Made by Invoke-LaminiChat -Tool from a PowerShell command (<see cref="CommandName"/> names it) or from a
/// definition in the OpenAI shape (<see cref="CommandName"/> is null: the caller answers those calls itself).
/// </summary>
public class LaminiTool
{
    internal LaminiTool(string name, string? description, LaminiJsonSchema? parameterSchema, bool strict, string? commandName, string? parameterSetName)
    {
        Name = name;
        Description = description;
        ParameterSchema = parameterSchema;
        Strict = strict;
        CommandName = commandName;
        ParameterSetName = parameterSetName;
    }

    /// <summary>function.name: 1 to 64 letters, digits, '_' or '-'; the name the model's calls use.</summary>
    public string Name { get; }

    /// <summary>function.description; sent only when set.</summary>
    public string? Description { get; }

    /// <summary>function.parameters (a JSON schema) as read-only ordered dictionaries; null when the definition has none.</summary>
    public OrderedDictionary? Parameters => ParameterSchema?.Schema;

    /// <summary>function.strict; sent only when true.</summary>
    public bool Strict { get; }

    /// <summary>The PowerShell command the tool stands for, as it is named in PowerShell; null for a plain definition.</summary>
    public string? CommandName { get; }

    /// <summary>The command's parameter set whose parameters the schema describes; null for a plain definition.</summary>
    public string? ParameterSetName { get; }

    /// <summary>The parameters' schema, checked when the tool was made; arguments can be validated against it.</summary>
    internal LaminiJsonSchema? ParameterSchema { get; }

    public override string ToString() => Name;

    /// <summary>Writes one <c>tools[]</c> entry.</summary>
    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", Name);
        if (Description is not null)
        {
            writer.WriteString("description", Description);
        }

        if (ParameterSchema is not null)
        {
            writer.WritePropertyName("parameters");
            writer.WriteRawValue(ParameterSchema.SchemaJson, skipInputValidation: true);
        }

        if (Strict)
        {
            writer.WriteBoolean("strict", true);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
