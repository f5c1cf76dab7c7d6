using Microsoft.AspNetCore.Connections.Features;
using System.Text.Json.Nodes;

namespace LaminiTestServer;

/// <summary>
/// The scripted behaviours, the request records and the counters. Tests run 20+ requests at once,
/// so one lock guards it all; the work done under it is tiny.
/// </summary>
internal sealed class ServerState
{
    private readonly Lock _lock = new();
    private readonly List<Slot> _behaviors = [];
    private readonly List<RequestRecord> _records = [];
    private int _inFlight;
    private int _maxInFlight;

    // Bumped by Reset, so requests that outlive a reset cannot skew the new counters.
    private int _generation;

    /// <summary>Appends the behaviours; returns their indexes, as request records will name them.</summary>
    public List<int> AddBehaviors(IEnumerable<Behavior> behaviors)
    {
        lock (_lock)
        {
            var indexes = new List<int>();
            foreach (var behavior in behaviors)
            {
                indexes.Add(_behaviors.Count);
                _behaviors.Add(new Slot(behavior));
            }

            return indexes;
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _behaviors.Clear();
            _records.Clear();
            _inFlight = 0;
            _maxInFlight = 0;
            _generation++;
        }
    }

    public RequestRecord BeginRequest(HttpRequest request, string body, DateTimeOffset receivedAt)
    {
        lock (_lock)
        {
            var record = new RequestRecord
            {
                Seq = _records.Count + 1,
                Generation = _generation,
                Method = request.Method,
                Path = request.Path.Value ?? "",
                Query = request.QueryString.Value ?? "",
                Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                TlsProtocol = request.HttpContext.Features.Get<ITlsHandshakeFeature>()?.Protocol.ToString(),
                Body = body,
                ReceivedAt = receivedAt,
                Connection = request.HttpContext.Connection.Id,
            };
            _records.Add(record);
            _maxInFlight = Math.Max(_maxInFlight, ++_inFlight);
            return record;
        }
    }

    /// <summary>
    /// Takes one use of the first behaviour that matches and has uses left. An unauthorized request
    /// may only take a <c>skipAuth</c> one: the others apply after the auth check.
    /// </summary>
    public Behavior? TakeBehavior(RequestRecord record, bool authorized)
    {
        lock (_lock)
        {
            var index = _behaviors.FindIndex(s => s.UsesLeft != 0
                && (authorized || s.Behavior.SkipAuth)
                && s.Behavior.Matches(record.Path, record.Body));
            if (index < 0)
            {
                return null;
            }

            var slot = _behaviors[index];
            if (slot.UsesLeft > 0)
            {
                slot.UsesLeft--;
            }

            record.Behavior = index;
            return slot.Behavior;
        }
    }

    public void EventWriting(RequestRecord record)
    {
        lock (_lock)
        {
            record.EventTimes.Add(DateTimeOffset.UtcNow);
        }
    }

    public void EndRequest(RequestRecord record, int status, bool clientAborted)
    {
        lock (_lock)
        {
            record.CompletedAt = DateTimeOffset.UtcNow;
            record.Status = status;
            record.ClientAborted = clientAborted;
            if (record.Generation == _generation)
            {
                _inFlight--;
            }
        }
    }

    public JsonArray RequestsJson()
    {
        lock (_lock)
        {
            return [.. _records.Select(r => (JsonNode)r.ToJson())];
        }
    }

    public JsonObject StatsJson()
    {
        lock (_lock)
        {
            return new JsonObject { ["total"] = _records.Count, ["inFlight"] = _inFlight, ["maxInFlight"] = _maxInFlight };
        }
    }

    private sealed class Slot(Behavior behavior)
    {
        public Behavior Behavior { get; } = behavior;

        /// <summary>Uses remaining; -1 means unlimited.</summary>
        public int UsesLeft { get; set; } = behavior.Times;
    }
}
