using System;
using System.Collections.Generic;
using System.Linq;

namespace LaminiPS.Schema;

/// <summary>The shape of a keyword's value: what the walker, the checks and the builders do with it.</summary>
internal enum KeywordShape
{
    /// <summary>Any JSON value, taken as written (minimum, default, ...).</summary>
    Value,

    /// <summary>A string (description, title, format, pattern, $ref).</summary>
    Text,

    /// <summary>A JSON type name or a list of them.</summary>
    Type,

    /// <summary>A list of values (required, enum, examples); in a hashtable one value alone is a list of one.</summary>
    List,

    /// <summary>One schema, or true/false (additionalProperties, not, if, ...).</summary>
    Schema,

    /// <summary>One schema, or a list of schemas by position (items, as older drafts allow).</summary>
    Items,

    /// <summary>A non-empty list of schemas (anyOf, oneOf, allOf, prefixItems).</summary>
    SchemaList,

    /// <summary>An object of named schemas ($defs, definitions, patternProperties, dependentSchemas).</summary>
    SchemaMap,

    /// <summary>An object of property name to schema.</summary>
    Properties,
}

/// <summary>
/// The one table of JSON Schema keywords LaminiPS knows. The walker descends into the ones that hold
/// schemas; hashtable fragments may use only these (and x-...); other keywords in JSON text are kept
/// as written and ignored.
/// </summary>
internal static class SchemaKeywords
{
    private static readonly Dictionary<string, KeywordShape> s_shapes = new(StringComparer.Ordinal)
    {
        ["type"] = KeywordShape.Type,
        ["properties"] = KeywordShape.Properties,
        ["required"] = KeywordShape.List,
        ["additionalProperties"] = KeywordShape.Schema,
        ["items"] = KeywordShape.Items,
        ["enum"] = KeywordShape.List,
        ["format"] = KeywordShape.Text,
        ["description"] = KeywordShape.Text,
        ["title"] = KeywordShape.Text,
        ["pattern"] = KeywordShape.Text,
        ["$ref"] = KeywordShape.Text,
        ["examples"] = KeywordShape.List,
        ["prefixItems"] = KeywordShape.SchemaList,
        ["anyOf"] = KeywordShape.SchemaList,
        ["oneOf"] = KeywordShape.SchemaList,
        ["allOf"] = KeywordShape.SchemaList,
        ["not"] = KeywordShape.Schema,
        ["if"] = KeywordShape.Schema,
        ["then"] = KeywordShape.Schema,
        ["else"] = KeywordShape.Schema,
        ["contains"] = KeywordShape.Schema,
        ["propertyNames"] = KeywordShape.Schema,
        ["unevaluatedItems"] = KeywordShape.Schema,
        ["unevaluatedProperties"] = KeywordShape.Schema,
        ["$defs"] = KeywordShape.SchemaMap,
        ["definitions"] = KeywordShape.SchemaMap,
        ["patternProperties"] = KeywordShape.SchemaMap,
        ["dependentSchemas"] = KeywordShape.SchemaMap,
        ["const"] = KeywordShape.Value,
        ["default"] = KeywordShape.Value,
        ["minimum"] = KeywordShape.Value,
        ["maximum"] = KeywordShape.Value,
        ["exclusiveMinimum"] = KeywordShape.Value,
        ["exclusiveMaximum"] = KeywordShape.Value,
        ["multipleOf"] = KeywordShape.Value,
        ["minLength"] = KeywordShape.Value,
        ["maxLength"] = KeywordShape.Value,
        ["minItems"] = KeywordShape.Value,
        ["maxItems"] = KeywordShape.Value,
        ["uniqueItems"] = KeywordShape.Value,
        ["minContains"] = KeywordShape.Value,
        ["maxContains"] = KeywordShape.Value,
        ["minProperties"] = KeywordShape.Value,
        ["maxProperties"] = KeywordShape.Value,
        ["dependentRequired"] = KeywordShape.Value,
        ["$schema"] = KeywordShape.Value,
        ["$id"] = KeywordShape.Value,
        ["$comment"] = KeywordShape.Value,
        ["$anchor"] = KeywordShape.Value,
        ["deprecated"] = KeywordShape.Value,
        ["readOnly"] = KeywordShape.Value,
        ["writeOnly"] = KeywordShape.Value,
        ["nullable"] = KeywordShape.Value,
        ["contentEncoding"] = KeywordShape.Value,
        ["contentMediaType"] = KeywordShape.Value,
    };

    /// <summary>Keywords matched case-insensitively, for hashtables people type: 'Type' means "type".</summary>
    private static readonly Dictionary<string, string> s_spellings = s_shapes.Keys.ToDictionary(static k => k, StringComparer.OrdinalIgnoreCase);

    /// <summary>Keys an object schema puts first, in this order; the rest follow as they came.</summary>
    private static readonly string[] s_leadingKeys = ["type", "properties", "required", "additionalProperties", "items", "enum", "format"];

    /// <summary>The shape of a keyword spelled exactly (JSON Schema keywords are case-sensitive).</summary>
    internal static bool TryGetShape(string keyword, out KeywordShape shape) => s_shapes.TryGetValue(keyword, out shape);

    /// <summary>The keyword a hashtable key means, in its canonical spelling.</summary>
    internal static bool TryGetKeyword(string key, out string keyword) => s_spellings.TryGetValue(key, out keyword!);

    internal static bool HoldsSchemas(KeywordShape shape) => shape >= KeywordShape.Schema;

    /// <summary>An object schema's entries in canonical order: the leading keys first, then the others as they came.</summary>
    internal static IEnumerable<T> InCanonicalOrder<T>(IEnumerable<T> entries, Func<T, string> key) =>
        entries.OrderBy(entry => Rank(key(entry)));

    private static int Rank(string key)
    {
        int index = Array.IndexOf(s_leadingKeys, key);
        return index < 0 ? s_leadingKeys.Length : index;
    }
}
