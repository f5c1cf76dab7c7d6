using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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

        JsonDocument reply;
        try
        {
            reply = ReplyJson.Parse(text!);
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
        return check.Success && schema?.Schema["properties"] is IDictionary properties
            ? JsonReplyCheckResult.Ok(ReplyJson.InOrder(check.Data, properties.Keys.Cast<object>().Select(static key => key.ToString()!)))
            : check;
    }
}
