using System;
using System.Collections.Generic;
using System.Linq;

namespace LaminiPS.Schema;

/// <summary>The type names a -Property description may use, and help for the ones it can't.</summary>
internal static class SchemaTypeNames
{
    /// <summary>The JSON Schema type names, in the order messages list them.</summary>
    internal static readonly string[] JsonTypes = ["string", "integer", "number", "boolean", "object", "array", "null"];

    /// <summary>
    /// Shorthand names (case-insensitive): the six JSON types plus PowerShell/.NET spellings.
    /// Value: (JSON type, format or null).
    /// </summary>
    private static readonly Dictionary<string, (string Type, string? Format)> s_names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["string"] = ("string", null),
        ["char"] = ("string", null),
        ["guid"] = ("string", "uuid"),
        ["uri"] = ("string", null),
        ["datetime"] = ("string", "date-time"),
        ["date-time"] = ("string", "date-time"),
        ["datetimeoffset"] = ("string", "date-time"),
        ["date"] = ("string", "date"),
        ["integer"] = ("integer", null),
        ["int"] = ("integer", null),
        ["int16"] = ("integer", null),
        ["int32"] = ("integer", null),
        ["int64"] = ("integer", null),
        ["long"] = ("integer", null),
        ["short"] = ("integer", null),
        ["byte"] = ("integer", null),
        ["sbyte"] = ("integer", null),
        ["uint"] = ("integer", null),
        ["uint16"] = ("integer", null),
        ["uint32"] = ("integer", null),
        ["uint64"] = ("integer", null),
        ["ulong"] = ("integer", null),
        ["ushort"] = ("integer", null),
        ["bigint"] = ("integer", null),
        ["biginteger"] = ("integer", null),
        ["number"] = ("number", null),
        ["double"] = ("number", null),
        ["float"] = ("number", null),
        ["single"] = ("number", null),
        ["decimal"] = ("number", null),
        ["boolean"] = ("boolean", null),
        ["bool"] = ("boolean", null),
        ["switch"] = ("boolean", null),
        ["object"] = ("object", null),
        ["hashtable"] = ("object", null),
        ["pscustomobject"] = ("object", null),
        ["array"] = ("array", null),
    };

    internal static bool IsJsonType(string name) => Array.IndexOf(JsonTypes, name) >= 0;

    internal static bool TryGetShorthand(string name, out string type, out string? format)
    {
        if (s_names.TryGetValue(name, out (string Type, string? Format) found))
        {
            type = found.Type;
            format = found.Format;
            return true;
        }

        type = string.Empty;
        format = null;
        return false;
    }

    /// <summary>"Did you mean 'string'? " for a near miss (or a .NET spelling of a JSON type); empty otherwise.</summary>
    internal static string Suggestion(string name, bool jsonTypesOnly)
    {
        string? best = null;
        if (jsonTypesOnly && s_names.TryGetValue(name, out (string Type, string? Format) alias))
        {
            best = alias.Type;
        }
        else
        {
            IEnumerable<string> candidates = jsonTypesOnly ? JsonTypes : s_names.Keys;
            int bestDistance = int.MaxValue;
            foreach (string candidate in candidates)
            {
                int distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
                if (distance < bestDistance)
                {
                    bestDistance = distance;
                    best = candidate;
                }
            }

            if (bestDistance > Math.Max(1, Math.Min(2, name.Length / 3)))
            {
                best = null;
            }
        }

        return best is null ? string.Empty : "Did you mean '" + best + "'? ";
    }

    internal static string JsonTypeList() => string.Join(", ", JsonTypes.Take(JsonTypes.Length - 1)) + " and null";

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
