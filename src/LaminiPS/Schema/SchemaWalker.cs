using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LaminiPS.Client;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>What one walk does at each schema; the walk itself is <see cref="SchemaWalker"/>.</summary>
internal abstract class SchemaVisitor
{
    /// <summary>Called for every schema (an object, or true/false) before the schemas inside it.</summary>
    public virtual void Visit(JsonElement schema, string path)
    {
    }

    /// <summary>An object schema's members as a copy writes them; as written unless a visitor adds or orders keys.</summary>
    public virtual IEnumerable<KeyValuePair<string, JsonElement>> Members(JsonElement schema) =>
        schema.EnumerateObject().Select(static member => new KeyValuePair<string, JsonElement>(member.Name, member.Value));
}

/// <summary>
/// The one walk over a JSON schema: the root and every schema inside it (each keyword that
/// <see cref="SchemaKeywords"/> says holds schemas), parents first, in document order, each with its
/// property path: <c>address.city</c>, <c>tags[]</c> for an array's items, <c>shape.anyOf[1]</c>,
/// <c>$defs.address</c>, <c>meta.*</c> for additionalProperties; empty for the root. A value shaped
/// otherwise than the table says stops the walk with <see cref="LaminiSchemaException"/>, so visitors
/// can rely on the shapes. Depth needs no guard here: every schema walked was parsed with
/// <see cref="PowerShellJson.MaxDepth"/>.
/// </summary>
internal static class SchemaWalker
{
    internal static void Walk(JsonElement root, SchemaVisitor visitor) => Walk(root, string.Empty, visitor, null);

    /// <summary>Walks and writes the schema again as compact JSON, with the members <see cref="SchemaVisitor.Members"/> gives.</summary>
    internal static string Copy(JsonElement root, SchemaVisitor visitor)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, PowerShellJson.CompactWriterOptions))
        {
            Walk(root, string.Empty, visitor, writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static string Child(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    internal static string Items(string parent) => parent + "[]";

    /// <summary>The path of the schema a single-schema keyword holds (items, additionalProperties, not, ...).</summary>
    internal static string SubschemaPath(string parent, string keyword) => keyword switch
    {
        "items" => Items(parent),
        "additionalProperties" => Child(parent, "*"),
        _ => Child(parent, keyword),
    };

    internal static string Branch(string parent, string keyword, int index) =>
        Child(parent, keyword) + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// The error for the schema at <paramref name="path"/>: "Property 'a.b': problem", or "Property 'a.b' has ..."
    /// when the problem reads on from the name (has, lists, must).
    /// </summary>
    internal static LaminiSchemaException Invalid(string path, string problem)
    {
        bool readsOn = problem.StartsWith("has ", StringComparison.Ordinal) || problem.StartsWith("lists ", StringComparison.Ordinal) || problem.StartsWith("must ", StringComparison.Ordinal);
        return new(path.Length == 0 ? ErrorIds.InvalidSchema : ErrorIds.InvalidSchemaProperty, path, (path.Length == 0 ? "The schema" : "Property '" + path + "'") + (readsOn ? " " : ": ") + problem);
    }

    /// <summary>A schema that describes no object at its root, where a structured-output schema must.</summary>
    internal static LaminiSchemaException NotObject(string message) => new(ErrorIds.SchemaNotObject, string.Empty, message);

    /// <summary>An object description with no properties: <paramref name="rootMessage"/> for the whole schema, else <paramref name="problem"/> at its path.</summary>
    internal static LaminiSchemaException Empty(string path, string rootMessage, string problem) =>
        path.Length == 0 ? new LaminiSchemaException(rootMessage) : Invalid(path, problem);

    /// <summary>A value as short raw JSON for a message.</summary>
    internal static string Excerpt(JsonElement value) => ChatMessageRules.Shorten(value.GetRawText(), 60);

    internal static string Article(string kind) => (kind.Length > 0 && "aeiou".IndexOf(kind[0]) >= 0 ? "an " : "a ") + kind;

    private static void Walk(JsonElement schema, string path, SchemaVisitor visitor, Utf8JsonWriter? copy)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            visitor.Visit(schema, path);
            copy?.WriteBooleanValue(schema.ValueKind == JsonValueKind.True);
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "must be a schema object such as {\"type\": \"string\"}, not " + Article(SchemaTypes.KindName(schema.ValueKind)) + " (" + Excerpt(schema) + ").");
        }

        CheckShapes(schema, path);
        visitor.Visit(schema, path);
        copy?.WriteStartObject();
        foreach (KeyValuePair<string, JsonElement> member in visitor.Members(schema))
        {
            copy?.WritePropertyName(member.Key);
            if (SchemaKeywords.TryGetShape(member.Key, out KeywordShape shape) && SchemaKeywords.HoldsSchemas(shape))
            {
                WalkKeyword(member.Key, shape, member.Value, path, visitor, copy);
            }
            else if (copy is not null)
            {
                member.Value.WriteTo(copy);
            }
        }

        copy?.WriteEndObject();
    }

    private static void WalkKeyword(string keyword, KeywordShape shape, JsonElement value, string path, SchemaVisitor visitor, Utf8JsonWriter? copy)
    {
        switch (shape)
        {
            case KeywordShape.Items or KeywordShape.SchemaList when value.ValueKind == JsonValueKind.Array:
                copy?.WriteStartArray();
                int index = 0;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    Walk(item, shape == KeywordShape.Items ? Items(path) : Branch(path, keyword, index++), visitor, copy);
                }

                copy?.WriteEndArray();
                break;
            case KeywordShape.Items or KeywordShape.Schema:
                Walk(value, SubschemaPath(path, keyword), visitor, copy);
                break;
            default: // SchemaMap, Properties: objects of named schemas
                copy?.WriteStartObject();
                string parent = shape == KeywordShape.Properties ? path : Child(path, keyword);
                foreach (JsonProperty entry in value.EnumerateObject())
                {
                    copy?.WritePropertyName(entry.Name);
                    Walk(entry.Value, Child(parent, entry.Name), visitor, copy);
                }

                copy?.WriteEndObject();
                break;
        }
    }

    /// <summary>The containers of schemas must be what the table says; the schemas in them are checked as they are walked.</summary>
    private static void CheckShapes(JsonElement schema, string path)
    {
        foreach (JsonProperty member in schema.EnumerateObject())
        {
            if (!SchemaKeywords.TryGetShape(member.Name, out KeywordShape shape))
            {
                continue;
            }

            JsonElement value = member.Value;
            switch (shape)
            {
                case KeywordShape.Properties when value.ValueKind != JsonValueKind.Object:
                    throw Invalid(path, "has \"properties\" that is " + Article(SchemaTypes.KindName(value.ValueKind)) + "; it must be an object mapping each property name to its schema.");
                case KeywordShape.Properties when value.EnumerateObject().Any(static property => property.Name.Length == 0):
                    throw Invalid(path, "has a property with an empty name.");
                case KeywordShape.SchemaList when value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0:
                    throw Invalid(path, "has \"" + member.Name + "\" that is not a non-empty array of schemas.");
                case KeywordShape.SchemaMap when value.ValueKind != JsonValueKind.Object:
                    throw Invalid(path, "has \"" + member.Name + "\" that is not an object of named schemas.");
            }
        }
    }
}
