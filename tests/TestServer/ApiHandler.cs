using System.Text;
using System.Text.Json;

namespace LaminiTestServer;

/// <summary>
/// Answers every request outside /_admin. The API routes exist at the root and under /inf, the
/// prefix of Lamini's base URL, so tests can check how clients join paths. A scripted behaviour
/// answers when one matches; otherwise auth is checked and the route gives its default reply.
/// </summary>
internal sealed class ApiHandler(ServerState state, Fixtures fixtures, string apiKey)
{
    private const string JsonContentType = "application/json";
    private readonly string _expectedAuthorization = "Bearer " + apiKey;

    public async Task HandleAsync(HttpContext context)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var exchange = new ApiExchange(context, state.BeginRequest(context.Request, body, receivedAt), state);
        var clientAborted = false;
        try
        {
            await RespondAsync(exchange);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested && !exchange.AbortedByServer)
        {
            // The client gave up (its timeout, or Ctrl+C): nobody is left to answer.
            clientAborted = true;
        }
        finally
        {
            var nothingSent = !context.Response.HasStarted && (clientAborted || exchange.AbortedByServer);
            state.EndRequest(exchange.Record, nothingSent ? 0 : context.Response.StatusCode, clientAborted);
        }
    }

    private async Task RespondAsync(ApiExchange exchange)
    {
        var authorized = exchange.Request.Headers.Authorization == _expectedAuthorization;
        var behavior = state.TakeBehavior(exchange.Record, authorized);
        if (behavior is not null)
        {
            await ApplyAsync(exchange, behavior);
        }
        else if (!authorized)
        {
            await exchange.WriteJsonAsync(401, fixtures.Error("openai_nested_401"));
        }
        else
        {
            await DefaultReplyAsync(exchange, null);
        }
    }

    private async Task ApplyAsync(ApiExchange exchange, Behavior behavior)
    {
        if (behavior.DelayMs > 0)
        {
            await Task.Delay(behavior.DelayMs, exchange.Aborted);
        }

        if (behavior.Drop)
        {
            exchange.Abort();
            return;
        }

        if (behavior.RawResponse is { } raw)
        {
            await exchange.WriteRawAsync(Encoding.UTF8.GetBytes(raw));
            return;
        }

        foreach (var (name, value) in behavior.Headers ?? [])
        {
            // Numbers are accepted too: a test may well write 'Retry-After' = 2.
            exchange.Response.Headers[name] = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
        }

        var status = behavior.Status ?? 200;
        if (behavior.IsStream)
        {
            await SseWriter.WriteAsync(exchange, status, behavior.ContentType ?? SseWriter.ContentType,
                behavior.Frames(fixtures), behavior.SseEventDelayMs, behavior.CutAfter);
        }
        else if (ScriptedBody(behavior) is { } body)
        {
            await exchange.WriteAsync(status, behavior.ContentType ?? JsonContentType, body);
        }
        else if (status != 200 && behavior.Content is null)
        {
            // A bare status (with any scripted headers) and an empty body.
            exchange.Response.StatusCode = status;
        }
        else
        {
            await DefaultReplyAsync(exchange, behavior);
        }
    }

    private byte[]? ScriptedBody(Behavior behavior) =>
        behavior.Body is { } json ? Encoding.UTF8.GetBytes(json.GetRawText())
        : behavior.RawBody is { } raw ? Encoding.UTF8.GetBytes(raw)
        : behavior.Fixture is { } file ? fixtures.FileBytes(file)
        : behavior.ErrorFixture is { } key ? Encoding.UTF8.GetBytes(fixtures.Error(key))
        : null;

    private Task DefaultReplyAsync(ApiExchange exchange, Behavior? behavior)
    {
        var request = exchange.Request;
        var route = WithoutFreshPrefix(request.Path);
        route = route.StartsWithSegments("/inf", StringComparison.Ordinal, out var rest) ? rest : route;
        var status = behavior?.Status ?? 200;
        return (request.Method, route.Value) switch
        {
            ("GET", "/models") => exchange.WriteAsync(status, JsonContentType, fixtures.FileBytes(Fixtures.Models)),
            ("POST", "/chat/completions") => ChatAsync(exchange, status, behavior),
            (_, "/models" or "/chat/completions") => exchange.WriteJsonAsync(405, Json.OpenAiError(
                $"Method {request.Method} is not allowed on {request.Path}.", "invalid_request_error", "method_not_allowed")),
            _ => exchange.WriteJsonAsync(404, Json.OpenAiError(
                $"No route for {request.Method} {request.Path}.", "invalid_request_error", "not_found")),
        };
    }

    /// <summary>
    /// The path without a leading /_fresh/{name}: such a base URI reaches the same API under an address no
    /// other test used, so a client that caches per base URI (tab completion) starts empty.
    /// </summary>
    private static PathString WithoutFreshPrefix(PathString path)
    {
        if (!path.StartsWithSegments("/_fresh", StringComparison.Ordinal, out var rest) || !rest.HasValue)
        {
            return path;
        }

        int nameEnd = rest.Value!.IndexOf('/', 1);
        return nameEnd < 0 ? PathString.Empty : new PathString(rest.Value.Substring(nameEnd));
    }

    private static Task ChatAsync(ApiExchange exchange, int status, Behavior? behavior)
    {
        if (ChatRequest.Parse(exchange.Record.Body) is not { } request)
        {
            return exchange.WriteJsonAsync(400, Json.VllmError(
                "The request body is not a valid JSON object.", "BadRequestError", 400));
        }

        var reply = new ChatReply(request, behavior);
        return request.Stream
            ? SseWriter.WriteAsync(exchange, status, SseWriter.ContentType, reply.StreamFrames(),
                behavior?.SseEventDelayMs, behavior?.CutAfter)
            : exchange.WriteJsonAsync(status, reply.Completion());
    }
}
