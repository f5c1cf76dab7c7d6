using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using LaminiPS.Schema;

namespace LaminiPS.Commands;

/// <summary>-AdditionalParameters as request body fields: each key a field name, each value its JSON text.</summary>
internal static class AdditionalFields
{
    /// <summary>
    /// The fields in the order <see cref="PowerShellJson"/> writes any dictionary (a plain hashtable
    /// sorted, an ordered one as given); the error record to stop with when a key or value can't be sent.
    /// </summary>
    public static List<KeyValuePair<string, string>> From(IDictionary? parameters, out ErrorRecord? error)
    {
        error = null;
        var fields = new List<KeyValuePair<string, string>>();
        if (parameters is null)
        {
            return fields;
        }

        foreach (KeyValuePair<string, object?> entry in PowerShellJson.DictionaryEntries(parameters))
        {
            if (entry.Key.Trim().Length == 0)
            {
                error = Invalid("-AdditionalParameters has an empty key; every key names a request body field.", null, parameters);
                return fields;
            }

            try
            {
                fields.Add(new KeyValuePair<string, string>(entry.Key, PowerShellJson.Serialize(entry.Value)));
            }
            catch (ArgumentException ex)
            {
                error = Invalid($"-AdditionalParameters['{entry.Key}'] cannot be written as JSON: {ex.Message}", ex, entry.Value);
                return fields;
            }
        }

        return fields;
    }

    private static ErrorRecord Invalid(string message, Exception? inner, object? target) =>
        new(new ArgumentException(message, inner), ErrorIds.InvalidAdditionalParameters, ErrorCategory.InvalidArgument, target);
}
