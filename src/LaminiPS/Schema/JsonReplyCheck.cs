using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>
/// The outcome of <see cref="JsonReplyCheck.Check"/>, no error records: <see cref="Data"/>, the reply as PowerShell
/// data whenever it parsed as JSON (even on a schema mismatch); <see cref="ErrorId"/>,
/// <see cref="ErrorIds.JsonReplyInvalid"/> or <see cref="ErrorIds.JsonReplySchemaMismatch"/> (null on success) with
/// its <see cref="Message"/>; <see cref="Violations"/>, each way the reply breaks the schema, with its JSON path
/// ($.address.city: expected string, got number).
/// </summary>
internal sealed record JsonReplyCheckResult(object? Data, string? ErrorId, string? Message, IReadOnlyList<string> Violations)
{
    /// <summary>True when the reply is JSON and (if a schema was given) matches it.</summary>
    public bool Success => ErrorId is null;

    internal static JsonReplyCheckResult Ok(object? data) => new(data, null, null, Array.Empty<string>());

    internal static JsonReplyCheckResult Invalid(string message) => new(null, ErrorIds.JsonReplyInvalid, message, Array.Empty<string>());

    internal static JsonReplyCheckResult Mismatch(object? data, string message, IReadOnlyList<string> violations) =>
        new(data, ErrorIds.JsonReplySchemaMismatch, message, violations);
}

/// <summary>
/// Checks a model's structured reply (or a tool call's arguments): is it JSON, and does it match the schema that
/// was asked for? Invoke-LaminiChat turns a failure into a non-terminating error carrying the raw text.
/// </summary>
internal static class JsonReplyCheck
{
    private const int ViolationsInMessage = 5;

    /// <summary>
    /// Parses <paramref name="text"/> (surrounding whitespace and a Markdown code fence such as ```json ... ```
    /// are tolerated) and validates it against <paramref name="schema"/> when one is given.
    /// </summary>
    internal static JsonReplyCheckResult Check(string? text, LaminiJsonSchema? schema)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return JsonReplyCheckResult.Invalid("The reply is empty, not JSON.");
        }

        string json = StripCodeFence(text!.Trim());
        JsonDocument reply;
        try
        {
            reply = JsonDocument.Parse(json, PowerShellJson.ReadOptions);
        }
        catch (JsonException ex)
        {
            return JsonReplyCheckResult.Invalid("The reply is not valid JSON " + PowerShellJson.DescribeJsonError(ex));
        }

        using (reply)
        {
            object? data = PowerShellJson.ToPowerShell(reply.RootElement);
            IReadOnlyList<string> violations = schema is null ? [] : SchemaValidator.Validate(reply.RootElement, schema.Root);
            if (violations.Count == 0)
            {
                return JsonReplyCheckResult.Ok(data);
            }

            string listed = string.Join("; ", violations.Take(ViolationsInMessage))
                + (violations.Count > ViolationsInMessage ? string.Format(CultureInfo.InvariantCulture, "; and {0} more", violations.Count - ViolationsInMessage) : string.Empty);
            string message = string.Format(
                CultureInfo.InvariantCulture,
                "The reply does not match the schema '{0}' ({1} {2}): {3}",
                schema!.Name,
                violations.Count,
                violations.Count == 1 ? "problem" : "problems",
                listed);
            return JsonReplyCheckResult.Mismatch(data, message, violations);
        }
    }

    /// <summary>
    /// Checks reply text as <see cref="Check"/> does; on success the data's top-level properties follow the
    /// schema's order (not the model's), so CSV columns come out as declared.
    /// </summary>
    internal static JsonReplyCheckResult ReadReply(string? text, LaminiJsonSchema? schema)
    {
        JsonReplyCheckResult check = Check(text, schema);
        return check.Success && schema is not null ? JsonReplyCheckResult.Ok(InSchemaOrder(check.Data, schema)) : check;
    }

    private static object? InSchemaOrder(object? data, LaminiJsonSchema schema)
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

    /// <summary>The text between a fence's first line (```json) and its closing ```.</summary>
    private static string StripCodeFence(string text)
    {
        int firstLineEnd = text.IndexOf('\n');
        return text.Length >= 6 && text.StartsWith("```", StringComparison.Ordinal) && text.EndsWith("```", StringComparison.Ordinal) && firstLineEnd >= 0
            ? text.Substring(firstLineEnd + 1, text.Length - 3 - (firstLineEnd + 1)).Trim()
            : text;
    }
}
