using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>
/// An HTTP proxy on its own loopback port that asks for Basic credentials (407 with
/// <c>Proxy-Authenticate: Basic</c>) and records every request it is sent: plain HTTP forwarding
/// (absolute-form request lines) and CONNECT tunnels, to loopback targets only.
/// <c>GET /_admin/proxy</c> answers <c>{"url", "attempts": [{method, target, scheme, user, accepted}]}</c>;
/// <c>POST /_admin/proxy</c> with <c>{"user", "password"}</c> sets the login it asks for (no user:
/// none) and forgets the attempts.
/// </summary>
internal sealed class AuthenticatingProxy : IDisposable
{
    private const int MaximumHeadBytes = 64 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Lock _lock = new();
    private readonly List<JsonObject> _attempts = [];
    private string? _user;
    private string? _password;

    public AuthenticatingProxy()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public async Task HandleAdminAsync(HttpContext context)
    {
        if (context.Request.Method == "POST")
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            lock (_lock)
            {
                _user = document.RootElement.TryGetProperty("user", out var user) ? user.GetString() : null;
                _password = document.RootElement.TryGetProperty("password", out var password) ? password.GetString() : null;
                _attempts.Clear();
            }
        }

        JsonObject answer;
        lock (_lock)
        {
            answer = new JsonObject
            {
                ["url"] = Url.AbsoluteUri,
                ["attempts"] = new JsonArray([.. _attempts.Select(a => (JsonNode)a.DeepClone())]),
            };
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Json.Text(answer), context.RequestAborted);
    }

    public void Dispose() => _listener.Stop();

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    /// <summary>Answers requests on one client connection until it closes or becomes a tunnel or forward.</summary>
    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (await ReadHeadAsync(stream) is { } head)
                {
                    var body = await ReadBodyAsync(stream, head);
                    if (!Authorize(head))
                    {
                        await WriteAsync(stream, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"LaminiPS test proxy\"\r\nContent-Length: 0\r\n\r\n");
                        continue;
                    }

                    await (head.Method == "CONNECT" ? TunnelAsync(stream, head) : ForwardAsync(stream, head, body));
                    return;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
            {
                // A client that goes away or speaks nonsense ends only its own connection.
            }
        }
    }

    private bool Authorize(RequestHead head)
    {
        var (scheme, user, password) = Credentials(head.Header("Proxy-Authorization"));
        lock (_lock)
        {
            var accepted = _user is null || (scheme == "Basic" && user == _user && password == _password);
            _attempts.Add(new JsonObject
            {
                ["method"] = head.Method,
                ["target"] = head.Target,
                ["scheme"] = scheme,
                ["user"] = user,
                ["accepted"] = accepted,
            });
            return accepted;
        }
    }

    private static (string? Scheme, string? User, string? Password) Credentials(string? authorization)
    {
        if (authorization is null)
        {
            return (null, null, null);
        }

        var parts = authorization.Split(' ', 2, StringSplitOptions.TrimEntries);
        if (parts[0] != "Basic" || parts.Length < 2)
        {
            return (parts[0], null, null);
        }

        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1])).Split(':', 2);
            return ("Basic", pair[0], pair.Length > 1 ? pair[1] : null);
        }
        catch (FormatException)
        {
            return ("Basic", null, null);
        }
    }

    private static async Task TunnelAsync(NetworkStream client, RequestHead head)
    {
        using var origin = await ConnectLoopbackAsync(client, head.Target);
        if (origin is null)
        {
            return;
        }

        await WriteAsync(client, "HTTP/1.1 200 Connection established\r\n\r\n");
        var upstream = origin.GetStream();
        await Task.WhenAny(client.CopyToAsync(upstream), upstream.CopyToAsync(client));
    }

    /// <summary>Sends the request on to the origin with <c>Connection: close</c>, then relays the answer until the origin closes.</summary>
    private static async Task ForwardAsync(NetworkStream client, RequestHead head, byte[] body)
    {
        if (!Uri.TryCreate(head.Target, UriKind.Absolute, out var target) || target.Scheme != Uri.UriSchemeHttp)
        {
            await WriteAsync(client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }

        using var origin = await ConnectLoopbackAsync(client, target.Authority);
        if (origin is null)
        {
            return;
        }

        var request = new StringBuilder($"{head.Method} {target.PathAndQuery} HTTP/1.1\r\n");
        foreach (var (name, value) in head.Headers.Where(h => !h.Name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)
            && !h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase)))
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        request.Append("Connection: close\r\n\r\n");
        var upstream = origin.GetStream();
        await WriteAsync(upstream, request.ToString());
        await upstream.WriteAsync(body);
        await upstream.CopyToAsync(client);
    }

    /// <summary>Connects to a loopback host:port, or answers 403 (any other host) or 502 (nobody listening) and returns null.</summary>
    private static async Task<TcpClient?> ConnectLoopbackAsync(NetworkStream client, string authority)
    {
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(authority.AsSpan(colon + 1), out var port)
            || !IPAddress.TryParse(authority[..colon].Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address))
        {
            await WriteAsync(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return null;
        }

        var origin = new TcpClient(address.AddressFamily);
        try
        {
            await origin.ConnectAsync(address, port);
            return origin;
        }
        catch (SocketException)
        {
            origin.Dispose();
            await WriteAsync(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return null;
        }
    }

    /// <summary>
    /// Reads a request line and headers byte by byte, so nothing after them is consumed: a tunnel's
    /// first bytes must reach the origin untouched. Null when the client closed the connection.
    /// </summary>
    private static async Task<RequestHead?> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return bytes.Count == 0 ? null : throw new InvalidDataException("The connection closed mid-request.");
            }

            bytes.Add(one[0]);
            if (bytes.Count > MaximumHeadBytes)
            {
                throw new InvalidDataException("The request head is too long.");
            }
        }

        var lines = Encoding.ASCII.GetString([.. bytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3)
        {
            throw new InvalidDataException("The request line is malformed.");
        }

        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .Select(pair => (Name: pair[0].Trim(), Value: pair[1].Trim()))
            .ToList();
        return new RequestHead(requestLine[0], requestLine[1], headers);
    }

    private static async Task<byte[]> ReadBodyAsync(NetworkStream stream, RequestHead head)
    {
        if (head.Header("Transfer-Encoding") is not null)
        {
            throw new InvalidDataException("Chunked request bodies are not supported by the test proxy.");
        }

        var body = new byte[int.TryParse(head.Header("Content-Length"), out var length) ? length : 0];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    private sealed record RequestHead(string Method, string Target, List<(string Name, string Value)> Headers)
    {
        public string? Header(string name) =>
            Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
    }
}
