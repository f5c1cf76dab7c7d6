using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>
/// The -Property shorthand. A property's value may be a type name (a JSON type or a shorthand name of
/// <see cref="SchemaTypes"/>, case-insensitive; <c>[]</c> makes an array of it and <c>?</c> allows null, as in
/// <c>int?</c> or <c>string?[]</c>); a [type], mapped as -Type does; an array of allowed values (enum; $null adds
/// "null"), except that an array of exactly one hashtable means "an array of objects like this one"; a nested
/// hashtable or [pscustomobject] (a nested object, every property required); a hashtable with a 'type', '$ref',
/// 'anyOf', 'oneOf' or 'allOf' key, a JSON Schema fragment taken as written, whose keys must be keywords (or x-...)
/// and whose 'type' and nested schemas may use the shorthand; or the output of New-LaminiJsonSchema (embedded).
/// Plain hashtables' keys are sorted alphabetically; ordered dictionaries keep their order.
/// </summary>
internal static partial class SchemaBuilder
{
    private const string UseHint = "Use string, integer, number, boolean, object, array (add [] for an array), an array of allowed values, or a nested hashtable.";

    private static readonly string[] s_fragmentMarkers = ["type", "$ref", "anyOf", "oneOf", "allOf"];

    /// <summary>A dictionary with a 'type' (or '$ref', 'anyOf', ...) key is a schema fragment, not a list of properties.</summary>
    private static bool IsFragment(List<KeyValuePair<string, object?>> entries) =>
        entries.Any(static e => s_fragmentMarkers.Contains(e.Key, StringComparer.OrdinalIgnoreCase));

    /// <summary>-Property given a whole schema: type = 'object' and a dictionary of properties.</summary>
    private static bool IsWholeSchema(List<KeyValuePair<string, object?>> entries) =>
        entries.Any(static e => "type".Equals(e.Key, StringComparison.OrdinalIgnoreCase)
                && "object".Equals(PowerShellJson.Unwrap(e.Value) as string, StringComparison.OrdinalIgnoreCase))
            && entries.Any(static e => "properties".Equals(e.Key, StringComparison.OrdinalIgnoreCase) && TryGetMap(e.Value, out _));

    /// <summary>A schema node: an OrderedDictionary, or a LaminiJsonSchema embedded as it is (written as its schema).</summary>
    private static object FromShorthand(object? value, string path, int depth)
    {
        CheckDepth(depth, path, " (does a hashtable contain itself?)");
        return PowerShellJson.Unwrap(value) switch
        {
            null => throw SchemaWalker.Invalid(path, "no type given (the value is $null). " + UseHint),
            string text => FromTypeName(text, path),
            Type type => MapType(type, path, []),
            LaminiJsonSchema schema => schema,
            var map when TryGetMap(map, out List<KeyValuePair<string, object?>> entries) =>
                IsFragment(entries) ? FromFragment(entries, path, depth) : ObjectFromMap(entries, path, depth),
            IEnumerable list => FromList(list, path, depth),
            var other => throw SchemaWalker.Invalid(path, DescribeValue(other) + " is not a type description. " + UseHint),
        };
    }

    /// <summary>Where a fragment nests a schema: true or false as they are, anything else as shorthand.</summary>
    private static object FromSubschema(object? value, string path, int depth) =>
        PowerShellJson.Unwrap(value) is bool flag ? flag : FromShorthand(value, path, depth);

    /// <summary>A dictionary of property name → description: an object whose properties are all required.</summary>
    private static OrderedDictionary ObjectFromMap(List<KeyValuePair<string, object?>> entries, string path, int depth)
    {
        if (entries.Count == 0)
        {
            throw SchemaWalker.Empty(
                path,
                "The property description is empty; describe at least one property, e.g. @{ answer = 'string' }.",
                "the hashtable is empty; list its properties (e.g. @{ city = 'string' }), or use 'object' for any object.");
        }

        return ObjectOfRequired(entries, path, (value, childPath) => FromShorthand(value, childPath, depth + 1));
    }

