using System.Collections.Specialized;
using System.Text.Json;
using LaminiPS.Json;
using LaminiPS.Schema;

namespace LaminiPS.Models;

/// <summary>
/// A structured-output schema: what Invoke-LaminiChat sends as
/// <c>response_format = {"type": "json_schema", "json_schema": {"name", "description", "schema", "strict"}}</c>.
/// Made by New-LaminiJsonSchema; immutable once made.
/// </summary>
public sealed class LaminiJsonSchema
{
    /// <summary>The name every schema gets unless -Name says otherwise (what Lamini's docs use).</summary>
    public const string DefaultName = "json_response";

    private readonly ParsedSchema _parsed;
    private OrderedDictionary? _view;

    internal LaminiJsonSchema(string name, string? description, bool strict, string schemaJson, ParsedSchema parsed)
    {
        Name = name;
        Description = description;
        Strict = strict;
        SchemaJson = schemaJson;
        _parsed = parsed;
    }

    /// <summary><c>response_format.json_schema.name</c>: 1 to 64 letters, digits, '_' or '-'.</summary>
    public string Name { get; }

    /// <summary><c>response_format.json_schema.description</c>; sent only when set.</summary>
    public string? Description { get; }

    /// <summary><c>response_format.json_schema.strict</c>; sent only when true. A strict schema follows the strict-mode rules (checked when it was made).</summary>
    public bool Strict { get; }

    /// <summary>
    /// <c>response_format.json_schema.schema</c> as read-only nested ordered dictionaries, object[] arrays and
    /// primitives (long, double, string, bool, null), in the order it is sent. Pipe it to ConvertTo-Json -Depth 20
    /// to see it indented. Made when first read (two threads may both make one; they are equal).
    /// </summary>
    public OrderedDictionary Schema => _view ??= (OrderedDictionary)PowerShellJson.ToDictionaryTree(_parsed.Root, readOnly: true)!;

    /// <summary>The schema as canonical compact JSON text: exactly what is sent as <c>json_schema.schema</c>.</summary>
    internal string SchemaJson { get; }

    /// <summary>The schema as compact, single-line JSON (exactly the <c>json_schema.schema</c> sent on the wire).</summary>
    public override string ToString() => SchemaJson;

    /// <summary>
    /// Writes the whole <c>response_format</c> value:
    /// <c>{"type":"json_schema","json_schema":{"name":N,"description":D?,"schema":{...},"strict":true?}}</c>.
    /// </summary>
    internal void WriteResponseFormat(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "json_schema");
        writer.WritePropertyName("json_schema");
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        if (Description is not null)
        {
            writer.WriteString("description", Description);
        }

        writer.WritePropertyName("schema");
        writer.WriteRawValue(SchemaJson, skipInputValidation: true);
        if (Strict)
        {
            writer.WriteBoolean("strict", true);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The schema, parsed once when it was made (replies are validated against it).</summary>
    internal JsonElement Root => _parsed.Root;
}
