using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Reads a user's object whatever made it: a dictionary's key, or a property of an object, a
/// [pscustomobject], a deserialized object (Import-Clixml, jobs, remoting) or a ConvertFrom-Json
/// object, matched without regard to case.
/// </summary>
internal static class ObjectFields
{
    public static object? Value(object source, string name)
    {
        if (source is IDictionary table)
        {
            foreach (DictionaryEntry entry in table)
            {
                if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase))
                {
                    return Unwrap(entry.Value);
                }
            }

            return null;
        }

        return Unwrap(PSObject.AsPSObject(source).Properties[name]?.Value);
    }

    public static string? Text(object source, string name) =>
        Value(source, name) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    /// <summary>The object inside a PSObject, except a [pscustomobject] or deserialized one, whose properties live on the PSObject.</summary>
    public static object? Unwrap(object? value) =>
        value is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : value;
}
