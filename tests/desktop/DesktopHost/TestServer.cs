using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;

namespace LaminiPS.DesktopHost;

/// <summary>
/// The test server's admin API (tests/TestServer/AdminApi.cs), over plain HTTP. The host has no
/// JSON library of its own (System.Text.Json is the module's, served only to the module), so it
/// writes behaviours as text and reads the request log with patterns.
/// </summary>
internal sealed class TestServer : IDisposable
{
    private readonly HttpClient _admin;
    private readonly Uri _root;

    public TestServer(Uri root, bool acceptAnyCertificate)
    {
        _root = root;

        // The admin calls of the HTTPS server accept its self-signed certificate and speak TLS 1.2
        // whatever the process default is; they are the tests' tools, not what is tested.
        var handler = new HttpClientHandler { SslProtocols = System.Security.Authentication.SslProtocols.Tls12 };
        if (acceptAnyCertificate)
        {
            handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
        }

        _admin = new HttpClient(handler);
    }

    public Uri BaseUri => new(_root, "inf");

    public void Reset() => Send(HttpMethod.Post, "reset", null);

    /// <summary>One behaviour as JSON, e.g. {"status": 429, "times": 1}.</summary>
    public void AddBehavior(string json) => Send(HttpMethod.Post, "behaviors", json);

    /// <summary>The request log as JSON text.</summary>
    public string Requests() => Send(HttpMethod.Get, "requests", null);

    /// <summary>How many logged requests went to a path ending in <paramref name="pathEnd"/>.</summary>
    public int CountRequests(string pathEnd) =>
        Regex.Matches(Requests(), "\"path\":\"[^\"]*" + Regex.Escape(pathEnd) + "\"").Count;

    /// <summary>Every string value of <paramref name="field"/> (a header or a record field) in the request log.</summary>
    public string[] Values(string field) =>
        Regex.Matches(Requests(), "\"" + Regex.Escape(field) + "\":\"([^\"]*)\"", RegexOptions.IgnoreCase)
            .Cast<Match>()
            .Select(m => m.Groups[1].Value)
            .ToArray();

    /// <summary>The server's loopback address that never accepts a connection (tests/TestServer/UnreachableHost.cs).</summary>
    public Uri UnreachableAddress() =>
        new(Regex.Match(Send(HttpMethod.Get, "unreachable", null), "\"url\":\"([^\"]*)\"").Groups[1].Value);

    public void Dispose() => _admin.Dispose();

    private string Send(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, new Uri(_root, "_admin/" + path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = _admin.SendAsync(request).GetAwaiter().GetResult();
        string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        Report.Expect(response.IsSuccessStatusCode, $"admin call {path} answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
