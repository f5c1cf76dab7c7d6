using System;
using System.Threading;

namespace LaminiPS.Client;

/// <summary>
/// The deadline of one attempt, linked to the caller's cancellation. For streams it is pushed back
/// on every event by the idle timeout, making the limit an idle timeout rather than a total one
/// once events flow.
/// </summary>
internal sealed class AttemptDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _userToken;
    private readonly TimeSpan _idleTimeout;

    /// <param name="limit">Time the attempt may take until its first event; zero means none.</param>
    /// <param name="idleTimeout">Longest silence between stream events; zero means none.</param>
    /// <param name="userToken">The caller's cancellation.</param>
    public AttemptDeadline(TimeSpan limit, TimeSpan idleTimeout, CancellationToken userToken)
    {
        _idleTimeout = idleTimeout;
        _userToken = userToken;
        _source = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        if (limit > TimeSpan.Zero)
        {
            _source.CancelAfter(limit);
        }
    }

    public CancellationToken Token => _source.Token;

    public bool UserCancelled => _userToken.IsCancellationRequested;

    public bool Expired => _source.IsCancellationRequested && !_userToken.IsCancellationRequested;

    public void Extend() => _source.CancelAfter(_idleTimeout > TimeSpan.Zero ? _idleTimeout : Timeout.InfiniteTimeSpan);

    public void Dispose() => _source.Dispose();
}
