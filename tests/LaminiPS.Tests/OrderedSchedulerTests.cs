using LaminiPS.Engine;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>The scheduler with fake jobs whose end each test decides: order, bounds, cancellation, sorting of failures.</summary>
public sealed class OrderedSchedulerTests
{
    private readonly Dictionary<int, TaskCompletionSource<string>> _pending = new();
    private int _wakeUps;

    [Fact]
    public void Outcomes_come_in_submission_order_though_jobs_finish_in_reverse()
    {
        var jobs = NewScheduler(inFlight: 5, held: 20);
        StartAll(jobs, 5);

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
        StartAll(jobs, 3);

        _pending[2].SetResult("third");
        Assert.False(jobs.HasNext);
        _pending[0].SetResult("first");
        Assert.True(jobs.TryTakeNext(out var first));
        Assert.Equal("first", first.Result);
        Assert.False(jobs.TryTakeNext(out _));
        _pending[1].SetResult("second");
        Assert.Equal(new[] { "second", "third" }, TakeAll(jobs).Select(o => o.Result));
    }

    [Fact]
    public void Never_more_than_the_limit_run_at_once()
    {
        var jobs = NewScheduler(inFlight: 2, held: 8);
        StartAll(jobs, 2);

        Assert.False(jobs.HasRoom);
        Assert.Equal(2, jobs.Running);
        Assert.Throws<InvalidOperationException>(() => jobs.Start(2));
        _pending[1].SetResult("done");
        Assert.True(jobs.HasRoom);
        Assert.Equal(1, jobs.Running);
    }

    [Fact]
    public void Finished_jobs_behind_a_slow_one_count_against_the_held_limit()
    {
        var jobs = NewScheduler(inFlight: 2, held: 4);
        jobs.Start(0);
        for (int i = 1; i < 4; i++)
        {
            jobs.Start(i);
            _pending[i].SetResult($"fast {i}");
        }

        // Job 0 is slow: one job runs, but four are held, so nothing more may start.
        Assert.Equal(1, jobs.Running);
        Assert.Equal(4, jobs.Held);
        Assert.False(jobs.HasRoom);
        _pending[0].SetResult("slow");
        Assert.Equal(4, TakeAll(jobs).Count);
        Assert.True(jobs.HasRoom);
    }

    [Fact]
    public void Every_finished_job_wakes_the_taking_thread()
    {
        var jobs = NewScheduler(inFlight: 3, held: 12);
        StartAll(jobs, 3);
        _pending[0].SetResult("a");
        _pending[1].SetException(new InvalidDataException("b"));
        _pending[2].SetCanceled();

        Assert.Equal(3, _wakeUps);
    }

    [Fact]
    public void A_cancelled_token_makes_cancelled_outcomes()
    {
        using var stop = new CancellationTokenSource();
        var jobs = new OrderedScheduler<int, string>(4, 16, WaitForCancellation, IsServiceFailure, () => _wakeUps++, stop.Token);
        StartAll(jobs, 4);
        stop.Cancel();

        Assert.All(TakeAll(jobs), outcome => Assert.Equal(JobOutcomeKind.Cancelled, outcome.Kind));
    }

    [Fact]
    public void A_cancellation_nobody_asked_for_is_a_defect_not_a_stop()
    {
        var jobs = NewScheduler(inFlight: 2, held: 8);
        StartAll(jobs, 2);
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
        StartAll(jobs, 2);
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
        jobs.Start(0);

        Assert.True(jobs.TryTakeNext(out var outcome));
        Assert.Equal(JobOutcomeKind.ServiceFailure, outcome.Kind);
        Assert.Equal(0, jobs.Running);
    }

    private static bool IsServiceFailure(Exception failure) => failure is InvalidDataException;

    private static async Task<string> WaitForCancellation(int job, CancellationToken cancellation)
    {
        await Task.Delay(Timeout.Infinite, cancellation);
        return "never";
    }

    private OrderedScheduler<int, string> NewScheduler(int inFlight, int held) =>
        new(inFlight, held, (job, _) => (_pending[job] = new TaskCompletionSource<string>()).Task, IsServiceFailure, () => _wakeUps++, CancellationToken.None);

    private static void StartAll(OrderedScheduler<int, string> jobs, int count)
    {
        for (int i = 0; i < count; i++)
        {
            jobs.Start(i);
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
