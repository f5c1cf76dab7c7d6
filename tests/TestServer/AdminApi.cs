using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LaminiTestServer;

/// <summary>
/// /_admin: how tests script behaviours and inspect what the API received. No auth, not recorded,
/// not counted in the stats.
/// </summary>
internal sealed class AdminApi(ServerState state, Fixtures fixtures)
{
    // Unknown fields are refused so a misspelt one ("delay") fails loudly instead of doing nothing.
    private static readonly JsonSerializerOptions s_behaviorOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public Task HandleAsync(HttpContext context, PathString path) => (context.Request.Method, path.Value) switch
    {
        ("POST", "/behaviors") => AddBehaviorsAsync(context),
        ("POST", "/reset") => ResetAsync(context),
        ("GET", "/requests") => WriteAsync(context, 200, Json.Text(state.RequestsJson())),
        ("GET", "/stats") => WriteAsync(context, 200, Json.Text(state.StatsJson())),
        _ => WriteErrorAsync(context, 404, $"No admin route for {context.Request.Method} {context.Request.Path}."),
    };

    /// <summary>Takes one behaviour object or an array of them; answers <c>{"indexes": [...]}</c>.</summary>
    private async Task AddBehaviorsAsync(HttpContext context)
    {
        List<Behavior> behaviors;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var elements = document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().ToList()
                : [document.RootElement];
            behaviors = [.. elements.Select(e => e.Deserialize<Behavior>(s_behaviorOptions)
                ?? throw new JsonException("A behaviour cannot be null."))];
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, 400, $"Invalid behaviour: {e.Message}");
            return;
        }

        var problems = behaviors
            .Select((b, i) => b.Problem(fixtures) is { } problem ? $"behaviour {i}: {problem}" : null)
            .OfType<string>()
            .ToList();
        if (problems.Count > 0)
        {
            await WriteErrorAsync(context, 400, string.Join("; ", problems));
            return;
        }

        await WriteAsync(context, 200, Json.Text(new JsonObject
        {
            ["indexes"] = new JsonArray([.. state.AddBehaviors(behaviors).Select(i => (JsonNode)i)]),
        }));
    }

    private Task ResetAsync(HttpContext context)
    {
        state.Reset();
        context.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, Json.OpenAiError(message, "invalid_request_error", "test_server"));

    private static Task WriteAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }
}
