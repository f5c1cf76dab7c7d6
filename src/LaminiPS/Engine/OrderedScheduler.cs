using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace LaminiPS.Engine;

/// <summary>How a job ended, as the one who submitted it must treat it.</summary>
public enum JobOutcomeKind
{
    /// <summary>The job returned a result.</summary>
    Succeeded,

    /// <summary>The scheduler's own token was cancelled (Ctrl+C, Select-Object -First, Stop-Job) and the job stopped for it.</summary>
    Cancelled,

    /// <summary>A failure the job's caller expects from the outside world (the service, the network): report it and go on.</summary>
    ServiceFailure,

    /// <summary>Anything else, a cancellation nobody asked for included: a defect, never to be swallowed.</summary>
    Defect,
}

/// <summary>One finished job, taken from an <see cref="OrderedScheduler{TJob, TResult}"/> in submission order.</summary>
public readonly struct JobOutcome<TJob, TResult>
{
    internal JobOutcome(TJob job, JobOutcomeKind kind, TResult? result, Exception? failure)
    {
        Job = job;
        Kind = kind;
        Result = result;
        Failure = failure;
    }

    public TJob Job { get; }

    public JobOutcomeKind Kind { get; }

    /// <summary>Set when <see cref="Kind"/> is <see cref="JobOutcomeKind.Succeeded"/>.</summary>
    public TResult? Result { get; }

    /// <summary>The exception the job ended with, unwrapped from its task; null on success.</summary>
    public Exception? Failure { get; }
}

/// <summary>
/// Runs asynchronous jobs with at most <see cref="InFlightLimit"/> running and at most
/// <see cref="HeldLimit"/> submitted but not yet taken, and hands their outcomes back strictly in
/// submission order, each as soon as it and every earlier one are done.
/// </summary>
/// <remarks>
/// One thread submits and takes (the pipeline thread); jobs finish on any thread and then call the
/// wake-up given to the constructor, so that thread can sleep until something changed.
/// </remarks>
public sealed class OrderedScheduler<TJob, TResult>
{
    private readonly Queue<Entry> _entries = new();
    private readonly Func<TJob, CancellationToken, Task<TResult>> _run;
    private readonly Func<Exception, bool> _isServiceFailure;
    private readonly Action _wake;
    private readonly CancellationToken _cancellation;
    private readonly Action<Task> _onJobDone;
    private int _running;

    /// <param name="run">Starts one job; it runs on the submitting thread until its first await.</param>
    /// <param name="isServiceFailure">Which failures are the outside world's (reported per job) rather than defects.</param>
    /// <param name="wake">Called on the finishing thread after every job, to wake the taking thread.</param>
    public OrderedScheduler(
        int inFlightLimit,
        int heldLimit,
        Func<TJob, CancellationToken, Task<TResult>> run,
        Func<Exception, bool> isServiceFailure,
        Action wake,
        CancellationToken cancellation)
    {
        if (inFlightLimit < 1 || heldLimit < inFlightLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(heldLimit), "Need 1 <= inFlightLimit <= heldLimit.");
        }

        InFlightLimit = inFlightLimit;
        HeldLimit = heldLimit;
        _run = run;
        _isServiceFailure = isServiceFailure;
        _wake = wake;
        _cancellation = cancellation;
        _onJobDone = _ =>
        {
            Interlocked.Decrement(ref _running);
            _wake();
        };
    }

    public int InFlightLimit { get; }

    /// <summary>Most jobs submitted and not yet taken: bounds what waits behind one slow early job.</summary>
    public int HeldLimit { get; }

    /// <summary>Jobs started and not yet finished.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Jobs submitted and not yet taken, finished or not.</summary>
    public int Held => _entries.Count;

    public bool HasRoom => Running < InFlightLimit && _entries.Count < HeldLimit;

    /// <summary>True when the oldest job not yet taken has finished.</summary>
    public bool HasNext => _entries.Count > 0 && _entries.Peek().Task.IsCompleted;

    /// <summary>Starts a job; only when <see cref="HasRoom"/> (the caller waits for room, which keeps back-pressure visible).</summary>
    public void Start(TJob job)
    {
        if (!HasRoom)
        {
            throw new InvalidOperationException("No room for another job: wait until HasRoom.");
        }

        Interlocked.Increment(ref _running);
        Task<TResult> task;
        try
        {
            task = _run(job, _cancellation);
        }
        catch (Exception ex)
        {
            // A job that fails before its first await is sorted like one that fails later.
            task = Task.FromException<TResult>(ex);
        }

        _entries.Enqueue(new Entry(job, task));
        task.ContinueWith(_onJobDone, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Takes the oldest job's outcome if it has finished; false otherwise.</summary>
    public bool TryTakeNext(out JobOutcome<TJob, TResult> outcome)
    {
        if (!HasNext)
        {
            outcome = default;
            return false;
        }

        Entry entry = _entries.Dequeue();
        outcome = Sort(entry.Job, entry.Task);
        return true;
    }

    private JobOutcome<TJob, TResult> Sort(TJob job, Task<TResult> task)
    {
        if (task.Status == TaskStatus.RanToCompletion)
        {
            return new JobOutcome<TJob, TResult>(job, JobOutcomeKind.Succeeded, task.Result, null);
        }

        Exception failure = task.Exception?.InnerException ?? CancellationOf(task);
        JobOutcomeKind kind = failure is OperationCanceledException && _cancellation.IsCancellationRequested
            ? JobOutcomeKind.Cancelled
            : _isServiceFailure(failure) ? JobOutcomeKind.ServiceFailure : JobOutcomeKind.Defect;
        return new JobOutcome<TJob, TResult>(job, kind, default, failure);
    }

    /// <summary>The exception a cancelled task ends with, as its awaiter would see it (with the token it names).</summary>
    private static Exception CancellationOf(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
            return new TaskCanceledException(task);
        }
        catch (OperationCanceledException ex)
        {
            return ex;
        }
    }

    private readonly struct Entry
    {
        public Entry(TJob job, Task<TResult> task)
        {
            Job = job;
            Task = task;
        }

        public TJob Job { get; }

        public Task<TResult> Task { get; }
    }
}
