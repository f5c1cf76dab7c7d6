using System;
using System.Threading;

namespace LaminiPS.Client;

/// <summary>
/// The deadline of one attempt, linked to the caller's cancellation. For streams it is pushed back
/// on every event, making the timeout an idle timeout rather than a total one.
/// </summary>
internal sealed class AttemptDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _userToken;
    private readonly TimeSpan _timeout;

    public AttemptDeadline(TimeSpan timeout, CancellationToken userToken)
    {
        _timeout = timeout;
        _userToken = userToken;
        _source = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        Extend();
    }

    public CancellationToken Token => _source.Token;

    public bool UserCancelled => _userToken.IsCancellationRequested;

    public bool Expired => _source.IsCancellationRequested && !_userToken.IsCancellationRequested;

    public void Extend()
    {
        if (_timeout > TimeSpan.Zero)
        {
            _source.CancelAfter(_timeout);
        }
    }

    public void Dispose() => _source.Dispose();
}
