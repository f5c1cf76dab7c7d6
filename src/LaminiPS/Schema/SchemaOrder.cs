using System.Collections;
using System.Management.Automation;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>A structured reply read as data, with an object's properties in the schema's order.</summary>
internal static class SchemaOrder
{
    /// <summary>
    /// Checks reply text as <see cref="JsonReplyCheck.Check"/> does; on success the data's top-level
    /// properties follow the schema's order (not the model's), so CSV columns come out as declared.
    /// </summary>
    internal static JsonReplyCheckResult ReadReply(string? text, LaminiJsonSchema? schema)
    {
        JsonReplyCheckResult check = JsonReplyCheck.Check(text, schema);
        return check.Success && schema is not null ? JsonReplyCheckResult.Ok(Ordered(check.Data, schema)) : check;
    }

    private static object? Ordered(object? data, LaminiJsonSchema schema)
    {
        if (data is not PSObject { BaseObject: PSCustomObject } source || schema.Schema["properties"] is not IDictionary properties)
        {
            return data;
        }

        var ordered = new PSObject();
        foreach (object name in properties.Keys)
        {
            if (source.Properties[name.ToString()] is PSPropertyInfo property)
            {
                ordered.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
        }

        foreach (PSPropertyInfo property in source.Properties)
        {
            if (ordered.Properties[property.Name] is null)
            {
                ordered.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
        }

        return ordered;
    }
}
