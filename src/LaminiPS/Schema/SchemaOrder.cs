using System.Collections;
using System.Linq;
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
        foreach (string name in properties.Keys.Cast<object>().Select(static key => key.ToString()!).Concat(source.Properties.Select(static property => property.Name)))
        {
            if (ordered.Properties[name] is null && source.Properties[name] is PSPropertyInfo property)
            {
                ordered.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
        }

        return ordered;
    }
}
