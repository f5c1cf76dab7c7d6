using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;

namespace LaminiPS.Client;

/// <summary>
/// When to try a request again and how long to wait first, following the official OpenAI clients:
/// transient statuses and transport faults are retried with capped exponential backoff and jitter,
/// and the server's own Retry-After wins when it is reasonable.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>Longest server-requested wait we honour; beyond it waiting unattended helps nobody.</summary>
    public static readonly TimeSpan MaximumServerDelay = TimeSpan.FromSeconds(120);

    /// <summary>Lamini's "model not found" lives in the 5xx range but will not heal by retrying.</summary>
    private const int LaminiModelNotFound = 594;

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

    /// <summary>The wait the server asked for (retry-after-ms, then Retry-After), or null.</summary>
    public static TimeSpan? ServerRequestedDelay(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var msValues)
            && double.TryParse(msValues.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
            && ms > 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (headers.TryGetValues("Retry-After", out var values))
        {
            string raw = values.FirstOrDefault()?.Trim() ?? string.Empty;
            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            {
                return seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
            }

            if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when))
            {
                TimeSpan wait = when - now;
                return wait > TimeSpan.Zero ? wait : null;
            }
        }

        return null;
    }

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
