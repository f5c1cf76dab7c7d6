using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using LaminiPS.Client;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>
/// Turns PowerShell input into a <see cref="LaminiJsonSchema"/>: a property description (-Property),
/// a .NET or PowerShell class (-Type), an example object (-InputObject), JSON text (-Json), or any of
/// these (<see cref="FromAny"/>, for Invoke-LaminiChat). Every path ends in <see cref="Finish(string, string?, string?, bool, bool)"/>:
/// the JSON is parsed once and checked by <see cref="SchemaChecker"/> (and for strict schemas against the
/// strict-mode rules), so a schema that exists is one the service can take. Failures throw <see cref="LaminiSchemaException"/>.
/// </summary>
internal static partial class SchemaBuilder
{
    /// <summary>Checks a json_schema name (<c>^[a-zA-Z0-9_-]{1,64}$</c>); null means the default name.</summary>
    internal static string ValidateName(string? name)
    {
        if (name is null)
        {
            return LaminiJsonSchema.DefaultName;
        }

        if (WireName.Problem(name) is { } problem)
        {
            throw new LaminiSchemaException(
                ErrorIds.InvalidSchemaName,
                string.Empty,
                "The schema name '" + name + "' can't be used: " + problem + ". " + WireName.Rule + " For example 'llama_facts'.");
        }

        return name;
    }

    /// <summary>
    /// -Property: a dictionary of property name → description. One that is plainly a whole schema
    /// (type = 'object' and a properties dictionary) is taken as that schema instead.
    /// </summary>
    internal static LaminiJsonSchema FromProperties(IDictionary properties, string? name, string? description, bool strict)
    {
        List<KeyValuePair<string, object?>> entries = PowerShellJson.DictionaryEntries(properties);
        return Finish(IsWholeSchema(entries) ? FromFragment(entries, string.Empty, 0) : ObjectFromMap(entries, string.Empty, 0), name, description, strict);
    }

