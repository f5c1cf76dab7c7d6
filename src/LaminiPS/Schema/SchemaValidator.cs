using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LaminiPS.Json;

namespace LaminiPS.Schema;

/// <summary>
/// Checks a JSON value (a model's structured reply) against a JSON schema. No PowerShell types.
/// </summary>
/// <remarks>
/// Supported: <c>type</c> (a name or an array of names, "integer" accepting 3.0), <c>properties</c>,
/// <c>required</c>, <c>additionalProperties</c> (false or a schema), <c>enum</c>, <c>const</c>,
/// <c>items</c> (a schema, or an array of schemas by position), <c>prefixItems</c>, <c>anyOf</c>,
/// <c>oneOf</c>, <c>allOf</c>, <c>not</c>, local <c>$ref</c> (<c>#/$defs/...</c>, <c>#/definitions/...</c>),
/// <c>minimum</c>/<c>maximum</c>/<c>exclusiveMinimum</c>/<c>exclusiveMaximum</c>, <c>minLength</c>/
/// <c>maxLength</c>, <c>pattern</c>, <c>minItems</c>/<c>maxItems</c>. Other keywords (format,
/// description, ...) are ignored. Paths look like <c>$.address.city</c>, <c>$.tags[2]</c>,
/// <c>$['first name']</c>.
/// </remarks>
internal static class SchemaValidator
{
    private static readonly Regex s_identifier = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

    /// <summary>Every way <paramref name="instance"/> breaks <paramref name="schema"/>; empty when it is valid.</summary>
    internal static IReadOnlyList<string> Validate(JsonElement instance, JsonElement schema)
    {
        var violations = new List<string>();
        Check(instance, schema, schema, "$", 0, violations);
        return violations;
    }

    private static string PropertyPath(string parent, string name) =>
        s_identifier.IsMatch(name)
            ? parent + "." + name
            : parent + "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";

