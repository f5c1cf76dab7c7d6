using System;

namespace LaminiPS.Client;

/// <summary>
/// Where the client reports progress. Called from worker threads: the receiver must marshal to
/// the pipeline thread. Never receives headers or the API key.
/// </summary>
internal sealed class RequestLog
{
    public static readonly RequestLog None = new(null, null);

    private readonly Action<string>? _verbose;
    private readonly Action<string>? _debug;

    public RequestLog(Action<string>? verbose, Action<string>? debug)
    {
        _verbose = verbose;
        _debug = debug;
    }

    /// <summary>False when nobody listens: callers then skip building the text at all.</summary>
    public bool IsDebugEnabled => _debug is not null;

    public void Verbose(string message) => _verbose?.Invoke(message);

    public void Debug(string message) => _debug?.Invoke(message);
}
