using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// Reads a failed answer in any dialect the service (or a gateway in front of it) uses: pulls the
/// human-readable message out of the body (OpenAI nested, vLLM flat, LiteLLM, FastAPI detail,
/// any of those framed as server-sent events, plain text or HTML), and says what kind of failure
/// it is from one table of rules.
/// </summary>
internal static class ErrorBodyParser
{
    private const int MaxExcerptLength = 300;

    /// <summary>
    /// What a failed status means, first matching row wins. A row may ask for the model (known for
    /// chat requests) or for words in the server's message, so a dialect's quirk is one more row.
    /// Summaries name the server by its address, not by who we hope answered.
    /// </summary>
    private static readonly FailureRule[] s_failureRules =
    {
        new(status => status is >= 300 and < 400, LaminiFailureKind.Redirected, "The server at {server} answered with a redirect"),
        new(status => status == 401, LaminiFailureKind.Unauthorized, "The server at {server} did not accept the API key"),
        new(status => status == 403, LaminiFailureKind.PermissionDenied, "The API key may not do this at {server}"),

        // OpenAI and vLLM answer 404; Lamini numbers it 594.
        new(status => status is 404 or 594, LaminiFailureKind.ModelNotFound, "Model '{model}' was not found at {server}", NeedsModel: true),

        // LiteLLM, the router Lamini uses for third-party models: 400 "Invalid model name passed in model=...".
        new(status => status == 400, LaminiFailureKind.ModelNotFound, "Model '{model}' was not found at {server}", NeedsModel: true, Message: new Regex("Invalid model name", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)),

        // vLLM without --enable-auto-tool-choice, and other servers that refuse tools.
        new(status => status is 400 or 422, LaminiFailureKind.ToolChoiceUnsupported, "The model or server at {server} does not offer automatic tool choice", Message: UnsupportedToolsAnswer.Pattern),
        new(status => status == 404, LaminiFailureKind.NotFound, "Not found at {server}"),
        new(status => status is 400 or 422, LaminiFailureKind.BadRequest, "The server at {server} rejected the request"),
        new(status => status == 429, LaminiFailureKind.RateLimited, "Rate limited by {server}"),
        new(status => status is 408 or 504 or 524, LaminiFailureKind.Timeout, "The request timed out at {server}"),
        new(status => status == 513, LaminiFailureKind.ServiceUnavailable, "The model is still being downloaded at {server}"),
        new(status => status == 503, LaminiFailureKind.ServiceUnavailable, "The service at {server} is unavailable"),
        new(status => status >= 500, LaminiFailureKind.ServerError, "The server at {server} failed"),
        new(_ => true, LaminiFailureKind.UnexpectedStatus, "Unexpected answer from {server}"),
    };

    private static readonly Regex s_tags = new("<(script|style|title)[^>]*>.*?</\\1>|<[^>]+>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static readonly Regex s_title = new("<title[^>]*>(.*?)</title>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static readonly Regex s_whitespace = new("\\s+", RegexOptions.Compiled);

    /// <summary>A body whose first line is an SSE field (data:, event:, id:, retry: or a : comment).</summary>
    private static readonly Regex s_sseField = new("\\A(?:data|event|id|retry)?:", RegexOptions.Compiled);

    public static string? ExtractMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        string trimmed = body!.Trim();
        if (s_sseField.IsMatch(trimmed))
        {
            // LiteLLM answers a stream that fails before its first chunk with an error status and
            // "data: {"error": ...}"; the message is in the events.
            string? fromEvents = SseReader.EventsIn(trimmed)
                .Select(data => data.Trim())
                .Where(data => data.Length > 0 && data != "[DONE]")
                .Select(MessageOf)
                .FirstOrDefault();
            if (fromEvents is not null)
            {
                return fromEvents;
            }
        }

        return MessageOf(trimmed);
    }

    /// <summary>The kind of failure and a one-line summary naming the server (and the model, where it matters).</summary>
    public static (LaminiFailureKind Kind, string Summary) Classify(int status, string? serverMessage, string? model, string server)
    {
        FailureRule rule = s_failureRules.First(r => r.Status(status)
            && (!r.NeedsModel || model is not null)
            && (r.Message is null || (serverMessage is not null && r.Message.IsMatch(serverMessage))));
        return (rule.Kind, rule.Summary.Replace("{server}", server).Replace("{model}", model));
    }

    private static string MessageOf(string trimmed)
    {
        if (trimmed.StartsWith("{", StringComparison.Ordinal) || trimmed.StartsWith("[", StringComparison.Ordinal))
        {
            string? fromJson = TryExtractFromJson(trimmed);
            if (fromJson is not null)
            {
                return fromJson;
            }
        }

        if (trimmed.StartsWith("<", StringComparison.Ordinal))
        {
            return ExcerptFromHtml(trimmed);
        }

        return Excerpt(trimmed);
    }

    private static string? TryExtractFromJson(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return FromElement(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? FromElement(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (root.TryGetProperty("error", out JsonElement error))
        {
            if (error.ValueKind == JsonValueKind.String)
            {
                return error.GetString();
            }

            if (error.ValueKind == JsonValueKind.Object)
            {
                return FromElement(error) ?? Excerpt(error.GetRawText());
            }
        }

        if (root.TryGetProperty("message", out JsonElement message) && message.ValueKind == JsonValueKind.String)
        {
            return message.GetString();
        }

        if (root.TryGetProperty("detail", out JsonElement detail))
        {
            return detail.ValueKind switch
            {
                JsonValueKind.String => detail.GetString(),
                JsonValueKind.Array => string.Join("; ", detail.EnumerateArray().Select(item => Sentences.Clause(FormatValidationItem(item)))),
                _ => Excerpt(detail.GetRawText()),
            };
        }

        return null;
    }

    /// <summary>FastAPI's 422 items: {"loc": ["body","messages"], "msg": "field required"}.</summary>
    private static string FormatValidationItem(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return item.ToString();
        }

        string? msg = item.TryGetProperty("msg", out JsonElement m) ? m.ToString() : null;
        if (!item.TryGetProperty("loc", out JsonElement loc) || loc.ValueKind != JsonValueKind.Array)
        {
            return msg ?? item.GetRawText();
        }

        IEnumerable<string> parts = loc.EnumerateArray().Select(p => p.ToString());
        return $"{string.Join(".", parts)}: {msg}";
    }

    private static string ExcerptFromHtml(string html)
    {
        Match title = s_title.Match(html);
        string text = WebUtility.HtmlDecode(s_whitespace.Replace(s_tags.Replace(html, " "), " ")).Trim();
        if (title.Success)
        {
            string titleText = WebUtility.HtmlDecode(s_whitespace.Replace(title.Groups[1].Value, " ")).Trim();
            if (titleText.Length > 0 && text.StartsWith(titleText, StringComparison.Ordinal))
            {
                text = text.Substring(titleText.Length).Trim();
            }

            text = text.Length == 0 ? titleText : $"{titleText}: {text}";
        }

        return Excerpt(text);
    }

    public static string Excerpt(string text)
    {
        string oneLine = s_whitespace.Replace(text, " ").Trim();
        if (oneLine.Length <= MaxExcerptLength)
        {
            return oneLine;
        }

        var builder = new StringBuilder(oneLine, 0, MaxExcerptLength, MaxExcerptLength + 1);
        return builder.Append('…').ToString();
    }

    /// <summary>One row of the failure table: which statuses (and, optionally, model and message) it covers.</summary>
    private sealed record FailureRule(Func<int, bool> Status, LaminiFailureKind Kind, string Summary, bool NeedsModel = false, Regex? Message = null);
}