    /// <summary>
    /// 'string', 'int[]', 'datetime?', '[string[]]' ...: <paramref name="name"/> is what is left to read of
    /// <paramref name="text"/>; the last [] or ? applies last, so 'string?[]' is an array of nullable strings.
    /// </summary>
    private static OrderedDictionary FromTypeName(string text, string path, string? name = null)
    {
        name ??= text.Trim() is { Length: > 2 } trimmed && trimmed[0] == '[' && trimmed[trimmed.Length - 1] == ']' ? trimmed.Substring(1, trimmed.Length - 2).Trim() : text.Trim();
        if (name.EndsWith("[]", StringComparison.Ordinal))
        {
            return ArrayOf(FromTypeName(text, path, name.Substring(0, name.Length - 2).TrimEnd()));
        }

        if (name.EndsWith("?", StringComparison.Ordinal))
        {
            return MakeNullable(FromTypeName(text, path, name.Substring(0, name.Length - 1).TrimEnd()));
        }

        return SchemaTypes.TryGetShorthand(name, out string type, out string? format)
            ? NewNode(type, format)
            : throw SchemaWalker.Invalid(path, "unknown type '" + text + "'. " + SchemaTypes.Suggestion(name, jsonTypesOnly: false) + UseHint + " Add ? to allow null (e.g. 'int?').");
    }

    /// <summary>An array: allowed values (enum), or one hashtable meaning "an array of objects like this".</summary>
    private static OrderedDictionary FromList(IEnumerable list, string path, int depth)
    {
        List<object?> values = list.Cast<object?>().Select(PowerShellJson.Unwrap).ToList();
        if (values.Count == 0)
        {
            throw SchemaWalker.Invalid(path, "the list of allowed values is empty; list at least one (e.g. 'low', 'high'), or use 'string[]' for an array of strings.");
        }

        if (values.Count == 1 && TryGetMap(values[0], out _))
        {
            return ArrayOf(FromShorthand(values[0], SchemaWalker.Items(path), depth + 1));
        }

        return EnumOf(values, path);
    }

    /// <summary>Allowed values: their JSON types (number standing for integer too) and the values as JSON holds them.</summary>
    private static OrderedDictionary EnumOf(List<object?> values, string path)
    {
        var types = new List<string>();
        var allowed = new List<object?>();
        foreach (object? value in values)
        {
            string? type = SchemaTypes.ScalarTypeOf(value);
            if (type is null)
            {
                throw SchemaWalker.Invalid(path, "allowed values must be strings, numbers, booleans or $null, not " + DescribeValue(value) + ". For an array of objects write @( @{ name = 'string' } ) (a single hashtable in the array), or use 'object[]'.");
            }

            if (!types.Contains(type))
            {
                types.Add(type);
            }

            allowed.Add(value switch
            {
                Enum e => e.ToString(),
                char c => c.ToString(),
                _ => value,
            });
        }

        if (types.Contains("number"))
        {
            types.Remove("integer");
        }

        return new OrderedDictionary(StringComparer.Ordinal)
        {
            ["type"] = types.Count == 1 ? types[0] : types.Cast<object?>().ToArray(),
            ["enum"] = allowed.ToArray(),
        };
    }

    /// <summary>A hashtable with a 'type' key: JSON Schema as written, with the shorthand allowed where schemas nest.</summary>
    private static OrderedDictionary FromFragment(List<KeyValuePair<string, object?>> entries, string path, int depth)
    {
        var node = new OrderedDictionary(StringComparer.Ordinal);
        OrderedDictionary? expanded = null;
        foreach (KeyValuePair<string, object?> entry in entries)
        {
            if (!SchemaKeywords.TryGetKeyword(entry.Key, out string keyword))
            {
                if (!entry.Key.StartsWith("x-", StringComparison.OrdinalIgnoreCase))
                {
                    throw NotAKeyword(entry.Key, path);
                }

                node[entry.Key] = entry.Value;
                continue;
            }

            object? value = PowerShellJson.Unwrap(entry.Value);
            SchemaKeywords.TryGetShape(keyword, out KeywordShape shape);
            if (shape == KeywordShape.Type)
            {
                expanded = FragmentType(value, node, path);
            }
            else
            {
                node[keyword] = FragmentValue(keyword, shape, value, path, depth);
            }
        }

        if (expanded is not null)
        {
            foreach (DictionaryEntry entry in node)
            {
                expanded[entry.Key] = entry.Value;
            }

            node = expanded;
        }

        return Canonicalize(node);
    }

