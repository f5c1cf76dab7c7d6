using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>
/// The rules a schema must follow before it is sent: well-formed (<see cref="CheckRoot"/>) and, for -Strict,
/// the strict-mode rules (<see cref="CheckStrict"/>), which <see cref="Strictify"/> fills in where a builder
/// left them out. Each is a visitor of the one <see cref="SchemaWalker"/>. No PowerShell types.
/// </summary>
internal static class SchemaChecker
{
    private static readonly JsonElement s_false = PowerShellJson.ParseElement("false");

    /// <summary>
    /// Throws <see cref="LaminiSchemaException"/> (<see cref="ErrorIds.SchemaNotObject"/>) unless the root is
    /// an object schema, then checks the whole schema (<see cref="ErrorIds.InvalidSchema"/> /
    /// <see cref="ErrorIds.InvalidSchemaProperty"/> at the first problem).
    /// </summary>
    internal static void CheckRoot(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw SchemaWalker.NotObject("The schema must be a JSON object such as {\"type\": \"object\", \"properties\": {\"answer\": {\"type\": \"string\"}}}; this one is " + SchemaWalker.Article(SchemaTypes.KindName(root.ValueKind)) + ".");
        }

        if (!root.TryGetProperty("type", out JsonElement type))
        {
            throw SchemaWalker.NotObject("The schema has no \"type\"; a structured-output schema describes a JSON object, so its root needs \"type\": \"object\" (with its \"properties\").");
        }

        if (type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            throw SchemaWalker.NotObject("The schema's root has \"type\": " + type.GetRawText() + "; a structured-output schema describes a JSON object, so its root needs \"type\": \"object\". To get a list or a single value, wrap it in an object property, e.g. {\"type\": \"object\", \"properties\": {\"items\": {\"type\": \"array\", ...}}}.");
        }

