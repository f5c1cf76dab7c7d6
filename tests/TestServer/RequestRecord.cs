using System.Globalization;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>
/// What the server saw of one API request and what it answered. Created and changed only under
/// <see cref="ServerState"/>'s lock, because a test may read the records while requests run.
/// </summary>
internal sealed class RequestRecord
{
    public required int Seq { get; init; }
    public required int Generation { get; init; }
    public required string Method { get; init; }
    public required string Path { get; init; }
    public required string Query { get; init; }
    public required Dictionary<string, string> Headers { get; init; }

    /// <summary>The TLS version of the connection (e.g. Tls12), or null over plain HTTP.</summary>
    public string? TlsProtocol { get; init; }

    public required string Body { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Kestrel's id of the TCP connection, so tests can tell a reused connection from a new one.</summary>
    public required string Connection { get; init; }

    public int? Behavior { get; set; }
    /// <summary>When the server began writing each stream event: after its delay, before its bytes went out.</summary>
    public List<DateTimeOffset> EventTimes { get; } = [];
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The status sent, or 0 when the connection ended before any response.</summary>
    public int Status { get; set; }

    /// <summary>The client went away before the answer was complete (a timeout or Ctrl+C).</summary>
    public bool ClientAborted { get; set; }

    public JsonObject ToJson() => new()
    {
        ["seq"] = Seq,
        ["method"] = Method,
        ["path"] = Path,
        ["query"] = Query,
        ["headers"] = new JsonObject(Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))),
        ["tlsProtocol"] = TlsProtocol,
        ["body"] = Body,
        ["receivedAt"] = Iso(ReceivedAt),
        ["connection"] = Connection,
        ["completedAt"] = CompletedAt is { } completed ? Iso(completed) : null,
        ["status"] = Status,
        ["clientAborted"] = ClientAborted,
        ["behavior"] = Behavior,
        ["eventTimes"] = new JsonArray([.. EventTimes.Select(t => (JsonNode?)Iso(t))]),
    };

    // Full tick precision: the benchmark measures sub-millisecond gaps from these times.
    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
