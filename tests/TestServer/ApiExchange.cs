using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace LaminiTestServer;

/// <summary>One API request being answered: its context, its record, and the ways to answer it.</summary>
internal sealed class ApiExchange(HttpContext context, RequestRecord record, ServerState state)
{
    public HttpRequest Request => context.Request;
    public HttpResponse Response => context.Response;
    public RequestRecord Record => record;

    /// <summary>Fires when the client goes away; every wait observes it.</summary>
    public CancellationToken Aborted => context.RequestAborted;

    /// <summary>
    /// Set when we cut the connection on purpose, so that is not mistaken for the client giving up.
    /// </summary>
    public bool AbortedByServer { get; private set; }

    public void Abort()
    {
        AbortedByServer = true;
        context.Abort();
    }

    /// <summary>
    /// Ends the connection mid-response, as a crashing upstream does. <see cref="Abort"/> would send
    /// a TCP reset, and a reset makes the client's kernel throw away events it has received but not
    /// yet read. So only our sending side is closed: the client reads every event sent, then finds
    /// the body cut short. The connection is aborted once the client hangs up (or after a while).
    /// </summary>
    public async Task CutAsync()
    {
        AbortedByServer = true;
        context.Features.GetRequiredFeature<IConnectionSocketFeature>().Socket.Shutdown(SocketShutdown.Send);
        await Task.Delay(TimeSpan.FromSeconds(10), Aborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        context.Abort();
    }

    /// <summary>
    /// Answers with exactly these bytes, written to the socket past Kestrel (which would refuse a
    /// malformed status line or Content-Length), then ends the connection as <see cref="CutAsync"/> does.
    /// </summary>
    public async Task WriteRawAsync(byte[] response)
    {
        await context.Features.GetRequiredFeature<IConnectionSocketFeature>().Socket.SendAsync(response, SocketFlags.None, Aborted);
        await CutAsync();
    }

    public void EventWriting() => state.EventWriting(record);

    public Task WriteAsync(int status, string contentType, string body) =>
        WriteAsync(status, contentType, Encoding.UTF8.GetBytes(body));

    public async Task WriteAsync(int status, string contentType, byte[] body)
    {
        Response.StatusCode = status;
        Response.ContentType = contentType;
        Response.ContentLength = body.Length;
        await Response.Body.WriteAsync(body, Aborted);
    }

    public Task WriteJsonAsync(int status, string json) => WriteAsync(status, "application/json", json);
}
