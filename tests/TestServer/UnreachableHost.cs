using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>
/// A loopback address that never accepts a connection, as a host behind a firewall that drops
/// packets: a socket listens with a backlog of 0 and its one queue place is taken by a connection
/// nobody accepts. Linux then drops every further SYN, so a client waits for its own connect
/// timeout. Made on first use (<c>GET /_admin/unreachable</c> answers <c>{"url": ...}</c>) and kept
/// for the life of the server.
/// </summary>
internal sealed class UnreachableHost : IDisposable
{
    private static readonly TimeSpan s_probeWait = TimeSpan.FromMilliseconds(500);

    private readonly Lazy<Task<Uri>> _url;
    private readonly List<Socket> _sockets = [];

    public UnreachableHost() => _url = new Lazy<Task<Uri>>(OpenAsync);

    public async Task HandleAdminAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        try
        {
            var url = await _url.Value;
            await context.Response.WriteAsync(Json.Text(new JsonObject { ["url"] = url.AbsoluteUri }), context.RequestAborted);
        }
        catch (InvalidOperationException e)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync(Json.OpenAiError(e.Message, "server_error", "test_server"), context.RequestAborted);
        }
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }

    private async Task<Uri> OpenAsync()
    {
        var listener = Track(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;

        // The connection that fills the queue completes its handshake and is never accepted.
        await Track(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ConnectAsync(endPoint);

        // Prove the queue is full: a further attempt must neither connect nor be refused.
        var probe = Track(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        var attempt = probe.ConnectAsync(endPoint);
        if (await Task.WhenAny(attempt, Task.Delay(s_probeWait)) == attempt)
        {
            await attempt.ContinueWith(_ => { }, TaskScheduler.Default);
            throw new InvalidOperationException(
                "This system does not drop connection attempts to a full accept queue (the probe "
                + (attempt.IsCompletedSuccessfully ? "connected" : "was refused") + "), so no unreachable address can be made here.");
        }

        // The probe's SYNs keep being dropped until the system gives up on it, minutes later.
        _ = attempt.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        return new Uri($"http://127.0.0.1:{endPoint.Port}/");
    }

    private Socket Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        return socket;
    }
}
