using System.Text.Json;
using LaminiTestServer;

// Usage: TestServer --urls http://127.0.0.1:0 --api-key <key> --fixtures <dir> [--https true]
// With --https true (and an https:// URL), Kestrel serves TLS with a self-signed certificate made at startup.
// Prints "LISTENING <url>" once bound; exits on SIGTERM or when stdin reaches EOF.
var builder = WebApplication.CreateSlimBuilder(args);

// stdout carries only the LISTENING line; the suites read nothing else.
builder.Logging.ClearProviders();
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

// No grace period: requests still waiting on a long delay are aborted, and the process exits at once.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.Zero);

// A flush completes only once the socket has taken every byte (the writer pauses at 2 unsent bytes
// and resumes at 0), so one event is on the wire before the next is written, and cutting a stream
// right after a flush cannot lose the events written before it.
builder.WebHost.UseSockets(o => o.MaxWriteBufferSize = 2);

// Tests script replies larger than the client's 64 MiB bound through the admin API.
builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 256L * 1024 * 1024);

// Scripted headers may hold any text (hostile-input tests send unicode): it goes out as UTF-8
// instead of being refused.
builder.WebHost.ConfigureKestrel(o => o.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8);

if (builder.Configuration.GetValue<bool>("https"))
{
    // The slim builder leaves HTTPS out unless asked for.
    builder.WebHost.UseKestrelHttpsConfiguration();
    var certificate = SelfSignedCertificate.Create();
    builder.WebHost.ConfigureKestrel(o => o.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
}

var apiKey = builder.Configuration["api-key"];
var fixturesDirectory = builder.Configuration["fixtures"];
if (string.IsNullOrEmpty(apiKey) || string.IsNullOrEmpty(fixturesDirectory))
{
    await Console.Error.WriteLineAsync(
        "usage: TestServer --urls http://127.0.0.1:0 --api-key <key> --fixtures <dir>");
    return 2;
}

Fixtures fixtures;
try
{
    fixtures = Fixtures.Load(fixturesDirectory);
}
catch (Exception e) when (e is IOException or InvalidDataException or JsonException)
{
    await Console.Error.WriteLineAsync($"TestServer: {e.Message}");
    return 2;
}

var state = new ServerState();
var admin = new AdminApi(state, fixtures);
var api = new ApiHandler(state, fixtures, apiKey);

// Network faults on ports of their own: an authenticating proxy and an address that never accepts.
using var proxy = new AuthenticatingProxy();
using var unreachable = new UnreachableHost();

var app = builder.Build();
app.Run(context => context.Request.Path.StartsWithSegments("/_admin/proxy") ? proxy.HandleAdminAsync(context)
    : context.Request.Path.StartsWithSegments("/_admin/unreachable") ? unreachable.HandleAdminAsync(context)
    : context.Request.Path.StartsWithSegments("/_admin", out var adminPath) ? admin.HandleAsync(context, adminPath)
    : api.HandleAsync(context));

await app.StartAsync();
// With port 0, Kestrel reports the port it actually bound.
await Console.Out.WriteLineAsync($"LISTENING {app.Urls.First()}");
await Console.Out.FlushAsync();

StopWhenStdinCloses(app.Lifetime);
await app.WaitForShutdownAsync();
return 0;

// The suite that started us holds our stdin open; when it exits, even by crashing, stdin closes and
// we follow, so no server outlives its test run.
static void StopWhenStdinCloses(IHostApplicationLifetime lifetime)
{
    var watcher = new Thread(() =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (stdin.Read(buffer, 0, buffer.Length) > 0)
        {
            // Input has no meaning; only its end does.
        }

        lifetime.StopApplication();
    })
    {
        IsBackground = true,
        Name = "stdin watcher",
    };
    watcher.Start();
}
