using System;
using System.Net;
using System.Security;

namespace LaminiPS.Client;

/// <summary>Everything needed to reach the service, resolved from parameters, environment and config file.</summary>
internal sealed class ConnectionSettings
{
    public ConnectionSettings(Uri baseUri, SecureString apiKey)
    {
        BaseUri = baseUri;
        ApiKey = apiKey;
    }

    public Uri BaseUri { get; }

    /// <summary>Kept as a SecureString until the moment the Authorization header is built.</summary>
    public SecureString ApiKey { get; }

    /// <summary>Per-attempt deadline; for streams, the longest silence between events. Zero means none.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Deadline of the whole call: every attempt and every wait between them (for streams, until
    /// the first event arrives). Zero means none.
    /// </summary>
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(300);

    public int MaximumRetryCount { get; init; } = 2;

    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The User-Agent header of every request; none when empty.</summary>
    public string UserAgent { get; init; } = string.Empty;

    public TransportSettings Transport { get; init; } = new();
}

/// <summary>The parts of a connection that need their own HttpClient (handler-level settings).</summary>
internal sealed record TransportSettings
{
    public bool SkipCertificateCheck { get; init; }

    public Uri? Proxy { get; init; }

    public NetworkCredential? ProxyCredential { get; init; }

    public bool ProxyUseDefaultCredentials { get; init; }

    /// <summary>Dead hosts should fail fast even when the overall timeout is generous.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
