using System;

namespace LaminiPS.Client;

/// <summary>
/// Where the client reports progress. Called from worker threads: each message is posted, as work
/// for the pipeline thread, to a queue that runs there. Never receives headers or the API key.
/// </summary>
internal sealed class RequestLog
{
    public static readonly RequestLog None = new(null, null, static _ => { });

    private readonly Action<string>? _writeVerbose;
    private readonly Action<string>? _writeDebug;
    private readonly Action<Action> _post;

    /// <param name="writeVerbose">Writes a verbose message on the pipeline thread; null when nobody listens.</param>
    /// <param name="writeDebug">Writes a debug message on the pipeline thread; null when nobody listens.</param>
    /// <param name="post">Queues work for the pipeline thread.</param>
    public RequestLog(Action<string>? writeVerbose, Action<string>? writeDebug, Action<Action> post)
    {
        _writeVerbose = writeVerbose;
        _writeDebug = writeDebug;
        _post = post;
    }

    /// <summary>False when nobody listens: callers then skip building the text at all.</summary>
    public bool IsDebugEnabled => _writeDebug is not null;

    /// <summary>
    /// The same log posting to another queue, such as one job's output, so its messages are written
    /// in that job's order and before its outcome.
    /// </summary>
    public RequestLog PostingTo(Action<Action> post) => new(_writeVerbose, _writeDebug, post);

    public void Verbose(string message) => Write(_writeVerbose, message);

    public void Debug(string message) => Write(_writeDebug, message);

    private void Write(Action<string>? write, string message)
    {
        if (write is not null)
        {
            _post(() => write(message));
        }
    }
}
