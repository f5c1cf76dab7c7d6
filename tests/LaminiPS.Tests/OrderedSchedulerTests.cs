using LaminiPS.Engine;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>The scheduler with fake jobs whose end each test decides: order, bounds, cancellation, sorting of failures.</summary>
public sealed class OrderedSchedulerTests
{
    private readonly Dictionary<int, TaskCompletionSource<string>> _pending = new();
    private readonly List<int> _started = new();
    private int _wakeUps;

    [Fact]
    public void Outcomes_come_in_submission_order_though_jobs_finish_in_reverse()
    {
        var jobs = NewScheduler(inFlight: 5, held: 20);
        SubmitAll(jobs, 5);

        for (int i = 4; i >= 0; i--)
        {
            _pending[i].SetResult($"reply {i}");
        }

        Assert.Equal(new[] { "reply 0", "reply 1", "reply 2", "reply 3", "reply 4" }, TakeAll(jobs).Select(o => o.Result));
        Assert.Equal(0, jobs.Held);
    }

    [Fact]
    public void An_outcome_is_ready_as_soon_as_it_and_every_earlier_one_are_done()
    {
        var jobs = NewScheduler(inFlight: 3, held: 12);
        SubmitAll(jobs, 3);

        _pending[2].SetResult("third");
        Assert.False(jobs.TryTakeNext(out _));
        _pending[0].SetResult("first");
        Assert.True(jobs.TryTakeNext(out var first));
        Assert.Equal("first", first.Result);
        Assert.False(jobs.TryTakeNext(out _));
        _pending[1].SetResult("second");
        Assert.Equal(new[] { "second", "third" }, TakeAll(jobs).Select(o => o.Result));
    }

    [Fact]
    public void Never_more_than_the_limit_run_at_once_and_the_rest_wait_their_turn()
    {
        var jobs = NewScheduler(inFlight: 2, held: 8);
        SubmitAll(jobs, 5);

        Assert.Equal(new[] { 0, 1 }, _started);
        Assert.Equal(2, jobs.Running);
        _pending[1].SetResult("done");
        Assert.Equal(new[] { 0, 1, 2 }, _started);
        Assert.Equal(2, jobs.Running);
        Assert.Equal(5, jobs.Held);
    }

    [Fact]
    public async Task A_waiting_job_starts_on_the_thread_that_finishes_the_one_before_it()
    {
        int? startedOn = null;
        var first = new TaskCompletionSource<string>();
        var jobs = new OrderedScheduler<int, string>(
            1,
            4,
            (job, _) =>
            {
                if (job == 0)
                {
                    return first.Task;
                }

                startedOn = Environment.CurrentManagedThreadId;
                return Task.FromResult("second");
            },
            IsServiceFailure,
            () => _wakeUps++,
            CancellationToken.None);
        SubmitAll(jobs, 2);

        int finishingThread = await Task.Run(() =>
        {
            first.SetResult("first");
            return Environment.CurrentManagedThreadId;
        });

        // Nobody took an outcome in between: the second job did not wait for the taking thread.
        Assert.Equal(finishingThread, startedOn);
        Assert.Equal(new[] { "first", "second" }, TakeAll(jobs).Select(o => o.Result));
    }

    [Fact]
    public void Submitted_jobs_not_yet_taken_count_against_the_held_limit()
    {
        var jobs = NewScheduler(inFlight: 2, held: 4);
        SubmitAll(jobs, 4);
        for (int i = 1; i < 4; i++)
        {
            _pending[i].SetResult($"fast {i}");
        }

        // Job 0 is slow: the others are done, but four are held, so nothing more may be submitted.
        Assert.Equal(1, jobs.Running);
        Assert.False(jobs.HasRoom);
        Assert.Throws<InvalidOperationException>(() => jobs.Submit(4));
        _pending[0].SetResult("slow");
        Assert.Equal(4, TakeAll(jobs).Count);
        Assert.True(jobs.HasRoom);
    }

    [Fact]
    public void Output_a_job_posts_runs_in_job_order_and_before_its_outcome()
    {
        var written = new List<string>();
        var contexts = new Dictionary<int, JobContext>();
        var jobs = new OrderedScheduler<int, string>(
            2,
            8,
            (job, context) =>
            {
                contexts[job] = context;
                return (_pending[job] = new TaskCompletionSource<string>()).Task;
            },
            IsServiceFailure,
            () => _wakeUps++,
            CancellationToken.None);
        SubmitAll(jobs, 2);

        contexts[1].Post(() => written.Add("piece of 1"));
        contexts[0].Post(() => written.Add("piece of 0"));
        Assert.False(jobs.TryTakeNext(out _));
        Assert.Equal(new[] { "piece of 0" }, written);

        _pending[1].SetResult("reply 1");
        contexts[0].Post(() => written.Add("last piece of 0"));
        _pending[0].SetResult("reply 0");
        while (jobs.TryTakeNext(out var outcome))
        {
            written.Add(outcome.Result!);
        }

        Assert.Equal(new[] { "piece of 0", "last piece of 0", "reply 0", "piece of 1", "reply 1" }, written);
        Assert.Equal(5, _wakeUps); // three pieces posted, two jobs finished
    }

