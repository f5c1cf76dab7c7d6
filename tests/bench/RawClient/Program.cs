// The floors LaminiPS is measured against by tests/bench/Invoke-Benchmark.ps1. Nothing here is
// tuned beyond what a competent C# programmer would write in a few lines.
//
//   RawClient loop   --uri <base> --key <key> --count <n> --warmup <n> [--model <id>] [--prefix <text>]
//       One HttpClient, n sequential POST <base>/chat/completions with the same JSON body LaminiPS
//       sends for a prompt "<prefix> <i>" (default prefix "Prompt"), each reply read and its content taken out with JsonDocument.
//       The warm-up requests (JIT, first connection) are not timed. Prints: ELAPSED_MS <ms> REPLIES <n>
//
//   RawClient stream --uri <base> --key <key> --prompt <text> --warm-prompt <text> --warmup <n> [--reader socket|httpclient]
//       socket (default): writes an HTTP/1.1 streaming chat request by hand on a raw socket, reads the
//       bytes as they come and takes the first text piece out of the first `data:` event that has one.
//       httpclient: the same with HttpClient (ResponseHeadersRead) and a StreamReader reading lines.
//       The warm-up streams use --warm-prompt (a scripted reply without delays) and are not reported.
//       Prints: FIRST_PIECE_TICKS <utc ticks> END_TICKS <utc ticks> BYTES <n>
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LaminiBench;

internal static class Program
{
    private const string DefaultModel = "meta-llama/Llama-3.2-3B-Instruct";

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: RawClient loop|stream --uri <base> --key <key> ...");
            return 2;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        var baseUri = options["uri"].TrimEnd('/');
        var key = options["key"];
        var model = options.GetValueOrDefault("model", DefaultModel);
        var warmup = int.Parse(options.GetValueOrDefault("warmup", "0"), CultureInfo.InvariantCulture);
        switch (args[0])
        {
            case "loop":
                var count = int.Parse(options["count"], CultureInfo.InvariantCulture);
                await LoopAsync(baseUri, key, model, count, warmup, options.GetValueOrDefault("prefix", "Prompt"));
                return 0;
            case "stream":
                await StreamAsync(new Uri(baseUri + "/chat/completions"), key, model, options["prompt"], options["warm-prompt"], warmup,
                    options.GetValueOrDefault("reader", "socket") == "httpclient");
                return 0;
            default:
                await Console.Error.WriteLineAsync($"unknown mode '{args[0]}'");
                return 2;
        }
    }

    /// <summary>The body LaminiPS sends for a bare prompt: model, then one user message.</summary>
    private static byte[] ChatBody(string model, string prompt, bool stream)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model);
            writer.WriteStartArray("messages");
            writer.WriteStartObject();
            writer.WriteString("role", "user");
            writer.WriteString("content", prompt);
            writer.WriteEndObject();
            writer.WriteEndArray();
            if (stream)
            {
                writer.WriteBoolean("stream", true);
                writer.WriteStartObject("stream_options");
                writer.WriteBoolean("include_usage", true);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task LoopAsync(string baseUri, string key, string model, int count, int warmup, string prefix)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var uri = new Uri(baseUri + "/chat/completions");

        for (var i = 1; i <= warmup; i++)
        {
            await ChatAsync(http, uri, model, "Warm-up " + i.ToString(CultureInfo.InvariantCulture));
        }

        var replies = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 1; i <= count; i++)
        {
            if (await ChatAsync(http, uri, model, prefix + " " + i.ToString(CultureInfo.InvariantCulture)) is not null)
            {
                replies++;
            }
        }

        stopwatch.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ELAPSED_MS {stopwatch.Elapsed.TotalMilliseconds:0.###} REPLIES {replies}"));
    }

    private static async Task<string?> ChatAsync(HttpClient http, Uri uri, string model, string prompt)
    {
        using var content = new ByteArrayContent(ChatBody(model, prompt, stream: false));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(uri, content);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
    }

    private static async Task StreamAsync(Uri uri, string key, string model, string prompt, string warmPrompt, int warmup, bool useHttpClient)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        for (var i = 0; i < warmup; i++)
        {
            _ = useHttpClient ? await HttpClientStreamOnceAsync(http, uri, model, warmPrompt) : await StreamOnceAsync(uri, key, model, warmPrompt);
        }

        var (first, end, bytes) = useHttpClient
            ? await HttpClientStreamOnceAsync(http, uri, model, prompt)
            : await StreamOnceAsync(uri, key, model, prompt);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FIRST_PIECE_TICKS {first} END_TICKS {end} BYTES {bytes}"));
    }

    /// <summary>One streamed request over a fresh socket; returns when the first piece and the end were seen.</summary>
    private static async Task<(long FirstPiece, long End, int Bytes)> StreamOnceAsync(Uri uri, string key, string model, string prompt)
    {
        var body = ChatBody(model, prompt, stream: true);
        var head = Encoding.ASCII.GetBytes(
            $"POST {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {key}\r\n" +
            $"Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(uri.Host, uri.Port);
        await socket.SendAsync(head.Concat(body).ToArray(), SocketFlags.None);

        var received = new List<byte>(16 * 1024);
        var buffer = new byte[16 * 1024];
        long firstPiece = 0;
        var scanned = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
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

        var end = DateTime.UtcNow.Ticks;
        if (firstPiece == 0)
        {
            throw new InvalidDataException("The stream carried no text piece: " + Encoding.UTF8.GetString(received.ToArray()));
        }

        return (firstPiece, end, received.Count);
    }

    /// <summary>One streamed request through HttpClient, read line by line as most C# clients do.</summary>
    private static async Task<(long FirstPiece, long End, int Bytes)> HttpClientStreamOnceAsync(HttpClient http, Uri uri, string model, string prompt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(ChatBody(model, prompt, stream: true)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        long firstPiece = 0;
        var chars = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            chars += line.Length + 1;
            if (firstPiece != 0 || !line.StartsWith("data:", StringComparison.Ordinal) || line.Contains("[DONE]", StringComparison.Ordinal))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line[5..]);
            if (PieceOf(document.RootElement) is { Length: > 0 })
            {
                firstPiece = DateTime.UtcNow.Ticks;
            }
        }

        var end = DateTime.UtcNow.Ticks;
        return firstPiece == 0 ? throw new InvalidDataException("The stream carried no text piece.") : (firstPiece, end, chars);
    }

    private static string? PieceOf(JsonElement chunk) =>
        chunk.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
            ? content.GetString()
            : null;

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
            if (PieceOf(document.RootElement) is { Length: > 0 } piece)
            {
                scanned = position;
                return piece;
            }
        }
    }
}
