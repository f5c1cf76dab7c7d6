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

        // Every read gets the deadline's token: on .NET, disposing the response does not end a
        // blocked read (it drains the connection first, until the next bytes or a 2 s drain timeout),
        // so an idle timeout or Ctrl+C would otherwise wait for the server. .NET Framework ignores
        // the token on reads; there, disposing the response ends a blocked read.
        using CancellationTokenRegistration abort = _deadline.Token.Register(_response.Dispose);
        using var reader = new LineReader(stream, _limit);
        var data = new StringBuilder();
        bool hasData = false;
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

    private static LaminiApiException TooLarge(long limit) =>
        new(LaminiFailureKind.ResponseTooLarge, $"The reply stream is larger than {limit / (1024 * 1024)} MiB; stopped reading it.");

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
            if (_first && _line.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            {
                start = 3;
            }

            _first = false;
            string line = Encoding.UTF8.GetString(bytes, start, (int)_line.Length - start);
            _line.SetLength(0);
            return line;
        }
    }
}