    /// <summary>JSON equality: numbers by value, objects regardless of key order.</summary>
    private static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number)
        {
            if (a.TryGetDecimal(out decimal x) && b.TryGetDecimal(out decimal y))
            {
                return x == y;
            }

            if (a.TryGetDouble(out double left) && b.TryGetDouble(out double right))
            {
                return left.Equals(right);
            }

            return string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal);
        }

        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.String:
                return string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal);
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    return false;
                }

                return a.EnumerateArray().Zip(b.EnumerateArray(), static (l, r) => JsonEquals(l, r)).All(static same => same);
            case JsonValueKind.Object:
                var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (JsonProperty property in a.EnumerateObject())
                {
                    members[property.Name] = property.Value;
                }

                int count = 0;
                foreach (JsonProperty property in b.EnumerateObject())
                {
                    count++;
                    if (!members.TryGetValue(property.Name, out JsonElement value) || !JsonEquals(value, property.Value))
                    {
                        return false;
                    }
                }

                return count == members.Count;
            default:
                return true; // true, false, null: same kind is the same value
        }
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
            && SchemaWalker.TryResolveReference(root, reference.GetString()!, out JsonElement target))
        {
            Check(instance, target, root, path, inPlace + 1, violations);
        }

        if (schema.TryGetProperty("type", out JsonElement type) && !CheckType(instance, type, path, violations))
        {
            return; // the rest would only repeat the same mistake
        }

        if (schema.TryGetProperty("const", out JsonElement constant) && !JsonEquals(instance, constant))
        {
            violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: expected {1}, got {2}", path, Excerpt(constant), Excerpt(instance)));
        }

        if (schema.TryGetProperty("enum", out JsonElement allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(value => JsonEquals(instance, value)))
        {
            violations.Add(string.Format(
                CultureInfo.InvariantCulture,
                "{0}: {1} is not one of the allowed values {2}",
                path,
                Excerpt(instance),
                string.Join(", ", allowed.EnumerateArray().Select(Excerpt))));
        }

        CheckLimits(instance, schema, path, violations);
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

        CheckCombinators(instance, schema, root, path, inPlace, violations);
    }

    private static bool CheckType(JsonElement instance, JsonElement type, string path, List<string> violations)
    {
        var names = new List<string>();
        if (type.ValueKind == JsonValueKind.String)
        {
            names.Add(type.GetString()!);
        }
        else if (type.ValueKind == JsonValueKind.Array)
        {
            names.AddRange(type.EnumerateArray().Where(static t => t.ValueKind == JsonValueKind.String).Select(static t => t.GetString()!));
        }

        if (names.Count == 0 || names.Any(name => SchemaTypes.MatchesType(instance, name)))
        {
            return true;
        }

        violations.Add(string.Format(
            CultureInfo.InvariantCulture,
            "{0}: expected {1}, got {2}",
            path,
            string.Join(" or ", names),
            SchemaTypes.KindName(instance.ValueKind)));
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
        double measure = instance.ValueKind switch
        {
            JsonValueKind.Number => instance.TryGetDouble(out double value) ? value : double.NaN, // beyond double's range: no limit applies
            JsonValueKind.String => CountCodePoints(instance.GetString()!),
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

    private static void CheckItems(JsonElement instance, JsonElement schema, JsonElement root, string path, List<string> violations)
    {
        JsonElement[] positional = Array.Empty<JsonElement>();
        JsonElement? rest = null;
        if (schema.TryGetProperty("prefixItems", out JsonElement prefix) && prefix.ValueKind == JsonValueKind.Array)
        {
            positional = prefix.EnumerateArray().ToArray();
        }

        if (schema.TryGetProperty("items", out JsonElement items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                positional = items.EnumerateArray().ToArray();
            }
            else
            {
                rest = items;
            }
        }

        int index = 0;
        foreach (JsonElement item in instance.EnumerateArray())
        {
            string itemPath = path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            if (index < positional.Length)
            {
                Check(item, positional[index], root, itemPath, 0, violations);
            }
            else if (rest is JsonElement itemSchema)
            {
                Check(item, itemSchema, root, itemPath, 0, violations);
            }

            index++;
        }
    }

    private static void CheckPattern(string text, JsonElement schema, string path, List<string> violations)
    {
        if (schema.TryGetProperty("pattern", out JsonElement pattern) && pattern.ValueKind == JsonValueKind.String)
        {
            try
            {
                if (!Regex.IsMatch(text, pattern.GetString()!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                {
                    violations.Add(string.Format(CultureInfo.InvariantCulture, "{0}: {1} does not match the pattern {2}", path, Quote(text), pattern.GetString()));
                }
            }
            catch (ArgumentException)
            {
                // A pattern .NET can't read (ECMA-262 differs in corners): not the reply's fault.
            }
            catch (RegexMatchTimeoutException)
            {
            }
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

        if (schema.TryGetProperty("anyOf", out JsonElement anyOf) && anyOf.ValueKind == JsonValueKind.Array)
        {
            List<List<string>> results = Branches(instance, anyOf, root, path, inPlace);
            if (results.Count > 0 && results.All(static r => r.Count > 0))
            {
                List<string> closest = results.OrderBy(static r => r.Count).First();
                violations.Add(string.Format(
                    CultureInfo.InvariantCulture,
                    "{0}: matches none of the {1} anyOf alternatives (closest: {2})",
                    path,
                    results.Count,
                    string.Join("; ", closest)));
            }
        }

        if (schema.TryGetProperty("oneOf", out JsonElement oneOf) && oneOf.ValueKind == JsonValueKind.Array)
        {
            List<List<string>> results = Branches(instance, oneOf, root, path, inPlace);
            int matches = results.Count(static r => r.Count == 0);
            if (results.Count > 0 && matches != 1)
            {
                violations.Add(matches == 0
                    ? string.Format(CultureInfo.InvariantCulture, "{0}: matches none of the {1} oneOf alternatives (closest: {2})", path, results.Count, string.Join("; ", results.OrderBy(static r => r.Count).First()))
                    : string.Format(CultureInfo.InvariantCulture, "{0}: matches {1} of the oneOf alternatives; exactly one is allowed", path, matches));
            }
        }

        if (schema.TryGetProperty("not", out JsonElement not) && not.ValueKind is JsonValueKind.Object or JsonValueKind.True)
        {
            var inner = new List<string>();
            Check(instance, not, root, path, inPlace + 1, inner);
            if (inner.Count == 0)
            {
                violations.Add(path + ": matches a schema it must not match (not)");
            }
        }
    }

    private static List<List<string>> Branches(JsonElement instance, JsonElement alternatives, JsonElement root, string path, int inPlace)
    {
        var results = new List<List<string>>();
        foreach (JsonElement branch in alternatives.EnumerateArray())
        {
            var branchViolations = new List<string>();
            Check(instance, branch, root, path, inPlace + 1, branchViolations);
            results.Add(branchViolations);
        }

        return results;
    }

    private static int CountCodePoints(string text)
    {
        int count = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsLowSurrogate(text[i]))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>A value as short JSON for a message: strings quoted, long text cut.</summary>
    private static string Excerpt(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Quote(value.GetString()!),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };

    private static string Quote(string text)
    {
        const int maxLength = 60;
        var builder = new StringBuilder("\"");
        builder.Append(text.Length > maxLength ? text.Substring(0, maxLength) + "..." : text);
        builder.Append('"');
        return builder.ToString();
    }
}
