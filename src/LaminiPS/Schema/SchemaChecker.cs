using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LaminiPS.Schema;

/// <summary>
/// Checks that a JSON schema is well formed (before it is sent) and, for -Strict, that it follows the
/// strict-mode rules. No PowerShell types. Paths are property paths: <c>address.city</c>, <c>tags[]</c>
/// for an array's items, <c>shape.anyOf[1]</c>, <c>$defs.address</c>; empty for the root.
/// </summary>
internal static class SchemaChecker
{
    private const int MaxDepth = 128;

    private static readonly string[] s_schemaLists = ["anyOf", "oneOf", "allOf", "prefixItems"];
    private static readonly string[] s_schemaMaps = ["$defs", "definitions", "patternProperties", "dependentSchemas"];
    private static readonly string[] s_singleSchemas = ["not", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties"];

    internal static string Describe(string path) => path.Length == 0 ? "The schema" : "Property '" + path + "'";

    internal static string Child(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    internal static string Items(string parent) => parent + "[]";

    /// <summary>
    /// Throws <see cref="LaminiSchemaException"/> (<see cref="ErrorIds.SchemaNotObject"/>) unless the root is
    /// an object schema, then checks the whole schema (<see cref="ErrorIds.InvalidSchema"/> /
    /// <see cref="ErrorIds.InvalidSchemaProperty"/> at the first problem).
    /// </summary>
    internal static void CheckRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new LaminiSchemaException(
                ErrorIds.SchemaNotObject,
                string.Empty,
                "The schema must be a JSON object such as {\"type\": \"object\", \"properties\": {\"answer\": {\"type\": \"string\"}}}; this one is " + Article(SchemaValidator.KindName(root.ValueKind)) + ".");
        }

        if (!root.TryGetProperty("type", out JsonElement type))
        {
            throw new LaminiSchemaException(
                ErrorIds.SchemaNotObject,
                string.Empty,
                "The schema has no \"type\"; a structured-output schema describes a JSON object, so its root needs \"type\": \"object\" (with its \"properties\").");
        }

        if (type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            throw new LaminiSchemaException(
                ErrorIds.SchemaNotObject,
                string.Empty,
                "The schema's root has \"type\": " + type.GetRawText() + "; a structured-output schema describes a JSON object, so its root needs \"type\": \"object\". To get a list or a single value, wrap it in an object property, e.g. {\"type\": \"object\", \"properties\": {\"items\": {\"type\": \"array\", ...}}}.");
        }

        CheckNode(root, root, string.Empty, 0);
    }

    private static void CheckNode(JsonElement root, JsonElement node, string path, int depth)
    {
        if (node.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return;
        }

        if (node.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "must be a schema object such as {\"type\": \"string\"}, not " + Article(SchemaValidator.KindName(node.ValueKind)) + " (" + Excerpt(node) + ").");
        }

        if (depth > MaxDepth)
        {
            throw Invalid(path, "is nested too deeply.");
        }

        List<string> types = CheckType(node, path);
        Dictionary<string, JsonElement>? properties = null;

        if (node.TryGetProperty("properties", out JsonElement propertiesElement))
        {
            if (propertiesElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "has \"properties\" that is " + Article(SchemaValidator.KindName(propertiesElement.ValueKind)) + "; it must be an object mapping each property name to its schema.");
            }

            properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonProperty property in propertiesElement.EnumerateObject())
            {
                string childPath = Child(path, property.Name);
                if (property.Name.Length == 0)
                {
                    throw Invalid(path, "has a property with an empty name.");
                }

                properties[property.Name] = property.Value;
                CheckNode(root, property.Value, childPath, depth + 1);
            }
        }

        if (node.TryGetProperty("required", out JsonElement required))
        {
            CheckRequired(required, properties, path);
        }

        if (node.TryGetProperty("items", out JsonElement items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in items.EnumerateArray())
                {
                    CheckNode(root, item, Items(path), depth + 1);
                }
            }
            else
            {
                CheckNode(root, items, Items(path), depth + 1);
            }
        }

        if (node.TryGetProperty("additionalProperties", out JsonElement additional))
        {
            CheckNode(root, additional, Child(path, "*"), depth + 1);
        }

        foreach (string keyword in s_schemaLists)
        {
            if (node.TryGetProperty(keyword, out JsonElement list))
            {
                if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    throw Invalid(path, "has \"" + keyword + "\" that is not a non-empty array of schemas.");
                }

                int index = 0;
                foreach (JsonElement branch in list.EnumerateArray())
                {
                    CheckNode(root, branch, path + (path.Length == 0 ? string.Empty : ".") + keyword + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", depth + 1);
                    index++;
                }
            }
        }

        foreach (string keyword in s_schemaMaps)
        {
            if (node.TryGetProperty(keyword, out JsonElement map))
            {
                if (map.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(path, "has \"" + keyword + "\" that is not an object of named schemas.");
                }

                foreach (JsonProperty entry in map.EnumerateObject())
                {
                    CheckNode(root, entry.Value, Child(Child(path, keyword), entry.Name), depth + 1);
                }
            }
        }

        foreach (string keyword in s_singleSchemas)
        {
            if (node.TryGetProperty(keyword, out JsonElement single))
            {
                CheckNode(root, single, Child(path, keyword), depth + 1);
            }
        }

        if (node.TryGetProperty("enum", out JsonElement allowed))
        {
            if (allowed.ValueKind != JsonValueKind.Array || allowed.GetArrayLength() == 0)
            {
                throw Invalid(path, "has \"enum\" that is not a non-empty array of allowed values.");
            }

            foreach (JsonElement value in allowed.EnumerateArray())
            {
                CheckValueFitsType(value, types, path, "an allowed value (enum)");
            }
        }

        if (node.TryGetProperty("const", out JsonElement constant))
        {
            CheckValueFitsType(constant, types, path, "the \"const\" value");
        }

        if (node.TryGetProperty("$ref", out JsonElement reference))
        {
            if (reference.ValueKind != JsonValueKind.String)
            {
                throw Invalid(path, "has \"$ref\" that is not a string.");
            }

            string target = reference.GetString()!;
            if (target.StartsWith("#", StringComparison.Ordinal) && !SchemaValidator.TryResolveReference(root, target, out _))
            {
                throw Invalid(path, "has \"$ref\": \"" + target + "\", which points to nothing in this schema.");
            }
        }

        foreach (string keyword in new[] { "description", "title", "format", "pattern" })
        {
            if (node.TryGetProperty(keyword, out JsonElement text) && text.ValueKind != JsonValueKind.String)
            {
                throw Invalid(path, "has \"" + keyword + "\" that is not a string.");
            }
        }
    }

    private static List<string> CheckType(JsonElement node, string path)
    {
        var types = new List<string>();
        if (!node.TryGetProperty("type", out JsonElement type))
        {
            return types;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            types.Add(CheckTypeName(type.GetString()!, path));
        }
        else if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0)
        {
            foreach (JsonElement name in type.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    throw Invalid(path, "has a \"type\" list with " + Excerpt(name) + " in it; list type names such as [\"string\", \"null\"].");
                }

                string checkedName = CheckTypeName(name.GetString()!, path);
                if (types.Contains(checkedName))
                {
                    throw Invalid(path, "lists the type '" + checkedName + "' twice.");
                }

                types.Add(checkedName);
            }
        }
        else
        {
            throw Invalid(path, "has \"type\": " + Excerpt(type) + "; use a type name (" + SchemaTypeNames.JsonTypeList() + ") or a list of them such as [\"string\", \"null\"].");
        }

        return types;
    }

    private static string CheckTypeName(string name, string path)
    {
        if (!SchemaTypeNames.IsJsonType(name))
        {
            throw Invalid(path, "unknown type '" + name + "'. " + SchemaTypeNames.Suggestion(name, jsonTypesOnly: true) + "JSON Schema types are " + SchemaTypeNames.JsonTypeList() + ".");
        }

        return name;
    }

    private static void CheckRequired(JsonElement required, Dictionary<string, JsonElement>? properties, string path)
    {
        if (required.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, "has \"required\" that is " + Article(SchemaValidator.KindName(required.ValueKind)) + "; it must be an array of property names.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement name in required.EnumerateArray())
        {
            if (name.ValueKind != JsonValueKind.String)
            {
                throw Invalid(path, "has " + Excerpt(name) + " in \"required\"; it must list property names (strings).");
            }

            string text = name.GetString()!;
            if (!seen.Add(text))
            {
                throw Invalid(path, "lists '" + text + "' twice in \"required\".");
            }

            if (properties is not null && !properties.ContainsKey(text))
            {
                throw Invalid(path, "lists '" + text + "' in \"required\", but it has no such property. Its properties are: " + (properties.Count == 0 ? "(none)" : string.Join(", ", properties.Keys)) + ".");
            }
        }
    }

    private static void CheckValueFitsType(JsonElement value, List<string> types, string path, string what)
    {
        if (types.Count > 0 && !types.Any(type => SchemaValidator.MatchesType(value, type)))
        {
            throw Invalid(path, "has " + what + " " + Excerpt(value) + " that is not of its type (" + string.Join(" or ", types) + ").");
        }
    }

    /// <summary>
    /// Every place the schema breaks the strict-mode rules: each object must list all its properties in
    /// "required" and set "additionalProperties": false. Empty when it follows them.
    /// </summary>
    internal static IReadOnlyList<string> FindStrictViolations(JsonElement root, out string firstPath)
    {
        var violations = new List<(string Path, string Message)>();
        FindStrict(root, string.Empty, violations, 0);
        firstPath = violations.Count > 0 ? violations[0].Path : string.Empty;
        return violations.Select(static v => v.Message).ToList();
    }

    /// <summary>Throws <see cref="ErrorIds.StrictSchemaViolation"/> listing every violation, if there are any.</summary>
    internal static void CheckStrict(JsonElement root)
    {
        IReadOnlyList<string> violations = FindStrictViolations(root, out string firstPath);
        if (violations.Count == 0)
        {
            return;
        }

        var message = new StringBuilder();
        message.Append(violations.Count == 1
            ? "The schema breaks a strict-mode rule (-Strict):"
            : string.Format(CultureInfo.InvariantCulture, "The schema breaks the strict-mode rules (-Strict) in {0} places:", violations.Count));
        foreach (string violation in violations)
        {
            message.Append(Environment.NewLine).Append("  - ").Append(violation);
        }

        message.Append(Environment.NewLine)
            .Append("In strict mode every object lists all of its properties in \"required\" and sets \"additionalProperties\": false. ")
            .Append("To make a value optional, allow null instead (\"type\": [\"string\", \"null\"]); or leave out -Strict.");
        throw new LaminiSchemaException(ErrorIds.StrictSchemaViolation, firstPath, message.ToString(), violations, null);
    }

    private static void FindStrict(JsonElement node, string path, List<(string Path, string Message)> violations, int depth)
    {
        if (node.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            return;
        }

        string where = path.Length == 0 ? "(root)" : path;
        bool hasProperties = node.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object;
        if (IsObjectSchema(node) || hasProperties)
        {
            node.TryGetProperty("additionalProperties", out JsonElement additional);
            if (!hasProperties)
            {
                if (additional.ValueKind is JsonValueKind.Object or JsonValueKind.True)
                {
                    violations.Add((path, where + ": an object with open-ended keys (additionalProperties " + (additional.ValueKind == JsonValueKind.True ? "true" : "with a schema, e.g. a dictionary") + ") is not allowed; list its properties and set additionalProperties to false"));
                }
                else
                {
                    violations.Add((path, where + ": an object without \"properties\" is not allowed; list its properties (and set additionalProperties to false)"));
                }
            }
            else
            {
                if (additional.ValueKind != JsonValueKind.False)
                {
                    string state = additional.ValueKind switch
                    {
                        JsonValueKind.Undefined => "it is missing",
                        JsonValueKind.True => "it is true",
                        _ => "it is " + Excerpt(additional),
                    };
                    violations.Add((path, where + ": additionalProperties must be false (" + state + ")"));
                }

                var required = new HashSet<string>(StringComparer.Ordinal);
                if (node.TryGetProperty("required", out JsonElement requiredElement) && requiredElement.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement name in requiredElement.EnumerateArray())
                    {
                        if (name.ValueKind == JsonValueKind.String)
                        {
                            required.Add(name.GetString()!);
                        }
                    }
                }

                foreach (JsonProperty property in properties.EnumerateObject())
                {
                    if (!required.Contains(property.Name))
                    {
                        string childPath = Child(path, property.Name);
                        violations.Add((childPath, childPath + ": not listed in \"required\" (every property must be)"));
                    }
                }
            }
        }

        if (hasProperties)
        {
            foreach (JsonProperty property in properties.EnumerateObject())
            {
                FindStrict(property.Value, Child(path, property.Name), violations, depth + 1);
            }
        }

        if (node.TryGetProperty("items", out JsonElement items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in items.EnumerateArray())
                {
                    FindStrict(item, Items(path), violations, depth + 1);
                }
            }
            else
            {
                FindStrict(items, Items(path), violations, depth + 1);
            }
        }

        if (node.TryGetProperty("additionalProperties", out JsonElement additionalSchema))
        {
            FindStrict(additionalSchema, Child(path, "*"), violations, depth + 1);
        }

        foreach (string keyword in s_schemaLists)
        {
            if (node.TryGetProperty(keyword, out JsonElement list) && list.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement branch in list.EnumerateArray())
                {
                    FindStrict(branch, path + (path.Length == 0 ? string.Empty : ".") + keyword + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", violations, depth + 1);
                    index++;
                }
            }
        }

        foreach (string keyword in s_schemaMaps)
        {
            if (node.TryGetProperty(keyword, out JsonElement map) && map.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty entry in map.EnumerateObject())
                {
                    FindStrict(entry.Value, Child(Child(path, keyword), entry.Name), violations, depth + 1);
                }
            }
        }

        foreach (string keyword in s_singleSchemas)
        {
            if (node.TryGetProperty(keyword, out JsonElement single))
            {
                FindStrict(single, Child(path, keyword), violations, depth + 1);
            }
        }
    }

    internal static bool IsObjectSchema(JsonElement node)
    {
        if (!node.TryGetProperty("type", out JsonElement type))
        {
            return false;
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString() == "object",
            JsonValueKind.Array => type.EnumerateArray().Any(static t => t.ValueKind == JsonValueKind.String && t.GetString() == "object"),
            _ => false,
        };
    }

    private static LaminiSchemaException Invalid(string path, string problem) =>
        new(path.Length == 0 ? ErrorIds.InvalidSchema : ErrorIds.InvalidSchemaProperty, path, Describe(path) + (problem.StartsWith("unknown", StringComparison.Ordinal) ? ": " : " ") + problem);

    private static string Excerpt(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length > 60 ? raw.Substring(0, 60) + "..." : raw;
    }

    private static string Article(string kind) => (kind.Length > 0 && "aeiou".IndexOf(kind[0]) >= 0 ? "an " : "a ") + kind;
}