    private static LaminiSchemaException NotAKeyword(string key, string path) => SchemaWalker.Invalid(
        path,
        "'" + key + "' is not a JSON Schema keyword. A hashtable with a 'type' key is read as a schema fragment (type, description, enum, items, properties, required, format, minimum, ...). To describe an object that has a property called 'type', write @{ type = 'object'; properties = @{ type = 'string'; " + key + " = ... } }.");

    /// <summary>A fragment keyword's value other than 'type': the schemas it holds read as shorthand too.</summary>
    private static object? FragmentValue(string keyword, KeywordShape shape, object? value, string path, int depth) => shape switch
    {
        KeywordShape.Schema or KeywordShape.Items => FromSubschema(value, SchemaWalker.SubschemaPath(path, keyword), depth + 1),
        KeywordShape.SchemaList => PowerShellJson.AsList(value).Select((branch, i) => FromSubschema(branch, SchemaWalker.Branch(path, keyword, i), depth + 1)).ToArray(),
        KeywordShape.SchemaMap or KeywordShape.Properties => SchemaMap(keyword, shape, value, path, depth),
        KeywordShape.List => PowerShellJson.AsList(value).Select(PowerShellJson.Unwrap).ToArray(),
        _ => value,
    };

    /// <summary>'properties' (name = shorthand, named under the object itself) or another map of name = schema.</summary>
    private static OrderedDictionary SchemaMap(string keyword, KeywordShape shape, object? value, string path, int depth)
    {
        if (!TryGetMap(value, out List<KeyValuePair<string, object?>> named))
        {
            throw SchemaWalker.Invalid(path, shape == KeywordShape.Properties
                ? "'properties' must be a hashtable of property name = description, not " + DescribeValue(value) + "."
                : "'" + keyword + "' must be a hashtable of name = schema, not " + DescribeValue(value) + ".");
        }

        string parent = shape == KeywordShape.Properties ? path : SchemaWalker.Child(path, keyword);
        var map = new OrderedDictionary(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> item in named)
        {
            map[item.Key] = FromShorthand(item.Value, SchemaWalker.Child(parent, item.Key), depth + 1);
        }

        return map;
    }

    /// <summary>
    /// A fragment's 'type': JSON type names go in as written; a shorthand name ('int', 'string[]') or a [type]
    /// is expanded (returned, and the fragment's other keys are laid over it).
    /// </summary>
    private static OrderedDictionary? FragmentType(object? value, OrderedDictionary node, string path)
    {
        switch (value)
        {
            case string name when SchemaTypes.IsJsonType(name):
                node["type"] = name;
                return null;
            case string name:
                try
                {
                    return FromTypeName(name, path);
                }
                catch (LaminiSchemaException)
                {
                    throw SchemaWalker.Invalid(path, "unknown type '" + name + "'. " + SchemaTypes.Suggestion(name, jsonTypesOnly: false) + "Use a JSON type (" + SchemaTypes.JsonTypeList() + ") or a list of them such as @('string', 'null').");
                }

            case Type type:
                return MapType(type, path, []);
            case IEnumerable list:
                var names = new List<object?>();
                foreach (object? item in list)
                {
                    if (PowerShellJson.Unwrap(item) is not string name || !SchemaTypes.IsJsonType(name))
                    {
                        string shown = PowerShellJson.Unwrap(item) as string ?? DescribeValue(item);
                        throw SchemaWalker.Invalid(path, "unknown type '" + shown + "' in its type list. " + SchemaTypes.Suggestion(shown, jsonTypesOnly: true) + "Use JSON types: " + SchemaTypes.JsonTypeList() + ".");
                    }

                    names.Add(name);
                }

                node["type"] = names.Count == 1 ? names[0] : names.ToArray();
                return null;
            default:
                throw SchemaWalker.Invalid(path, "type = " + DescribeValue(value) + " is not a type; use a JSON type (" + SchemaTypes.JsonTypeList() + ").");
        }
    }
}
