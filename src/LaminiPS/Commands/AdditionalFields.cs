using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Json;

namespace LaminiPS.Commands;

/// <summary>-AdditionalParameters as request body fields: each key a field name, each value its JSON text.</summary>
internal static class AdditionalFields
{
    /// <summary>
    /// The fields to send, in the order <see cref="PowerShellJson"/> writes any dictionary (a plain
    /// hashtable sorted, an ordered one as given); <paramref name="warn"/> hears of each key left out
    /// because the command owns that field. <paramref name="error"/> is the record to stop with when
    /// a key or value can't be sent.
    /// </summary>
    public static List<KeyValuePair<string, string>> From(IDictionary? parameters, Action<string> warn, out ErrorRecord? error)
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

            if (OwnedField(entry.Key) is { } owned)
            {
                warn($"-AdditionalParameters['{entry.Key}'] is ignored: Invoke-LaminiChat writes that field itself. Use {owned.SetBy} instead.");
                continue;
            }

            try
            {
                fields.Add(new KeyValuePair<string, string>(entry.Key, PowerShellJson.SerializeData(entry.Value)));
            }
            catch (ArgumentException ex)
            {
                error = Invalid($"-AdditionalParameters['{entry.Key}'] cannot be written as JSON: {ex.Message}", ex, entry.Value);
                return fields;
            }
        }

        return fields;
    }

    /// <summary>
    /// The field of that name Invoke-LaminiChat writes itself, in any case: such a key is never sent from
    /// -AdditionalParameters, since PowerShell users capitalise keys, and a "Model" beside "model", or a
    /// "stream" the reader does not expect, breaks the request.
    /// </summary>
    private static ChatRequestField? OwnedField(string key) =>
        ChatRequestField.All.FirstOrDefault(field => string.Equals(field.Name, key, StringComparison.OrdinalIgnoreCase));

    private static ErrorRecord Invalid(string message, Exception? inner, object? target) =>
        new(new ArgumentException(message, inner), ErrorIds.InvalidAdditionalParameters, ErrorCategory.InvalidArgument, target);
}
