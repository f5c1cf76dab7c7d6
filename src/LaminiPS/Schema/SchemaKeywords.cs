using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

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
/// A limit on a value of one kind: broken when <see cref="IsBroken"/>(measure, limit), where the measure is a
/// number's value, a string's length in characters or an array's length. <see cref="Message"/>: {0} the path,
/// {1} the number or the length, {2} the limit.
/// </summary>
internal sealed record KeywordLimit(string Keyword, JsonValueKind AppliesTo, Func<double, double, bool> IsBroken, string Message);

/// <summary>
/// The one table of JSON Schema keywords LaminiPS knows. The walker descends into the ones that hold
/// schemas; hashtable fragments may use only these (and x-...); other keywords in JSON text are kept
/// as written and ignored.
/// </summary>
internal static class SchemaKeywords
{
    private static readonly Dictionary<string, KeywordShape> s_shapes = new (KeywordShape Shape, string[] Keywords)[]
    {
        (KeywordShape.Type, ["type"]),
        (KeywordShape.Properties, ["properties"]),
        (KeywordShape.Items, ["items"]),
        (KeywordShape.Schema, ["additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties"]),
        (KeywordShape.SchemaList, ["prefixItems", "anyOf", "oneOf", "allOf"]),
        (KeywordShape.SchemaMap, ["$defs", "definitions", "patternProperties", "dependentSchemas"]),
        (KeywordShape.List, ["required", "enum", "examples"]),
        (KeywordShape.Text, ["description", "title", "format", "pattern", "$ref"]),
        (KeywordShape.Value,
        [
            "const", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
            "minItems", "maxItems", "uniqueItems", "minContains", "maxContains", "minProperties", "maxProperties", "dependentRequired",
            "$schema", "$id", "$comment", "$anchor", "deprecated", "readOnly", "writeOnly", "nullable", "contentEncoding", "contentMediaType",
        ]),
    }.SelectMany(static group => group.Keywords.Select(keyword => (Keyword: keyword, group.Shape)))
        .ToDictionary(static entry => entry.Keyword, static entry => entry.Shape, StringComparer.Ordinal);

    /// <summary>Keywords matched case-insensitively, for hashtables people type: 'Type' means "type".</summary>
    private static readonly Dictionary<string, string> s_spellings = s_shapes.Keys.ToDictionary(static k => k, StringComparer.OrdinalIgnoreCase);

    /// <summary>Keys an object schema puts first, in this order; the rest follow as they came.</summary>
    private static readonly string[] s_leadingKeys = ["type", "properties", "required", "additionalProperties", "items", "enum", "format"];

    /// <summary>The limits a reply's values are held to (<see cref="SchemaValidator"/>).</summary>
    internal static readonly KeywordLimit[] Limits =
    [
        new("minimum", JsonValueKind.Number, static (value, limit) => value < limit, "{0}: {1} is less than the minimum {2}"),
        new("maximum", JsonValueKind.Number, static (value, limit) => value > limit, "{0}: {1} is more than the maximum {2}"),
        new("exclusiveMinimum", JsonValueKind.Number, static (value, limit) => value <= limit, "{0}: {1} must be more than {2}"),
        new("exclusiveMaximum", JsonValueKind.Number, static (value, limit) => value >= limit, "{0}: {1} must be less than {2}"),
        new("minLength", JsonValueKind.String, static (length, limit) => length < limit, "{0}: expected at least {2} characters, got {1}"),
        new("maxLength", JsonValueKind.String, static (length, limit) => length > limit, "{0}: expected at most {2} characters, got {1}"),
        new("minItems", JsonValueKind.Array, static (count, limit) => count < limit, "{0}: expected at least {2} items, got {1}"),
        new("maxItems", JsonValueKind.Array, static (count, limit) => count > limit, "{0}: expected at most {2} items, got {1}"),
    ];

    /// <summary>The shape of a keyword spelled exactly (JSON Schema keywords are case-sensitive).</summary>
    internal static bool TryGetShape(string keyword, out KeywordShape shape) => s_shapes.TryGetValue(keyword, out shape);

    /// <summary>The keyword a hashtable key means, in its canonical spelling.</summary>
    internal static bool TryGetKeyword(string key, out string keyword) => s_spellings.TryGetValue(key, out keyword!);

    internal static bool HoldsSchemas(KeywordShape shape) => shape >= KeywordShape.Schema;

    /// <summary>An object schema's entries in canonical order: the leading keys first, then the others as they came.</summary>
    internal static IEnumerable<T> InCanonicalOrder<T>(IEnumerable<T> entries, Func<T, string> key) =>
        entries.OrderBy(entry => Array.IndexOf(s_leadingKeys, key(entry)) is int rank and >= 0 ? rank : s_leadingKeys.Length);
}
