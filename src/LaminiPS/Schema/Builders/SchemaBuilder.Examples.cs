using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>
/// -InputObject: a schema inferred from an example ([pscustomobject], hashtable, or any object's properties).
/// Scalar values as -Type maps their types; nested objects become nested objects; an array's items are inferred
/// from its first element; any other object becomes string (it would be sent as its string form). Every property
/// is required. A $null value or an empty array can't show a type and is an error.
/// </summary>
internal static partial class SchemaBuilder
{
    internal static LaminiJsonSchema FromExample(object? example, string? name, string? description, bool strict)
    {
        object? value = PowerShellJson.Unwrap(example);
        if (!TryGetMap(value, out List<KeyValuePair<string, object?>> entries))
        {
            if (SchemaTypes.ScalarTypeOf(value) is not null || value is IEnumerable)
            {
                throw SchemaWalker.NotObject(
                    "An example must be an object (a [pscustomobject] or hashtable) whose properties show the shape of the answer; got " + DescribeValue(value) + "."
                    + (value is IEnumerable and not string ? " To make one schema per object, pipe them: $objects | New-LaminiJsonSchema." : string.Empty));
            }

            entries = PSObject.AsPSObject(value).Properties
                .Select(static p => new KeyValuePair<string, object?>(p.Name, PowerShellJson.GetValueOrNull(p)))
                .ToList();
        }

        if (entries.Count == 0)
        {
            throw new LaminiSchemaException("The example object has no properties; give it one example property per field of the answer.");
        }

        return Finish(InferObject(entries, string.Empty, 0), name, description, strict);
    }

    private static OrderedDictionary InferObject(List<KeyValuePair<string, object?>> entries, string path, int depth) =>
        ObjectOfRequired(entries, path, (value, childPath) => InferValue(value, childPath, depth + 1));

    private static OrderedDictionary InferValue(object? value, string path, int depth)
    {
        CheckDepth(depth, path, " (does the example contain itself?)");
        return PowerShellJson.Unwrap(value) switch
        {
            null => throw SchemaWalker.Invalid(path, "the example value is $null, so its type can't be told. Give an example value ('' for text, 0 for a number, $false for a flag), or describe the schema with -Property."),
            object scalar when SchemaTypes.ScalarTypeOf(scalar) is not null => MapScalar(scalar.GetType()),
            var map when TryGetMap(map, out List<KeyValuePair<string, object?>> entries) => entries.Count > 0
                ? InferObject(entries, path, depth)
                : throw SchemaWalker.Invalid(path, "the example is an empty object; give it example properties."),
            IEnumerable list => list.Cast<object?>().Select(first => ArrayOf(InferValue(first, SchemaWalker.Items(path), depth + 1))).FirstOrDefault()
                ?? throw SchemaWalker.Invalid(path, "the example is an empty array, so the type of its items can't be told; give at least one example item."),
            _ => NewNode("string"),
        };
    }
}
