using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace LaminiPS.Json;

/// <summary>What any JSON value allows, schema or not: following a pointer into it, and comparing two values as JSON.</summary>
internal static class JsonValues
{
    /// <summary>Follows a JSON pointer in URI fragment form (RFC 6901): "#" for the root, "#/$defs/address", "#/prefixItems/0".</summary>
    internal static bool TryResolvePointer(JsonElement root, string reference, out JsonElement target)
    {
        target = root;
        if (!reference.StartsWith("#", StringComparison.Ordinal))
        {
            return false;
        }

        string pointer = Uri.UnescapeDataString(reference.Substring(1));
        if (pointer.Length > 0 && pointer[0] != '/')
        {
            return false;
        }

        foreach (string token in pointer.Split('/').Skip(1).Select(static token => token.Replace("~1", "/").Replace("~0", "~")))
        {
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(token, out JsonElement child))
            {
                target = child;
            }
            else if (target.ValueKind == JsonValueKind.Array
                && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                && index < target.GetArrayLength())
            {
                target = target[index];
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>JSON equality: numbers by value, objects regardless of key order.</summary>
    internal static bool AreEqual(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number)
        {
            if (a.TryGetDecimal(out decimal x) && b.TryGetDecimal(out decimal y))
            {
                return x == y;
            }

            if (a.TryGetDouble(out double left) && b.TryGetDouble(out double right))
            {
                return left.Equals(right);
            }

            return string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal);
        }

        return a.ValueKind == b.ValueKind && a.ValueKind switch
        {
            JsonValueKind.String => string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal),
            JsonValueKind.Array => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray(), AreEqual).All(static same => same),
            JsonValueKind.Object => ObjectEquals(a, b),
            _ => true, // true, false, null: same kind is the same value
        };
    }

    /// <summary>The same names with equal values, in any order; a repeated name counts once, with its last value.</summary>
    private static bool ObjectEquals(JsonElement a, JsonElement b)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty property in a.EnumerateObject())
        {
            members[property.Name] = property.Value;
        }

        return b.EnumerateObject().Count() == members.Count
            && b.EnumerateObject().All(property => members.TryGetValue(property.Name, out JsonElement value) && AreEqual(value, property.Value));
    }
}
