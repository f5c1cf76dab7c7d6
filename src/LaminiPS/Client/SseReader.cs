using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace LaminiPS.Client;

/// <summary>
/// Reads server-sent events: LF or CRLF framing, several data lines joined with a newline,
/// comment lines (keep-alives) and other fields ignored, a last event without a blank line accepted.
/// </summary>
internal sealed class SseReader
{
    private readonly HttpResponseMessage _response;
    private readonly AttemptDeadline _deadline;
    private readonly long _limit;

    public SseReader(HttpResponseMessage response, AttemptDeadline deadline, long limit)
    {
        _response = response;
        _deadline = deadline;
        _limit = limit;
    }

    /// <summary>Calls <paramref name="onData"/> per event until it returns false or the stream ends.</summary>
    public async Task ReadAsync(Func<string, bool> onData)
    {
        using Stream stream = await _response.Content.ReadAsStreamAsync().ConfigureAwait(false);

        // ReadLineAsync takes no token on netstandard2.0; disposing the response ends a blocked read.
        using CancellationTokenRegistration abort = _deadline.Token.Register(_response.Dispose);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        bool hasData = false;
        long total = 0;
        while (true)
        {
            string? line = await reader.ReadLineAsync().ConfigureAwait(false);
            _deadline.Token.ThrowIfCancellationRequested();
            if (line is null)
            {
                break;
            }

            _deadline.Extend();
            total += line.Length + 1;
            if (total > _limit)
            {
                throw new LaminiApiException(LaminiFailureKind.ResponseTooLarge, $"The reply stream is larger than {_limit / (1024 * 1024)} MiB; stopped reading it.");
            }

            if (line.Length == 0)
            {
                if (hasData && !onData(data.ToString()))
                {
                    return;
                }

                data.Clear();
                hasData = false;
                continue;
            }

            string? value = DataFieldValue(line);
            if (value is null)
            {
                continue;
            }

            if (hasData)
            {
                data.Append('\n');
            }

            data.Append(value);
            hasData = true;
        }

        if (hasData)
        {
            onData(data.ToString());
        }
    }

    /// <summary>The value of a "data" field line, or null for comments and other fields.</summary>
    private static string? DataFieldValue(string line)
    {
        if (line == "data")
        {
            return string.Empty;
        }

        if (!line.StartsWith("data:", StringComparison.Ordinal))
        {
            return null;
        }

        // One space after the colon belongs to the framing, not to the value.
        return line.Length > 5 && line[5] == ' ' ? line.Substring(6) : line.Substring(5);
    }
}
