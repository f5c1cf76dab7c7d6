namespace LaminiTestServer;

/// <summary>One server-sent event as the bytes to write, and how long to wait before it.</summary>
internal readonly record struct SseFrame(string Text, int? DelayMs)
{
    /// <summary>A <c>data:</c> event; a multi-line text becomes one <c>data:</c> line per line.</summary>
    public static SseFrame Data(string data, int? delayMs = null) =>
        new(string.Concat(data.Split('\n').Select(line => $"data: {line}\n")) + "\n", delayMs);
}

internal static class SseWriter
{
    // What vLLM (Starlette) sends; clients must compare the media type, not the whole header.
    public const string ContentType = "text/event-stream; charset=utf-8";

    /// <summary>
    /// Sends the headers at once, then each frame after its delay, flushing every one so clients see
    /// them arrive over time. With <paramref name="cutAfter"/>, the connection is cut after that many
    /// frames, as when a server dies mid-stream.
    /// </summary>
    public static async Task WriteAsync(
        ApiExchange exchange, int status, string contentType, IEnumerable<SseFrame> frames, int? eventDelayMs, int? cutAfter)
    {
        var response = exchange.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        await response.StartAsync(exchange.Aborted);
        await response.Body.FlushAsync(exchange.Aborted);

        foreach (var frame in frames.Take(cutAfter ?? int.MaxValue))
        {
            if ((frame.DelayMs ?? eventDelayMs) is int delay and > 0)
            {
                await Task.Delay(delay, exchange.Aborted);
            }

            // Stamped before the bytes go out, so a reader's latency counts from one instant for every
            // client: stamped after the flush, a reader in the same process could see the event "before" it.
            exchange.EventWriting();
            await response.WriteAsync(frame.Text, exchange.Aborted);
            await response.Body.FlushAsync(exchange.Aborted);
        }

        if (cutAfter is not null)
        {
            await exchange.CutAsync();
        }
    }
}
