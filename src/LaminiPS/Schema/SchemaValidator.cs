using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using LaminiPS.Client;
using LaminiPS.Json;

namespace LaminiPS.Schema;

/// <summary>
/// Checks a JSON value (a model's structured reply, a tool call's arguments) against a JSON schema; no PowerShell
/// types. It follows the value, not the schema, so it walks the two together rather than through
/// <see cref="SchemaWalker"/>. Checked: type ("integer" accepts 3.0), properties, required, additionalProperties,
/// enum, const, items, prefixItems, anyOf, oneOf, allOf, not, local $ref, pattern and the limits of
/// <see cref="SchemaKeywords.Limits"/>; other keywords (format, description, ...) are ignored. Paths look like
/// <c>$.address.city</c>, <c>$.tags[2]</c>, <c>$['first name']</c>.
/// </summary>
internal static class SchemaValidator
{
    /// <summary>The keywords whose value must match one or more of their schemas (oneOf: exactly one).</summary>
    private static readonly string[] s_alternatives = ["anyOf", "oneOf"];

    private static readonly Regex s_identifier = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

    /// <summary>Every way <paramref name="instance"/> breaks <paramref name="schema"/>; empty when it is valid.</summary>
    internal static IReadOnlyList<string> Validate(JsonElement instance, JsonElement schema) => ViolationsOf(instance, schema, schema, "$", 0);

    private static string PropertyPath(string parent, string name) =>
        s_identifier.IsMatch(name)
            ? parent + "." + name
            : parent + "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";

    private static List<string> ViolationsOf(JsonElement instance, JsonElement schema, JsonElement root, string path, int inPlace)
    {
        var violations = new List<string>();
        Check(instance, schema, root, path, inPlace, violations);
        return violations;
    }

    /// <summary><paramref name="inPlace"/>: schemas applied to this same value so far ($ref, allOf, ...); 0 after a step into it.</summary>
    private static void Check(JsonElement instance, JsonElement schema, JsonElement root, string path, int inPlace, List<string> violations)
    {
        if (inPlace > PowerShellJson.MaxDepth)
        {
            return; // a $ref loop that never consumes input; nothing more to learn
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            violations.Add(path + ": no value is allowed here");
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("$ref", out JsonElement reference) && reference.ValueKind == JsonValueKind.String
            && JsonValues.TryResolvePointer(root, reference.GetString()!, out JsonElement target))
        {
            Check(instance, target, root, path, inPlace + 1, violations);
        }

        if (schema.TryGetProperty("type", out JsonElement type) && !CheckType(instance, type, path, violations))
        {
            return; // the rest would only repeat the same mistake
        }

        CheckAllowedValues(instance, schema, path, violations);
        CheckLimits(instance, schema, path, violations);
        CheckByKind(instance, schema, root, path, violations);
        CheckCombinators(instance, schema, root, path, inPlace, violations);
    }

    /// <summary>const and enum.</summary>
    private static void CheckAllowedValues(JsonElement instance, JsonElement schema, string path, List<string> violations)
    {
        if (schema.TryGetProperty("const", out JsonElement constant) && !JsonValues.AreEqual(instance, constant))
        {
            violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: expected {1}, got {2}", path, Excerpt(constant), Excerpt(instance)));
        }

        if (schema.TryGetProperty("enum", out JsonElement allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(value => JsonValues.AreEqual(instance, value)))
        {
            violations.Add(string.Format(
                CultureInfo.InvariantCulture,
                "{0}: {1} is not one of the allowed values {2}",
                path,
                Excerpt(instance),
                string.Join(", ", allowed.EnumerateArray().Select(Excerpt))));
        }
    }

    /// <summary>The keywords that apply to one kind of value: an object's properties, an array's items, a string's pattern.</summary>
    private static void CheckByKind(JsonElement instance, JsonElement schema, JsonElement root, string path, List<string> violations)
    {
        switch (instance.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(instance, schema, root, path, violations);
                break;
            case JsonValueKind.Array:
                CheckItems(instance, schema, root, path, violations);
                break;
            case JsonValueKind.String:
                CheckPattern(instance.GetString()!, schema, path, violations);
                break;
        }
    }

    private static bool CheckType(JsonElement instance, JsonElement type, string path, List<string> violations)
    {
        List<string> names = SchemaTypes.Names(type).ToList();
        if (names.Count == 0 || names.Any(name => SchemaTypes.MatchesType(instance, name)))
        {
            return true;
        }

        violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: expected {1}, got {2}", path, string.Join(" or ", names), SchemaTypes.KindName(instance.ValueKind)));
        return false;
    }

    private static void CheckObject(JsonElement instance, JsonElement schema, JsonElement root, string path, List<string> violations)
    {
        bool hasProperties = schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object;

        if (schema.TryGetProperty("required", out JsonElement required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement name in required.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String && !instance.TryGetProperty(name.GetString()!, out _))
                {
                    violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: missing required property '{1}'", path, name.GetString()));
                }
            }
        }

        schema.TryGetProperty("additionalProperties", out JsonElement additional);
        foreach (JsonProperty property in instance.EnumerateObject())
        {
            string childPath = PropertyPath(path, property.Name);
            if (hasProperties && properties.TryGetProperty(property.Name, out JsonElement propertySchema))
            {
                Check(property.Value, propertySchema, root, childPath, 0, violations);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: unexpected property '{1}' (additionalProperties is false)", path, property.Name));
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(property.Value, additional, root, childPath, 0, violations);
            }
        }
    }

