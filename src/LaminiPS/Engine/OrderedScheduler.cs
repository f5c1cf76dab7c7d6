using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace LaminiPS.Engine;

/// <summary>How a job ended, as the one who submitted it must treat it.</summary>
internal enum JobOutcomeKind
{
    /// <summary>The job returned a result.</summary>
    Succeeded,

    /// <summary>The scheduler's own token was cancelled (Ctrl+C, Select-Object -First, Stop-Job) and the job stopped for it, or never started.</summary>
    Cancelled,

    /// <summary>A failure the job's caller expects from the outside world (the service, the network): report it and go on.</summary>
    ServiceFailure,

    /// <summary>Anything else, a cancellation nobody asked for included: a defect, never to be swallowed.</summary>
    Defect,
}

/// <summary>One finished job, taken from an <see cref="OrderedScheduler{TJob, TResult}"/> in submission order.</summary>
internal readonly struct JobOutcome<TJob, TResult>
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

/// <summary>What a running job is given: the scheduler's cancellation, and a way to hand out output in job order.</summary>
internal abstract class JobContext
{
    public abstract CancellationToken Cancellation { get; }

    /// <summary>
    /// Queues work for the taking thread that belongs to this job's output (a stream's text pieces):
    /// it runs after every earlier job's outcome was taken and before this job's own, as soon as the
    /// taking thread next looks.
    /// </summary>
    public abstract void Post(Action output);
}

/// <summary>
/// Runs asynchronous jobs with at most <see cref="InFlightLimit"/> running and at most
/// <see cref="HeldLimit"/> submitted but not yet taken, and hands their outcomes back strictly in
/// submission order, each as soon as it and every earlier one are done.
/// </summary>
/// <remarks>
/// One thread submits and takes (the pipeline thread). A submitted job waits for a free slot and
/// starts on whichever thread frees it: the submitting thread, or the thread that finished the job
/// before it, so a sequence of jobs runs back to back while the taking thread writes outcomes. After
/// every job, and whenever a job posts output, the wake-up given to the constructor is called, so
/// the taking thread can sleep until something changed.
/// </remarks>
internal sealed class OrderedScheduler<TJob, TResult>
{
    private readonly object _gate = new();
    private readonly Queue<Entry> _held = new();
    private readonly Queue<Entry> _waiting = new();
    private readonly Func<TJob, JobContext, Task<TResult>> _run;
    private readonly Func<Exception, bool> _isServiceFailure;
    private readonly Action _wake;
    private readonly CancellationToken _cancellation;
    private int _running;

    /// <param name="inFlightLimit">At most this many jobs run at once.</param>
    /// <param name="heldLimit">At most this many jobs are submitted but not yet taken (at least <paramref name="inFlightLimit"/>).</param>
    /// <param name="run">Starts one job; it runs on the starting thread until its first await.</param>
    /// <param name="isServiceFailure">Which failures are the outside world's (reported per job) rather than defects.</param>
    /// <param name="wake">Called on any thread after a job finished or posted output, to wake the taking thread.</param>
    /// <param name="cancellation">Given to every job; once cancelled, waiting jobs never start, and a job it stops counts as cancelled, not failed.</param>
    public OrderedScheduler(
        int inFlightLimit,
        int heldLimit,
        Func<TJob, JobContext, Task<TResult>> run,
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
    }

    public int InFlightLimit { get; }

    /// <summary>Most jobs submitted and not yet taken: bounds what waits behind one slow early job.</summary>
    public int HeldLimit { get; }

    /// <summary>Jobs started and not yet finished.</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Jobs submitted and not yet taken: waiting, running or finished.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    public bool HasRoom => Held < HeldLimit;

    /// <summary>Queues a job, starting it at once if a slot is free; only when <see cref="HasRoom"/> (the caller waits for room).</summary>
    public void Submit(TJob job)
    {
        var entry = new Entry(this, job);
        lock (_gate)
        {
            if (_held.Count >= HeldLimit)
            {
                throw new InvalidOperationException("No room for another job: wait until HasRoom.");
            }

            _held.Enqueue(entry);
            _waiting.Enqueue(entry);
        }

        StartWaiting();
    }

    /// <summary>
    /// Runs the output the oldest job has posted so far, then takes its outcome if it has finished
    /// (or, after cancellation, never started); false while it is still running.
    /// </summary>
    public bool TryTakeNext(out JobOutcome<TJob, TResult> outcome)
    {
        Entry head;
        lock (_gate)
        {
            if (_held.Count == 0)
            {
                outcome = default;
                return false;
            }

            head = _held.Peek();
        }

        // Read before the output runs: what the job posted before it finished is then all queued.
        Task<TResult>? task = head.Task;
        bool finished = task is { IsCompleted: true } || (task is null && _cancellation.IsCancellationRequested);
        head.RunOutput();
        if (!finished)
        {
            outcome = default;
            return false;
        }

        lock (_gate)
        {
            _held.Dequeue();
        }

        outcome = task is null
            ? new JobOutcome<TJob, TResult>(head.Job, JobOutcomeKind.Cancelled, default, new OperationCanceledException(_cancellation))
            : Sort(head.Job, task);
        return true;
    }

    /// <summary>Starts waiting jobs while slots are free and nobody stopped the scheduler.</summary>
    private void StartWaiting()
    {
        while (true)
        {
            Entry next;
            lock (_gate)
            {
                if (_running >= InFlightLimit || _waiting.Count == 0 || _cancellation.IsCancellationRequested)
                {
                    return;
                }

                next = _waiting.Dequeue();
                _running++;
            }

            next.Start();
        }
    }

    private void Finished()
    {
        lock (_gate)
        {
            _running--;
        }

        // The next request first, then the wake-up: in a sequence the next request is on its way
        // while the taking thread writes this outcome, instead of waiting for that thread to be woken.
        StartWaiting();
        _wake();
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

    /// <summary>One submitted job: its task once started, and the output it posted that the taking thread has not run yet.</summary>
    private sealed class Entry : JobContext
    {
        private static readonly Action<Task, object?> s_onFinished = (_, state) => ((OrderedScheduler<TJob, TResult>)state!).Finished();

        private readonly OrderedScheduler<TJob, TResult> _scheduler;
        private ConcurrentQueue<Action>? _output;
        private volatile Task<TResult>? _task;

        public Entry(OrderedScheduler<TJob, TResult> scheduler, TJob job)
        {
            _scheduler = scheduler;
            Job = job;
        }

        public TJob Job { get; }

        public Task<TResult>? Task => _task;

        public override CancellationToken Cancellation => _scheduler._cancellation;

        public override void Post(Action output)
        {
            LazyInitializer.EnsureInitialized(ref _output, static () => new ConcurrentQueue<Action>())!.Enqueue(output);
            _scheduler._wake();
        }

        public void Start()
        {
            Task<TResult> task;
            try
            {
                task = _scheduler._run(Job, this);
            }
            catch (Exception ex)
            {
                // A job that fails before its first await is sorted like one that fails later.
                task = System.Threading.Tasks.Task.FromException<TResult>(ex);
            }

            _task = task;
            task.ContinueWith(s_onFinished, _scheduler, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public void RunOutput()
        {
            ConcurrentQueue<Action>? output = Volatile.Read(ref _output);
            while (output is not null && output.TryDequeue(out Action? work))
            {
                work();
            }
        }
    }
}
