using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace LaminiPS.Json;

/// <summary>A model's JSON reply as text it wrote and as PowerShell data: parsed as models write it, and ordered as declared.</summary>
internal static class ReplyJson
{
    /// <summary>
    /// Parses reply text: surrounding whitespace and a Markdown code fence such as ```json ... ``` (which models
    /// add unasked) are tolerated. Throws <see cref="JsonException"/> when it is not JSON.
    /// </summary>
    internal static JsonDocument Parse(string text) => JsonDocument.Parse(StripCodeFence(text.Trim()), PowerShellJson.ReadOptions);

    /// <summary>
    /// A [pscustomobject] with the <paramref name="declared"/> properties first, in that order, then the others as
    /// they came, so CSV columns come out as declared and not as the model wrote them; any other data as it is.
    /// </summary>
    internal static object? InOrder(object? data, IEnumerable<string> declared)
    {
        if (data is not PSObject { BaseObject: PSCustomObject } source)
        {
            return data;
        }

        var ordered = new PSObject();
        foreach (string name in declared.Concat(source.Properties.Select(static property => property.Name)))
        {
            if (ordered.Properties[name] is null && source.Properties[name] is PSPropertyInfo property)
            {
                ordered.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
        }

        return ordered;
    }

    /// <summary>The text between a fence's first line (```json) and its closing ```.</summary>
    private static string StripCodeFence(string text)
    {
        int firstLineEnd = text.IndexOf('\n');
        return text.Length >= 6 && text.StartsWith("```", StringComparison.Ordinal) && text.EndsWith("```", StringComparison.Ordinal) && firstLineEnd >= 0
            ? text.Substring(firstLineEnd + 1, text.Length - 3 - (firstLineEnd + 1)).Trim()
            : text;
    }
}
