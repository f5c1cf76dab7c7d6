using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// Reads server-sent events: LF or CRLF framing, several data lines joined with a newline,
/// comment lines (keep-alives) and other fields ignored, a last event without a blank line accepted.
/// </summary>
internal sealed class SseReader
{
    private static readonly string[] s_lineEnds = { "\r\n", "\r", "\n" };

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

        // Every read gets the deadline's token: on .NET, disposing the response does not end a
        // blocked read (it drains the connection first, until the next bytes or a 2 s drain timeout),
        // so an idle timeout or Ctrl+C would otherwise wait for the server. .NET Framework ignores
        // the token on reads; there, disposing the response ends a blocked read.
        using CancellationTokenRegistration abort = _deadline.Token.Register(_response.Dispose);
        using var reader = new LineReader(stream, _limit);
        var events = new EventBuilder();
        long total = 0;
        while (true)
        {
            string? line = await reader.ReadLineAsync(_deadline.Token).ConfigureAwait(false);
            _deadline.Token.ThrowIfCancellationRequested();
            if (line is null)
            {
                break;
            }

            _deadline.Extend();
            total += line.Length + 1;
            if (total > _limit)
            {
                throw TooLarge(_limit);
            }

            if (events.Add(line) is string data && !onData(data))
            {
                return;
            }
        }

        if (events.Finish() is string last)
        {
            onData(last);
        }
    }

    /// <summary>The data of each event in a body already read whole, e.g. an error answered in SSE framing.</summary>
    public static IEnumerable<string> EventsIn(string body)
    {
        var events = new EventBuilder();
        foreach (string line in body.Split(s_lineEnds, StringSplitOptions.None))
        {
            if (events.Add(line) is string data)
            {
                yield return data;
            }
        }

        if (events.Finish() is string last)
        {
            yield return last;
        }
    }

    /// <summary>3 when the bytes start with UTF-8's byte order mark, which some gateways put before a body; else 0.</summary>
    internal static int ByteOrderMarkLength(byte[] bytes, int offset, int count) =>
        count >= 3 && bytes[offset] == 0xEF && bytes[offset + 1] == 0xBB && bytes[offset + 2] == 0xBF ? 3 : 0;

    private static LaminiApiException TooLarge(long limit) =>
        new(LaminiFailureKind.ResponseTooLarge, $"The reply stream is larger than {limit / (1024 * 1024)} MiB; stopped reading it.");

    /// <summary>Gathers the data lines of each event; a blank line ends an event.</summary>
    private sealed class EventBuilder
    {
        private readonly StringBuilder _data = new();
        private bool _hasData;

        /// <summary>Takes one line; returns the event's data when the line ends an event that has some.</summary>
        public string? Add(string line)
        {
            if (line.Length == 0)
            {
                return Finish();
            }

            if (DataFieldValue(line) is string value)
            {
                if (_hasData)
                {
                    _data.Append('\n');
                }

                _data.Append(value);
                _hasData = true;
            }

            return null;
        }

        /// <summary>The data of the event in progress, if any; the builder starts afresh.</summary>
        public string? Finish()
        {
            string? data = _hasData ? _data.ToString() : null;
            _data.Clear();
            _hasData = false;
            return data;
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

    /// <summary>
    /// Splits UTF-8 bytes into lines ending in LF, CRLF or CR, passing a token to every read. A
    /// leading byte order mark is dropped, as the SSE format asks; a last line without an end is kept.
    /// </summary>
    private sealed class LineReader : IDisposable
    {
        private readonly Stream _stream;
        private readonly long _limit;
        private readonly byte[] _buffer = new byte[8192];
        private readonly MemoryStream _line = new();
        private int _position;
        private int _length;
        private bool _skipLineFeed;
        private bool _first = true;

        public LineReader(Stream stream, long limit)
        {
            _stream = stream;
            _limit = limit;
        }

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                while (_position < _length)
                {
                    byte b = _buffer[_position++];
                    if (_skipLineFeed)
                    {
                        _skipLineFeed = false;
                        if (b == (byte)'\n')
                        {
                            continue;
                        }
                    }

                    if (b == (byte)'\n' || b == (byte)'\r')
                    {
                        _skipLineFeed = b == (byte)'\r';
                        return TakeLine();
                    }

                    if (_line.Length >= _limit)
                    {
                        throw TooLarge(_limit);
                    }

                    _line.WriteByte(b);
                }

                _position = 0;
                _length = await _stream.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
                if (_length == 0)
                {
                    return _line.Length > 0 ? TakeLine() : null;
                }
            }
        }

        public void Dispose() => _line.Dispose();

        private string TakeLine()
        {
            byte[] bytes = _line.GetBuffer();
            int start = 0;
            if (_first)
            {
                start = ByteOrderMarkLength(bytes, 0, (int)_line.Length);
            }

            _first = false;
            string line = Encoding.UTF8.GetString(bytes, start, (int)_line.Length - start);
            _line.SetLength(0);
            return line;
        }
    }
}