    /// <summary>-Json: JSON schema text; also accepts a whole response_format or json_schema object and unwraps it.</summary>
    internal static LaminiJsonSchema FromJson(string? json, string? name, string? description, bool? strict)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new LaminiSchemaException(ErrorIds.InvalidSchemaJson, string.Empty, "The JSON schema text is empty.");
        }

        JsonElement root;
        try
        {
            root = PowerShellJson.ParseElement(json!, lenient: true);
        }
        catch (JsonException ex)
        {
            throw new LaminiSchemaException(ErrorIds.InvalidSchemaJson, string.Empty, "The schema is not valid JSON " + PowerShellJson.DescribeJsonError(ex), null, ex);
        }

        if (TryUnwrap(root, out JsonElement wrapper))
        {
            name ??= StringMember(wrapper, "name");
            description ??= StringMember(wrapper, "description");
            strict ??= wrapper.TryGetProperty("strict", out JsonElement s) && s.ValueKind == JsonValueKind.True;
            if (!wrapper.TryGetProperty("schema", out root))
            {
                throw SchemaWalker.NotObject("The json_schema object has no \"schema\".");
            }
        }

        return Finish(PowerShellJson.Serialize(root), name, description, strict ?? false, fillStrict: false);
    }

    /// <summary>
    /// What Invoke-LaminiChat calls with whatever the user gave: a LaminiJsonSchema (returned as is), JSON
    /// text, a [type], a dictionary or [pscustomobject] that is a whole schema (it has a 'type', '$ref',
    /// 'anyOf', 'oneOf' or 'allOf' key), or one that describes properties (@{ answer = 'string' }).
    /// </summary>
    internal static LaminiJsonSchema FromAny(object? value, bool strict = false) => PowerShellJson.Unwrap(value) switch
    {
        null => throw new LaminiSchemaException("No schema was given."),
        LaminiJsonSchema schema => schema,
        string text => FromJson(text, null, null, strict ? true : null),
        Type type => FromType(type, null, null, strict),
        var map when TryGetMap(map, out List<KeyValuePair<string, object?>> entries) =>
            Finish(IsFragment(entries) ? FromFragment(entries, string.Empty, 0) : ObjectFromMap(entries, string.Empty, 0), null, null, strict),
        var other => throw new LaminiSchemaException(
            "A schema can't be made from " + DescribeValue(other) + ". Give a hashtable of property types (@{ answer = 'string' }), a whole JSON schema (a hashtable with type = 'object', or JSON text), a [type], or the output of New-LaminiJsonSchema."),
    };

    /// <summary>
    /// One piped object of New-LaminiJsonSchema: an example object (the usual case), or a [type], JSON text,
    /// or a LaminiJsonSchema (re-made with this call's name, description and strictness).
    /// </summary>
    internal static LaminiJsonSchema FromPipelineObject(object? input, string? name, string? description, bool strict) => PowerShellJson.Unwrap(input) switch
    {
        LaminiJsonSchema schema => FromJson(schema.SchemaJson, name ?? schema.Name, description ?? schema.Description, strict || schema.Strict),
        Type type => FromType(type, name, description, strict),
        string text => FromJson(text, name, description, strict ? true : null),
        var example => FromExample(example, name, description, strict),
    };

    /// <summary>A response_format ({"type": "json_schema", "json_schema": {...}}) or its json_schema ({"name": ..., "schema": {...}}).</summary>
    private static bool TryUnwrap(JsonElement root, out JsonElement wrapper)
    {
        wrapper = root;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (StringMember(root, "type") == "json_schema" && root.TryGetProperty("json_schema", out JsonElement inner) && inner.ValueKind == JsonValueKind.Object)
        {
            wrapper = inner;
            return true;
        }

        return !root.TryGetProperty("type", out _) && StringMember(root, "name") is not null
            && root.TryGetProperty("schema", out JsonElement schema) && schema.ValueKind == JsonValueKind.Object;
    }

    private static string? StringMember(JsonElement node, string name) =>
        node.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An object schema with every property required, each described by <paramref name="describe"/>.</summary>
    private static OrderedDictionary ObjectOfRequired(
        List<KeyValuePair<string, object?>> entries, string path, Func<object?, string, object> describe)
    {
        var properties = new OrderedDictionary(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> entry in entries)
        {
            if (string.IsNullOrWhiteSpace(entry.Key))
            {
                throw SchemaWalker.Invalid(path, "a property has an empty name.");
            }

            properties[entry.Key] = describe(entry.Value, SchemaWalker.Child(path, entry.Key));
        }

        return new OrderedDictionary(StringComparer.Ordinal)
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = properties.Keys.Cast<object>().ToArray(),
        };
    }

    private static LaminiJsonSchema Finish(OrderedDictionary tree, string? name, string? description, bool strict)
    {
        string schemaJson;
        try
        {
            schemaJson = PowerShellJson.Serialize(tree);
        }
        catch (ArgumentException ex)
        {
            throw new LaminiSchemaException("The schema can't be written as JSON: " + ex.Message, ex);
        }

        return Finish(schemaJson, name, description, strict, fillStrict: true);
    }

    /// <summary>
    /// The one exit: parses the schema JSON once, checks it and makes the immutable schema object. With
    /// <paramref name="fillStrict"/> (a schema built here, not one given as JSON) a strict schema first gets
    /// what strict mode needs and the description left out.
    /// </summary>
    private static LaminiJsonSchema Finish(string schemaJson, string? name, string? description, bool strict, bool fillStrict)
    {
        string checkedName = ValidateName(name);
        JsonElement root = PowerShellJson.ParseElement(schemaJson);
        SchemaChecker.CheckRoot(root);
        if (strict)
        {
            if (fillStrict)
            {
                schemaJson = SchemaChecker.Strictify(root);
                root = PowerShellJson.ParseElement(schemaJson);
            }

            SchemaChecker.CheckStrict(root);
        }

        return new LaminiJsonSchema(checkedName, string.IsNullOrEmpty(description) ? null : description, strict, schemaJson, new ParsedSchema(root));
    }

    /// <summary>A builder's object schema with its keys in canonical order.</summary>
    private static OrderedDictionary Canonicalize(OrderedDictionary node)
    {
        List<DictionaryEntry> entries = SchemaKeywords.InCanonicalOrder(node.Cast<DictionaryEntry>().ToList(), static entry => (string)entry.Key).ToList();
        node.Clear();
        foreach (DictionaryEntry entry in entries)
        {
            node.Add(entry.Key, entry.Value);
        }

        return node;
    }

    /// <summary>A dictionary or [pscustomobject] as (name, value) pairs: the two shapes a description can take.</summary>
    private static bool TryGetMap(object? value, out List<KeyValuePair<string, object?>> entries)
    {
        entries = PowerShellJson.Members(value)!;
        return entries is not null;
    }

    private static string DescribeValue(object? value) => PowerShellJson.Unwrap(value) switch
    {
        null => "$null",
        string text => "'" + ChatMessageRules.Shorten(text, 40) + "'",
        object other => "a " + other.GetType().FullName + " (" + ChatMessageRules.Shorten(Convert.ToString(other, CultureInfo.InvariantCulture) ?? string.Empty, 40) + ")",
    };

    /// <summary>Stops a builder's recursion at the one nesting limit, which a value that contains itself reaches.</summary>
    private static void CheckDepth(int depth, string path, string hint)
    {
        if (depth > PowerShellJson.MaxDepth)
        {
            throw SchemaWalker.Invalid(path, string.Format(CultureInfo.InvariantCulture, "nested more than {0} levels deep{1}.", PowerShellJson.MaxDepth, hint));
        }
    }

    private static OrderedDictionary NewNode(string type, string? format = null)
    {
        var node = new OrderedDictionary(StringComparer.Ordinal) { ["type"] = type };
        if (format is not null)
        {
            node["format"] = format;
        }

        return node;
    }

    private static OrderedDictionary ArrayOf(object items) =>
        new(StringComparer.Ordinal) { ["type"] = "array", ["items"] = items };

    /// <summary>Adds null to a schema's type (and to its enum): ["integer", "null"].</summary>
    private static OrderedDictionary MakeNullable(OrderedDictionary node)
    {
        if (node["type"] is string single && single != "null")
        {
            node["type"] = new object?[] { single, "null" };
        }
        else if (node["type"] is object?[] several && !several.Contains("null"))
        {
            node["type"] = several.Concat(["null"]).ToArray();
        }

        if (node["enum"] is object?[] allowed && !allowed.Contains(null))
        {
            node["enum"] = allowed.Concat([null]).ToArray();
        }

        return node;
    }
}
