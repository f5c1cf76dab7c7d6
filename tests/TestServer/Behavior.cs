using System.Text.Json;

namespace LaminiTestServer;

/// <summary>
/// One scripted answer, as posted to /_admin/behaviors (camelCase JSON, every field optional).
/// <see cref="ApiHandler"/> applies the fields in order: delay, drop, headers, then the body.
/// </summary>
internal sealed class Behavior
{
    // Which requests it applies to. The first behaviour (in posting order) that matches and has
    // uses left takes the request; without skipAuth it only sees requests with the right key.
    public string? Match { get; init; }      // ordinal substring of the raw request body
    public string? Path { get; init; }       // ordinal substring of the request path
    public int Times { get; init; } = 1;     // uses; -1 = unlimited
    public bool SkipAuth { get; init; }

    // How it answers.
    public int DelayMs { get; init; }        // before anything else; ends early if the client gives up
    public bool Drop { get; init; }          // after the delay, abort the connection without a response
    public string? RawResponse { get; init; } // after the delay, these bytes (UTF-8) as the whole response, framing
                                              // included, then the connection ends: for answers Kestrel would refuse
    public int? Status { get; init; }        // default 200; another status with no body sends an empty one
    public Dictionary<string, JsonElement>? Headers { get; init; }
    public string? ContentType { get; init; } // default application/json, or text/event-stream for sse

    // The body: at most one of these. None (with status 200) means the route's default reply.
    public JsonElement? Body { get; init; }  // any JSON value
    public string? RawBody { get; init; }    // sent as is: HTML, plain text, broken JSON, ""
    public string? Fixture { get; init; }    // a file of the fixtures directory, sent as is
    public string? ErrorFixture { get; init; } // a key of errors.json
    public string? Content { get; init; }    // the default chat reply, with this assistant content
    public IReadOnlyList<SseItem>? Sse { get; init; }
    public string? SseFixture { get; init; } // a .sse fixture, sent event by event

    // Adjustments to the default chat reply.
    public string? FinishReason { get; init; }
    public string? ReasoningContent { get; init; }
    public IReadOnlyList<ScriptedToolCall>? ToolCalls { get; init; } // the reply asks for these calls (see ScriptedToolCalls.cs)

    // Adjustments to whichever event stream is sent (scripted or the default streamed reply).
    public int? SseEventDelayMs { get; init; } // before each event that has no delayMs of its own
    public int? CutAfter { get; init; }      // cut the connection after this many events

    public bool IsStream => Sse is not null || SseFixture is not null;

    public bool Matches(string path, string body) =>
        (Match is null || body.Contains(Match, StringComparison.Ordinal))
        && (Path is null || path.Contains(Path, StringComparison.Ordinal));

    /// <summary>
    /// Why this behaviour cannot work, or null. Checked when it is posted, so a typo fails the test
    /// that scripted it instead of some later request.
    /// </summary>
    public string? Problem(Fixtures fixtures)
    {
        object?[] bodies = [Body, RawBody, Fixture, ErrorFixture, Content, Sse, SseFixture];
        return bodies.Count(b => b is not null) > 1
                ? "give at most one of body, rawBody, fixture, errorFixture, content, sse, sseFixture"
            : RawResponse is not null && (bodies.Any(b => b is not null) || Status is not null || Headers is not null || ContentType is not null || Drop)
                ? "rawResponse is the whole answer: give no status, headers, contentType, body or drop with it"
            : Fixture is not null && !fixtures.HasFile(Fixture) ? $"no fixture file '{Fixture}'"
            : SseFixture is not null && !fixtures.HasFile(SseFixture) ? $"no fixture file '{SseFixture}'"
            : ErrorFixture is not null && !fixtures.HasError(ErrorFixture) ? $"no errors.json entry '{ErrorFixture}'"
            : Sse?.Any(e => (e.Data is null) == (e.Raw is null)) == true ? "each sse event needs exactly one of data, raw"
            : ToolCalls is not null && (bodies.Count(b => b is not null) - (Content is null ? 0 : 1)) > 0
                ? "toolCalls adjust the default reply: give no body, rawBody, fixture, errorFixture, sse or sseFixture with them"
            : ToolCalls?.Any(c => string.IsNullOrEmpty(c.Name)) == true ? "each tool call needs a name"
            : Times < -1 ? "times must be -1 (unlimited) or more"
            : Status is < 100 or > 999 ? "status must be 100-999"
            : DelayMs < 0 || SseEventDelayMs < 0 || CutAfter < 0 || Sse?.Any(e => e.DelayMs < 0) == true
                ? "delays and cutAfter cannot be negative"
            : null;
    }

    /// <summary>The events of an <c>sse</c> or <c>sseFixture</c> body, ready to write.</summary>
    public IReadOnlyList<SseFrame> Frames(Fixtures fixtures) =>
        Sse is not null
            ? [.. Sse.Select(e => e.Data is not null ? SseFrame.Data(e.Data, e.DelayMs) : new SseFrame(e.Raw!, e.DelayMs))]
            : [.. fixtures.SseEvents(SseFixture!).Select(text => new SseFrame(text, null))];
}

/// <summary>One event of a scripted stream: <c>data</c> to frame, or <c>raw</c> text sent as is.</summary>
internal sealed class SseItem
{
    public string? Data { get; init; }
    public string? Raw { get; init; }
    public int? DelayMs { get; init; }
}
