using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace LaminiPS.Client;

/// <summary>
/// When to try a request again and how long to wait first, following the official OpenAI clients:
/// transient statuses and transport faults are retried with capped exponential backoff and jitter,
/// and the server's own Retry-After wins when it is reasonable.
/// </summary>
internal sealed class RetryPolicy
{
    /// <summary>Longest server-requested wait we honour; beyond it waiting unattended helps nobody.</summary>
    public static readonly TimeSpan MaximumServerDelay = TimeSpan.FromSeconds(120);

    /// <summary>Lamini's "model not found" lives in the 5xx range but will not heal by retrying.</summary>
    private const int LaminiModelNotFound = 594;

    /// <summary>A positive decimal number with no negative exponent: if double cannot hold it, it is too large.</summary>
    private static readonly Regex s_hugeNumber = new(@"\A\s*\+?(?:\d+\.?\d*|\.\d+)(?:[eE]\+?\d+)?\s*\z", RegexOptions.CultureInvariant);

    private readonly Random _jitter = new();

    public RetryPolicy(int maximumRetryCount, TimeSpan baseInterval)
    {
        MaximumRetryCount = maximumRetryCount;
        BaseInterval = baseInterval;
    }

    public int MaximumRetryCount { get; }

    public TimeSpan BaseInterval { get; }

    public static bool IsRetryableStatus(int statusCode) =>
        statusCode is 408 or 409 or 429 || (statusCode >= 500 && statusCode != LaminiModelNotFound);

    /// <summary>The x-should-retry header, when the server sent a valid one, overrides the status rules.</summary>
    public static bool ShouldRetry(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("x-should-retry", out var values))
        {
            string value = values.FirstOrDefault()?.Trim() ?? string.Empty;
            if (string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return IsRetryableStatus((int)response.StatusCode);
    }

    /// <summary>
    /// The wait the server asked for in seconds (retry-after-ms, then Retry-After as seconds or an
    /// HTTP date), or null when it asked for none or for something that is no wait. The header is
    /// the server's: any size or shape must come back as a number, never as an exception, so the
    /// result may be far beyond what a TimeSpan holds (even infinite).
    /// </summary>
    public static double? ServerRequestedDelaySeconds(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var msValues)
            && TryParseNumber(msValues.FirstOrDefault(), out double ms)
            && ms > 0)
        {
            return ms / 1000;
        }

        if (headers.TryGetValues("Retry-After", out var values))
        {
            string raw = values.FirstOrDefault()?.Trim() ?? string.Empty;
            if (TryParseNumber(raw, out double seconds))
            {
                return seconds > 0 ? seconds : null;
            }

            if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when))
            {
                double wait = (when - now).TotalSeconds;
                return wait > 0 ? wait : null;
            }
        }

        return null;
    }

    /// <summary>
    /// A decimal number of any size. .NET Framework refuses one beyond double's range ("1e400")
    /// where .NET reads it as infinity; reading it as infinity everywhere keeps the editions alike.
    /// </summary>
    private static bool TryParseNumber(string? text, out double value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        value = double.PositiveInfinity;
        return text is not null && s_hugeNumber.IsMatch(text);
    }

    /// <summary>A requested wait for a message: whole seconds, or powers of ten when absurdly long.</summary>
    public static string DescribeSeconds(double seconds) =>
        seconds < 1e9 ? seconds.ToString("0", CultureInfo.InvariantCulture) : seconds.ToString("0.#E+0", CultureInfo.InvariantCulture);

    /// <summary>min(base * 2^n, 16 * base), less up to 25 % jitter so clients do not retry in lockstep.</summary>
    public TimeSpan Backoff(int retryNumber)
    {
        double baseSeconds = BaseInterval.TotalSeconds;
        double seconds = Math.Min(baseSeconds * Math.Pow(2, retryNumber), baseSeconds * 16);
        double jitter;
        lock (_jitter)
        {
            jitter = _jitter.NextDouble() * 0.25;
        }

        return TimeSpan.FromSeconds(seconds * (1 - jitter));
    }
}
