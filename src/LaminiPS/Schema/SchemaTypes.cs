using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace LaminiPS.Schema;

/// <summary>
/// The JSON Schema type names and the one map from .NET types and type names to them: -Type, -InputObject,
/// the -Property shorthand and allowed values all read it.
/// </summary>
internal static class SchemaTypes
{
    /// <summary>The JSON Schema type names, in the order messages list them.</summary>
    internal static readonly string[] JsonTypes = ["string", "integer", "number", "boolean", "object", "array", "null"];

    /// <summary>
    /// .NET type (by full name, so that types newer than netstandard2.0 such as DateOnly count too) → JSON type
    /// and format, with the shorthand names (case-insensitive) that mean it. Rows without a .NET type only give
    /// names. Enums, and types the map does not list, are handled by the callers.
    /// </summary>
    private static readonly (string? ClrType, string Json, string? Format, string[] Names)[] s_map =
    [
        ("System.String", "string", null, ["string"]),
        ("System.Char", "string", null, ["char"]),
        ("System.Guid", "string", "uuid", ["guid"]),
        ("System.Uri", "string", null, ["uri"]),
        ("System.TimeSpan", "string", null, []),
        ("System.Version", "string", null, []),
        ("System.DateTime", "string", "date-time", ["datetime", "date-time"]),
        ("System.DateTimeOffset", "string", "date-time", ["datetimeoffset"]),
        ("System.DateOnly", "string", "date", ["date"]),
        ("System.TimeOnly", "string", "time", []),
        ("System.SByte", "integer", null, ["sbyte"]),
        ("System.Byte", "integer", null, ["byte"]),
        ("System.Int16", "integer", null, ["int16", "short"]),
        ("System.UInt16", "integer", null, ["uint16", "ushort"]),
        ("System.Int32", "integer", null, ["integer", "int", "int32"]),
        ("System.UInt32", "integer", null, ["uint32", "uint"]),
        ("System.Int64", "integer", null, ["int64", "long"]),
        ("System.UInt64", "integer", null, ["uint64", "ulong"]),
        ("System.Int128", "integer", null, []),
        ("System.UInt128", "integer", null, []),
        ("System.IntPtr", "integer", null, []),
        ("System.UIntPtr", "integer", null, []),
        ("System.Numerics.BigInteger", "integer", null, ["bigint", "biginteger"]),
        ("System.Half", "number", null, []),
        ("System.Single", "number", null, ["single", "float"]),
        ("System.Double", "number", null, ["number", "double"]),
        ("System.Decimal", "number", null, ["decimal"]),
        ("System.Boolean", "boolean", null, ["boolean", "bool"]),
        ("System.Management.Automation.SwitchParameter", "boolean", null, ["switch"]),
        (null, "object", null, ["object", "hashtable", "pscustomobject"]),
        (null, "array", null, ["array"]),
    ];

    private static readonly Dictionary<string, (string Json, string? Format)> s_byClrType = s_map
        .Where(static row => row.ClrType is not null)
        .ToDictionary(static row => row.ClrType!, static row => (row.Json, row.Format), StringComparer.Ordinal);

    private static readonly Dictionary<string, (string Json, string? Format)> s_byName = s_map
        .SelectMany(static row => row.Names.Select(name => (Name: name, row.Json, row.Format)))
        .ToDictionary(static entry => entry.Name, static entry => (entry.Json, entry.Format), StringComparer.OrdinalIgnoreCase);

    internal static bool IsJsonType(string name) => Array.IndexOf(JsonTypes, name) >= 0;

    internal static string JsonTypeList() => string.Join(", ", JsonTypes.Take(JsonTypes.Length - 1)) + " and null";

    /// <summary>The JSON type and format of a .NET type the map lists (not enums).</summary>
    internal static bool TryGetScalar(Type type, out string json, out string? format) => TryFind(s_byClrType, type.FullName ?? string.Empty, out json, out format);

    /// <summary>A shorthand type name ('int', 'datetime', 'hashtable', ...).</summary>
    internal static bool TryGetShorthand(string name, out string json, out string? format) => TryFind(s_byName, name, out json, out format);

    /// <summary>The JSON type of a value that can be an allowed value (enum): a scalar; null when it is not one.</summary>
    internal static string? ScalarTypeOf(object? value) => value switch
    {
        null => "null",
        Enum => "string",
        _ => TryGetScalar(value.GetType(), out string json, out _) ? json : null,
    };

    /// <summary>"string", "number", ...: how a message names the kind of a JSON value.</summary>
    internal static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The names a "type" keyword gives: its one name, or the names in its list.</summary>
    internal static IEnumerable<string> Names(JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => [type.GetString()!],
        JsonValueKind.Array => type.EnumerateArray().Where(static name => name.ValueKind == JsonValueKind.String).Select(static name => name.GetString()!),
        _ => [],
    };

    /// <summary>Whether a JSON value is of a JSON Schema type; "integer" accepts 3.0.</summary>
    internal static bool MatchesType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsIntegral(value),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true, // an unknown type name constrains nothing here; schemas are checked when they are made
    };

    /// <summary>"Did you mean 'string'? " for a near miss (or a .NET spelling of a JSON type); empty otherwise.</summary>
    internal static string Suggestion(string name, bool jsonTypesOnly)
    {
        string? best = jsonTypesOnly && s_byName.TryGetValue(name, out (string Json, string? Format) alias)
            ? alias.Json
            : Nearest(name, jsonTypesOnly ? JsonTypes : s_byName.Keys);
        return best is null ? string.Empty : "Did you mean '" + best + "'? ";
    }

    /// <summary>The first candidate fewest edits away, if that is one edit (two for names of six letters or more).</summary>
    private static string? Nearest(string name, IEnumerable<string> candidates)
    {
        (string Candidate, int Distance) nearest = candidates
            .Select(candidate => (candidate, Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .OrderBy(static pair => pair.Item2)
            .First();
        return nearest.Distance <= Math.Max(1, Math.Min(2, name.Length / 3)) ? nearest.Candidate : null;
    }

    private static bool TryFind(Dictionary<string, (string Json, string? Format)> map, string key, out string json, out string? format)
    {
        bool found = map.TryGetValue(key, out (string Json, string? Format) entry);
        json = found ? entry.Json : string.Empty;
        format = entry.Format;
        return found;
    }

    private static bool IsIntegral(JsonElement number) =>
        number.TryGetInt64(out _)
        || (number.TryGetDecimal(out decimal exact)
            ? decimal.Truncate(exact) == exact
            : number.TryGetDouble(out double value) && !double.IsInfinity(value) && Math.Floor(value) == value);

    /// <summary>Levenshtein distance, one row at a time: each cell is the cheapest of an insertion, a deletion or a substitution.</summary>
    private static int Distance(string a, string b)
    {
        int[] row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j - 1], above) + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