        SchemaWalker.Walk(root, new WellFormed(root));
    }

    /// <summary>Throws <see cref="ErrorIds.StrictSchemaViolation"/> listing every violation, if there are any.</summary>
    internal static void CheckStrict(JsonElement root)
    {
        var rules = new StrictRules();
        SchemaWalker.Walk(root, rules);
        if (rules.Violations.Count == 0)
        {
            return;
        }

        List<string> violations = rules.Violations.Select(static v => v.Message).ToList();
        string message = (violations.Count == 1
                ? "The schema breaks a strict-mode rule (-Strict):"
                : string.Format(CultureInfo.InvariantCulture, "The schema breaks the strict-mode rules (-Strict) in {0} places:", violations.Count))
            + string.Concat(violations.Select(static violation => Environment.NewLine + "  - " + violation)) + Environment.NewLine
            + "In strict mode every object lists all of its properties in \"required\" and sets \"additionalProperties\": false. "
            + "To make a value optional, allow null instead (\"type\": [\"string\", \"null\"]); or leave out -Strict.";
        throw new LaminiSchemaException(ErrorIds.StrictSchemaViolation, rules.Violations[0].Path, message, violations, null);
    }

    /// <summary>
    /// The schema as compact JSON with what strict mode needs and a builder left out: each object schema with
    /// properties gets "required" listing them all and "additionalProperties": false where it has none,
    /// and its keys in canonical order. What is there already stays, for <see cref="CheckStrict"/> to judge.
    /// </summary>
    internal static string Strictify(JsonElement root) => SchemaWalker.Copy(root, new StrictFiller());

    private static bool IsObjectSchema(JsonElement node) => node.TryGetProperty("type", out JsonElement type) && SchemaTypes.Names(type).Contains("object");

    private static bool TryGetProperties(JsonElement node, out JsonElement properties) =>
        node.TryGetProperty("properties", out properties) && properties.ValueKind == JsonValueKind.Object;

    /// <summary>Everything the walker does not check itself: types, required, enum, const, $ref and text keywords.</summary>
    private sealed class WellFormed(JsonElement root) : SchemaVisitor
    {
        public override void Visit(JsonElement schema, string path)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            List<string> types = schema.TryGetProperty("type", out JsonElement type) ? CheckType(type, path) : [];
            foreach (JsonProperty member in schema.EnumerateObject())
            {
                JsonElement value = member.Value;
                switch (member.Name)
                {
                    case "required":
                        CheckRequired(value, TryGetProperties(schema, out JsonElement properties) ? properties : (JsonElement?)null, path);
                        break;
                    case "enum":
                        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
                        {
                            throw SchemaWalker.Invalid(path, "has \"enum\" that is not a non-empty array of allowed values.");
                        }

                        foreach (JsonElement allowed in value.EnumerateArray())
                        {
                            CheckValueFitsType(allowed, types, path, "an allowed value (enum)");
                        }

                        break;
                    case "const":
                        CheckValueFitsType(value, types, path, "the \"const\" value");
                        break;
                    case var name when SchemaKeywords.TryGetShape(name, out KeywordShape shape) && shape == KeywordShape.Text && value.ValueKind != JsonValueKind.String:
                        throw SchemaWalker.Invalid(path, "has \"" + name + "\" that is not a string.");
                    case "$ref" when value.GetString() is { } target && target.StartsWith("#", StringComparison.Ordinal) && !JsonValues.TryResolvePointer(root, target, out _):
                        throw SchemaWalker.Invalid(path, "has \"$ref\": \"" + target + "\", which points to nothing in this schema.");
                }
            }
        }

        private static List<string> CheckType(JsonElement type, string path)
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return [CheckTypeName(type.GetString()!, path)];
            }

            if (type.ValueKind != JsonValueKind.Array || type.GetArrayLength() == 0)
            {
                throw SchemaWalker.Invalid(path, "has \"type\": " + SchemaWalker.Excerpt(type) + "; use a type name (" + SchemaTypes.JsonTypeList() + ") or a list of them such as [\"string\", \"null\"].");
            }

            var types = new List<string>();
            foreach (JsonElement name in type.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    throw SchemaWalker.Invalid(path, "has a \"type\" list with " + SchemaWalker.Excerpt(name) + " in it; list type names such as [\"string\", \"null\"].");
                }

                string checkedName = CheckTypeName(name.GetString()!, path);
                if (types.Contains(checkedName))
                {
                    throw SchemaWalker.Invalid(path, "lists the type '" + checkedName + "' twice.");
                }

                types.Add(checkedName);
            }

            return types;
        }

        private static string CheckTypeName(string name, string path) =>
            SchemaTypes.IsJsonType(name)
                ? name
                : throw SchemaWalker.Invalid(path, "unknown type '" + name + "'. " + SchemaTypes.Suggestion(name, jsonTypesOnly: true) + "JSON Schema types are " + SchemaTypes.JsonTypeList() + ".");

        private static void CheckRequired(JsonElement required, JsonElement? properties, string path)
        {
            if (required.ValueKind != JsonValueKind.Array)
            {
                throw SchemaWalker.Invalid(path, "has \"required\" that is " + SchemaWalker.Article(SchemaTypes.KindName(required.ValueKind)) + "; it must be an array of property names.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonElement name in required.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                {
                    throw SchemaWalker.Invalid(path, "has " + SchemaWalker.Excerpt(name) + " in \"required\"; it must list property names (strings).");
                }

                string text = name.GetString()!;
                if (!seen.Add(text))
                {
                    throw SchemaWalker.Invalid(path, "lists '" + text + "' twice in \"required\".");
                }

                if (properties is JsonElement declared && !declared.TryGetProperty(text, out _))
                {
                    List<string> names = declared.EnumerateObject().Select(static p => p.Name).ToList();
                    throw SchemaWalker.Invalid(path, "lists '" + text + "' in \"required\", but it has no such property. Its properties are: " + (names.Count == 0 ? "(none)" : string.Join(", ", names)) + ".");
                }
            }
        }

        private static void CheckValueFitsType(JsonElement value, List<string> types, string path, string what)
        {
            if (types.Count > 0 && !types.Any(type => SchemaTypes.MatchesType(value, type)))
            {
                throw SchemaWalker.Invalid(path, "has " + what + " " + SchemaWalker.Excerpt(value) + " that is not of its type (" + string.Join(" or ", types) + ").");
            }
        }
    }

    /// <summary>Every place an object schema does not list all its properties in "required" and set "additionalProperties": false.</summary>
    private sealed class StrictRules : SchemaVisitor
    {
        internal List<(string Path, string Message)> Violations { get; } = [];

        public override void Visit(JsonElement schema, string path)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            bool hasProperties = TryGetProperties(schema, out JsonElement properties);
            if (!hasProperties && !IsObjectSchema(schema))
            {
                return;
            }

            string where = path.Length == 0 ? "(root)" : path;
            schema.TryGetProperty("additionalProperties", out JsonElement additional);
            if (!hasProperties)
            {
                Violations.Add((path, additional.ValueKind is JsonValueKind.Object or JsonValueKind.True
                    ? where + ": an object with open-ended keys (additionalProperties " + (additional.ValueKind == JsonValueKind.True ? "true" : "with a schema, e.g. a dictionary") + ") is not allowed; list its properties and set additionalProperties to false"
                    : where + ": an object without \"properties\" is not allowed; list its properties (and set additionalProperties to false)"));
                return;
            }

            if (additional.ValueKind != JsonValueKind.False)
            {
                string state = additional.ValueKind switch
                {
                    JsonValueKind.Undefined => "it is missing",
                    JsonValueKind.True => "it is true",
                    _ => "it is " + SchemaWalker.Excerpt(additional),
                };
                Violations.Add((path, where + ": additionalProperties must be false (" + state + ")"));
            }

            List<string> required = schema.TryGetProperty("required", out JsonElement names) ? names.EnumerateArray().Select(static name => name.GetString()!).ToList() : [];
            foreach (JsonProperty property in properties.EnumerateObject().Where(property => !required.Contains(property.Name)))
            {
                string childPath = SchemaWalker.Child(path, property.Name);
                Violations.Add((childPath, childPath + ": not listed in \"required\" (every property must be)"));
            }
        }
    }

    private sealed class StrictFiller : SchemaVisitor
    {
        public override IEnumerable<KeyValuePair<string, JsonElement>> Members(JsonElement schema)
        {
            List<KeyValuePair<string, JsonElement>> members = base.Members(schema).ToList();
            if (!TryGetProperties(schema, out JsonElement properties))
            {
                return members;
            }

            if (!schema.TryGetProperty("required", out _))
            {
                string names = PowerShellJson.Serialize(properties.EnumerateObject().Select(static p => p.Name).ToArray());
                members.Add(new KeyValuePair<string, JsonElement>("required", PowerShellJson.ParseElement(names)));
            }

            if (!schema.TryGetProperty("additionalProperties", out _))
            {
                members.Add(new KeyValuePair<string, JsonElement>("additionalProperties", s_false));
            }

            return SchemaKeywords.InCanonicalOrder(members, static member => member.Key);
        }
    }
}
