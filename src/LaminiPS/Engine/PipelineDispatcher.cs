using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace LaminiPS.Engine;

/// <summary>
/// The hand-off to the one thread that may write to the pipeline and run PowerShell: other threads
/// queue work here, and that thread runs it whenever it waits in <see cref="RunUntil"/>.
/// </summary>
internal sealed class PipelineDispatcher : IDisposable
{
    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Queues work for the pipeline thread and wakes it; any thread.</summary>
    public void Post(Action work)
    {
        _queue.Enqueue(work);
        Wake();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the pipeline thread and completes with its result or exception;
    /// any thread. Cancelled before the pipeline thread got to it, the work is skipped and the task
    /// cancelled; once started it runs to its end. The caller resumes on a pool thread, never on the
    /// pipeline thread.
    /// </summary>
    public Task<T> InvokeAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellationToken.IsCancellationRequested)
        {
            completion.SetCanceled();
            return completion.Task;
        }

        CancellationTokenRegistration registration = cancellationToken.Register(() => completion.TrySetCanceled());
        Post(() =>
        {
            registration.Dispose();
            if (completion.Task.IsCompleted)
            {
                return;
            }

            try
            {
                completion.TrySetResult(work());
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        });
        return completion.Task;
    }

    /// <summary>Wakes the pipeline thread without work, e.g. because a job finished; any thread.</summary>
    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (ObjectDisposedException)
        {
            // A late worker after the command ended has nobody left to wake.
        }
    }

    /// <summary>
    /// Pipeline thread only: runs queued work, then sleeps until woken, until <paramref name="done"/>
    /// holds. Throws <see cref="OperationCanceledException"/> at once when the token is cancelled.
    /// </summary>
    public void RunUntil(Func<bool> done, CancellationToken cancellationToken)
    {
        RunPending();
        while (!done())
        {
            _signal.Wait(cancellationToken);
            RunPending();
        }

        // What was posted between the last run and done turning true (a request's last debug line,
        // posted just before its task completed) is not left behind.
        RunPending();
    }

    /// <summary>Pipeline thread only: runs everything queued so far, in order.</summary>
    public void RunPending()
    {
        while (_queue.TryDequeue(out Action? work))
        {
            work();
        }
    }

    public void Dispose() => _signal.Dispose();
}
