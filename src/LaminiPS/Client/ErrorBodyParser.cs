using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LaminiPS.Client;

/// <summary>
/// Pulls the human-readable message out of an error body in any dialect the service (or a gateway
/// in front of it) uses: OpenAI nested, vLLM flat, LiteLLM, FastAPI detail, plain text or HTML.
/// </summary>
internal static class ErrorBodyParser
{
    private const int MaxExcerptLength = 300;

    private static readonly Regex s_tags = new("<(script|style|title)[^>]*>.*?</\\1>|<[^>]+>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static readonly Regex s_title = new("<title[^>]*>(.*?)</title>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static readonly Regex s_whitespace = new("\\s+", RegexOptions.Compiled);

    public static string? ExtractMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        string trimmed = body!.Trim();
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
                JsonValueKind.Array => string.Join("; ", detail.EnumerateArray().Select(FormatValidationItem)),
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
}
