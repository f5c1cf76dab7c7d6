using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LaminiBench;

/// <summary>
/// The streaming floors: one streamed chat request, reporting the UTC ticks at which the first text
/// piece was in hand. <see cref="Socket"/> writes HTTP/1.1 by hand on a raw socket and scans the
/// bytes as they come; <see cref="HttpClientLines"/> uses HttpClient (ResponseHeadersRead) and a
/// StreamReader reading lines, as most C# clients do.
/// </summary>
public sealed class RawStreamReader : IDisposable
{
    private readonly HttpClient _http = new();
    private readonly Uri _uri;
    private readonly string _key;
    private readonly string _model;

    public RawStreamReader(Uri baseUri, string key, string model)
    {
        _uri = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/chat/completions");
        _key = key;
        _model = model;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public long Socket(string prompt) => SocketAsync(prompt).GetAwaiter().GetResult();

    public long HttpClientLines(string prompt) => HttpClientLinesAsync(prompt).GetAwaiter().GetResult();

    public void Dispose() => _http.Dispose();

    private async Task<long> SocketAsync(string prompt)
    {
        var body = ChatBody.For(_model, prompt, stream: true);
        var head = Encoding.ASCII.GetBytes(
            $"POST {_uri.PathAndQuery} HTTP/1.1\r\nHost: {_uri.Authority}\r\nAuthorization: Bearer {_key}\r\n" +
            $"Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");

        using var socket = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(_uri.Host, _uri.Port).ConfigureAwait(false);
        await socket.SendAsync(head.Concat(body).ToArray(), SocketFlags.None).ConfigureAwait(false);

        var received = new List<byte>(16 * 1024);
        var buffer = new byte[16 * 1024];
        long firstPiece = 0;
        var scanned = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, read));
            if (firstPiece == 0 && FirstPiece(received, ref scanned) is { Length: > 0 })
            {
                firstPiece = DateTime.UtcNow.Ticks;
            }
        }

        return firstPiece != 0 ? firstPiece : throw new InvalidDataException("The stream carried no text piece: " + Encoding.UTF8.GetString(received.ToArray()));
    }

    private async Task<long> HttpClientLinesAsync(string prompt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new ByteArrayContent(ChatBody.For(_model, prompt, stream: true)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync().ConfigureAwait(false), Encoding.UTF8);
        long firstPiece = 0;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (firstPiece != 0 || !line.StartsWith("data:", StringComparison.Ordinal) || line.Contains("[DONE]", StringComparison.Ordinal))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line[5..]);
            if (ChatBody.PieceOf(document.RootElement) is { Length: > 0 })
            {
                firstPiece = DateTime.UtcNow.Ticks;
            }
        }

        return firstPiece != 0 ? firstPiece : throw new InvalidDataException("The stream carried no text piece.");
    }

    /// <summary>
    /// The text of the first complete `data:` line (after the response head) whose chunk has
    /// choices[0].delta.content, or null while none has arrived. Chunked framing lines are skipped
    /// because they never start with "data:".
    /// </summary>
    private static string? FirstPiece(List<byte> received, ref int scanned)
    {
        var text = Encoding.UTF8.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return null;
        }

        var position = Math.Max(scanned, headEnd + 4);
        while (true)
        {
            var lineEnd = text.IndexOf('\n', position);
            if (lineEnd < 0)
            {
                scanned = position;
                return null;
            }

            var line = text[position..lineEnd].TrimEnd('\r');
            position = lineEnd + 1;
            if (!line.StartsWith("data:", StringComparison.Ordinal) || line.Contains("[DONE]", StringComparison.Ordinal))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line[5..]);
            if (ChatBody.PieceOf(document.RootElement) is { Length: > 0 } piece)
            {
                scanned = position;
                return piece;
            }
        }
    }
}