    private static void CheckLimits(JsonElement instance, JsonElement schema, string path, List<string> violations)
    {
        if (!SchemaKeywords.Limits.Any(limit => limit.AppliesTo == instance.ValueKind && schema.TryGetProperty(limit.Keyword, out _)))
        {
            return; // most values have no limit; a string's characters are counted only when one applies
        }

        double measure = instance.ValueKind switch
        {
            JsonValueKind.Number => instance.TryGetDouble(out double value) ? value : double.NaN, // beyond double's range: no limit applies
            JsonValueKind.String => instance.GetString()!.Count(static c => !char.IsLowSurrogate(c)), // characters, not UTF-16 units
            JsonValueKind.Array => instance.GetArrayLength(),
            _ => double.NaN,
        };
        foreach (KeywordLimit limit in SchemaKeywords.Limits)
        {
            if (limit.AppliesTo == instance.ValueKind && !double.IsNaN(measure) && schema.TryGetProperty(limit.Keyword, out JsonElement bound)
                && bound.ValueKind == JsonValueKind.Number && bound.TryGetDouble(out double boundValue) && limit.IsBroken(measure, boundValue))
            {
                string shown = instance.ValueKind == JsonValueKind.Number ? instance.GetRawText() : measure.ToString(CultureInfo.InvariantCulture);
                violations.Add(string.Format(CultureInfo.InvariantCulture, limit.Message, path, shown, boundValue));
            }
        }
    }

    /// <summary>An array's items: by position (prefixItems, or items as a list as older drafts write it), then items as one schema for the rest.</summary>
    private static void CheckItems(JsonElement instance, JsonElement schema, JsonElement root, string path, List<string> violations)
    {
        schema.TryGetProperty("items", out JsonElement items);
        bool itemsByPosition = items.ValueKind == JsonValueKind.Array;
        JsonElement[] positional = itemsByPosition
            ? items.EnumerateArray().ToArray()
            : schema.TryGetProperty("prefixItems", out JsonElement prefix) && prefix.ValueKind == JsonValueKind.Array ? prefix.EnumerateArray().ToArray() : [];
        int index = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            JsonElement itemSchema = index < positional.Length ? positional[index] : itemsByPosition ? default : items;
            if (itemSchema.ValueKind != JsonValueKind.Undefined)
            {
                Check(item, itemSchema, root, path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", 0, violations);
            }

            index++;
        }
    }

    private static void CheckPattern(string text, JsonElement schema, string path, List<string> violations)
    {
        if (!schema.TryGetProperty("pattern", out JsonElement pattern) || pattern.ValueKind != JsonValueKind.String)
        {
            return;
        }

        try
        {
            if (!Regex.IsMatch(text, pattern.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: {1} does not match the pattern {2}", path, Quote(text), pattern.GetString()));
            }
        }
        catch (Exception ex) when (ex is ArgumentException or RegexMatchTimeoutException)
        {
            // A pattern .NET can't read (ECMA-262 differs in corners), or one too slow to run: not the reply's fault.
        }
    }

    private static void CheckCombinators(JsonElement instance, JsonElement schema, JsonElement root, string path, int inPlace, List<string> violations)
    {
        if (schema.TryGetProperty("allOf", out JsonElement allOf) && allOf.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement branch in allOf.EnumerateArray())
            {
                Check(instance, branch, root, path, inPlace + 1, violations);
            }
        }

        foreach (string keyword in s_alternatives)
        {
            if (!schema.TryGetProperty(keyword, out JsonElement branches) || branches.ValueKind != JsonValueKind.Array || branches.GetArrayLength() == 0)
            {
                continue;
            }

            List<List<string>> results = branches.EnumerateArray().Select(branch => ViolationsOf(instance, branch, root, path, inPlace + 1)).ToList();
            int matches = results.Count(static r => r.Count == 0);
            if (matches == 0)
            {
                string closest = string.Join("; ", results.OrderBy(static r => r.Count).First());
                violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: matches none of the {1} {2} alternatives (closest: {3})", path, results.Count, keyword, closest));
            }
            else if (matches > 1 && keyword == "oneOf")
            {
                violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: matches {1} of the oneOf alternatives; exactly one is allowed", path, matches));
            }
        }

        if (schema.TryGetProperty("not", out JsonElement not) && not.ValueKind is JsonValueKind.Object or JsonValueKind.True
            && ViolationsOf(instance, not, root, path, inPlace + 1).Count == 0)
        {
            violations.Add(path + ": matches a schema it must not match (not)");
        }
    }

    /// <summary>A value as short JSON for a message: strings quoted, long text cut.</summary>
    private static string Excerpt(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Quote(value.GetString()!),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };

    private static string Quote(string text) => "\"" + ChatMessageRules.Shorten(text, 60) + "\"";
}
