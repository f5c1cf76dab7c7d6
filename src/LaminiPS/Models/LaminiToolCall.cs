using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Text.Json;
using LaminiPS.Json;

namespace LaminiPS.Models;

/// <summary>
/// A function call the model asked for (<c>tool_calls[]</c>). <see cref="ArgumentsJson"/> is the model's text
/// exactly as received, and is what goes back on the wire; <see cref="Arguments"/> is that text parsed, or null
/// when it is not a JSON object (<see cref="ArgumentsError"/> says why: models do write invalid arguments).
/// </summary>
public sealed class LaminiToolCall
{
    public LaminiToolCall(string? id, string? name, string? argumentsJson)
        : this(id, "function", name, argumentsJson)
    {
    }

    public LaminiToolCall(string? id, string type, string? name, string? argumentsJson)
    {
        Id = id;
        Type = type;
        Name = name;
        ArgumentsJson = argumentsJson;
        Arguments = ParseArguments(argumentsJson, out string? error);
        ArgumentsError = error;
    }

    /// <summary>The call's id; the tool message that answers it carries it as tool_call_id.</summary>
    public string? Id { get; }

    public string Type { get; }

    /// <summary>The function's name, as the tool was named in the request.</summary>
    public string? Name { get; }

    /// <summary>
    /// The arguments by name, in the model's order, keys case-insensitive: nested objects are ordered dictionaries,
    /// arrays object[], numbers long (or BigInteger, or double). Ready to splat: <c>$a = $call.Arguments; Get-Thing @a</c>.
    /// Empty when the model sent no arguments; null when ArgumentsError is set.
    /// </summary>
    public OrderedDictionary? Arguments { get; }

    /// <summary>function.arguments exactly as the model wrote it (a JSON string that may be invalid).</summary>
    public string? ArgumentsJson { get; }

    /// <summary>Why ArgumentsJson is not a usable JSON object; null when Arguments holds it.</summary>
    public string? ArgumentsError { get; }

    public override string ToString() => $"{Name}({ArgumentsJson})";

    private static OrderedDictionary? ParseArguments(string? json, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            // Some servers send "" (or nothing) for a function without parameters.
            return new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json!);
            JsonElement root = document.RootElement;
            error = NotArguments(root);
            if (error is not null)
            {
                return null;
            }

            return (OrderedDictionary)PowerShellJson.ToDictionaryTree(root, readOnly: false)!;
        }
        catch (JsonException ex)
        {
            error = "The arguments are not valid JSON " + PowerShellJson.DescribeJsonError(ex);
            return null;
        }
    }

    /// <summary>Why <paramref name="root"/> cannot be splatted as parameters; null when it can.</summary>
    private static string? NotArguments(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            string kind = root.ValueKind switch
            {
                JsonValueKind.Array => "an array",
                JsonValueKind.String => "a string",
                JsonValueKind.Number => "a number",
                JsonValueKind.Null => "null",
                _ => "a boolean",
            };
            return $"The arguments are {kind}, not a JSON object of parameter names and values.";
        }

        // PowerShell parameter names ignore case: two spellings of one name would be two values for one parameter.
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                return $"The arguments name '{property.Name}' more than once.";
            }
        }

        return null;
    }
}