    [Fact]
    public void Every_finished_job_wakes_the_taking_thread()
    {
        var jobs = NewScheduler(inFlight: 3, held: 12);
        SubmitAll(jobs, 3);
        _pending[0].SetResult("a");
        _pending[1].SetException(new InvalidDataException("b"));
        _pending[2].SetCanceled();

        Assert.Equal(3, _wakeUps);
    }

    [Fact]
    public void A_cancelled_token_makes_cancelled_outcomes_and_starts_nothing_more()
    {
        using var stop = new CancellationTokenSource();
        int started = 0;
        var jobs = new OrderedScheduler<int, string>(
            2,
            8,
            async (_, context) =>
            {
                started++;
                await Task.Delay(Timeout.Infinite, context.Cancellation);
                return "never";
            },
            IsServiceFailure,
            () => _wakeUps++,
            stop.Token);
        SubmitAll(jobs, 6);
        stop.Cancel();

        SpinWait.SpinUntil(() => jobs.Running == 0, TimeSpan.FromSeconds(10));
        List<JobOutcome<int, string>> outcomes = TakeAll(jobs);
        Assert.Equal(6, outcomes.Count);
        Assert.All(outcomes, outcome => Assert.Equal(JobOutcomeKind.Cancelled, outcome.Kind));
        Assert.Equal(2, started);
    }

    [Fact]
    public void A_cancellation_nobody_asked_for_is_a_defect_not_a_stop()
    {
        var jobs = NewScheduler(inFlight: 2, held: 8);
        SubmitAll(jobs, 2);
        _pending[0].SetCanceled();
        _pending[1].SetException(new OperationCanceledException("a timeout inside the stack"));

        List<JobOutcome<int, string>> outcomes = TakeAll(jobs);
        Assert.All(outcomes, outcome => Assert.Equal(JobOutcomeKind.Defect, outcome.Kind));
        Assert.IsAssignableFrom<OperationCanceledException>(outcomes[0].Failure);
        Assert.Equal("a timeout inside the stack", outcomes[1].Failure!.Message);
    }

    [Fact]
    public void Failures_are_sorted_into_service_failures_and_defects()
    {
        var jobs = NewScheduler(inFlight: 2, held: 8);
        SubmitAll(jobs, 2);
        var service = new InvalidDataException("HTTP 503");
        var defect = new NullReferenceException();
        _pending[0].SetException(service);
        _pending[1].SetException(defect);

        List<JobOutcome<int, string>> outcomes = TakeAll(jobs);
        Assert.Equal(JobOutcomeKind.ServiceFailure, outcomes[0].Kind);
        Assert.Same(service, outcomes[0].Failure);
        Assert.Equal(JobOutcomeKind.Defect, outcomes[1].Kind);
        Assert.Same(defect, outcomes[1].Failure);
        Assert.Equal(new[] { 0, 1 }, outcomes.Select(o => o.Job));
    }

    [Fact]
    public void A_job_that_throws_before_its_first_await_is_sorted_like_any_other()
    {
        var jobs = new OrderedScheduler<int, string>(2, 8, (_, _) => throw new InvalidDataException("at once"), IsServiceFailure, () => _wakeUps++, CancellationToken.None);
        jobs.Submit(0);

        Assert.True(jobs.TryTakeNext(out var outcome));
        Assert.Equal(JobOutcomeKind.ServiceFailure, outcome.Kind);
        Assert.Equal(0, jobs.Running);
    }

    private static bool IsServiceFailure(Exception failure) => failure is InvalidDataException;

    private OrderedScheduler<int, string> NewScheduler(int inFlight, int held) =>
        new(
            inFlight,
            held,
            (job, _) =>
            {
                _started.Add(job);
                return (_pending[job] = new TaskCompletionSource<string>()).Task;
            },
            IsServiceFailure,
            () => _wakeUps++,
            CancellationToken.None);

    private static void SubmitAll(OrderedScheduler<int, string> jobs, int count)
    {
        for (int i = 0; i < count; i++)
        {
            jobs.Submit(i);
        }
    }

    private static List<JobOutcome<int, string>> TakeAll(OrderedScheduler<int, string> jobs)
    {
        var outcomes = new List<JobOutcome<int, string>>();
        while (jobs.TryTakeNext(out var outcome))
        {
            outcomes.Add(outcome);
        }

        return outcomes;
    }
}
