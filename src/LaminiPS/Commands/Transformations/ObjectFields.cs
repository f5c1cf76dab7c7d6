using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using LaminiPS.Json;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Reads a user's object whatever made it: a dictionary's key, or a property of an object, a
/// [pscustomobject], a deserialized object (Import-Clixml, jobs, remoting) or a ConvertFrom-Json
/// object, matched without regard to case.
/// </summary>
internal static class ObjectFields
{
    /// <summary>The field's value, unwrapped; null when it is null or the object has no such field.</summary>
    public static object? Value(object source, string name) => TryGet(source, name, out object? value) ? value : null;

    /// <summary>False when the object has no such field; otherwise its value, unwrapped (null when its getter fails).</summary>
    public static bool TryGet(object source, string name, out object? value)
    {
        value = null;
        if (source is IDictionary table)
        {
            foreach (DictionaryEntry entry in table)
            {
                if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase))
                {
                    value = PowerShellJson.Unwrap(entry.Value);
                    return true;
                }
            }

            return false;
        }

        if (PSObject.AsPSObject(source).Properties[name] is not PSPropertyInfo property)
        {
            return false;
        }

        value = PowerShellJson.Unwrap(PowerShellJson.GetValueOrNull(property));
        return true;
    }

    /// <summary>
    /// How every error names a value's type: [pscustomobject] for one made in PowerShell or read back (Import-Clixml,
    /// a job), $null for null, else [TypeName] of the object inside any PSObject.
    /// </summary>
    public static string Describe(object? value) =>
        PowerShellJson.Unwrap(value) switch
        {
            null => "$null",
            var custom when PowerShellJson.IsCustomObject(custom) => "[pscustomobject]",
            var other => $"[{other.GetType().Name}]",
        };

    public static string? Text(object source, string name) =>
        Value(source, name) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
}
