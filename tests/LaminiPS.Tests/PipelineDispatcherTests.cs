using LaminiPS.Engine;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>
/// The hand-off to the pipeline thread, with the test's own thread playing that part: jobs running
/// elsewhere hand it work (as a tool call will) and go on with the result; cancellation is observed.
/// </summary>
public sealed class PipelineDispatcherTests
{
    private static readonly TimeSpan s_safety = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_running_job_hands_work_to_the_pipeline_thread_and_goes_on_with_its_result()
    {
        using var pipeline = new PipelineDispatcher();
        int pipelineThread = Environment.CurrentManagedThreadId;
        var jobs = new OrderedScheduler<int, string>(
            3,
            12,
            async (job, context) =>
            {
                await Task.Yield();
                int ranOn = await pipeline.InvokeAsync(() => Environment.CurrentManagedThreadId, context.Cancellation);
                await Task.Yield();
                return $"job {job}: work ran on thread {ranOn}, job resumed on the pipeline thread: {Environment.CurrentManagedThreadId == pipelineThread}";
            },
            _ => false,
            pipeline.Wake,
            CancellationToken.None);

        var outcomes = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            jobs.Submit(i);
        }

        using var safety = new CancellationTokenSource(s_safety);
        pipeline.RunUntil(() => TakeFinished(jobs, outcomes) && jobs.Held == 0, safety.Token);

        Assert.Equal(
            Enumerable.Range(0, 3).Select(i => $"job {i}: work ran on thread {pipelineThread}, job resumed on the pipeline thread: False"),
            outcomes);
    }

    [Fact]
    public void Work_that_fails_on_the_pipeline_thread_fails_the_awaiting_job()
    {
        using var pipeline = new PipelineDispatcher();
        Task<int> handOff = Task.Run(() => pipeline.InvokeAsync<int>(() => throw new InvalidDataException("the command failed"), CancellationToken.None));
        handOff.ContinueWith(_ => pipeline.Wake(), TaskScheduler.Default);

        using var safety = new CancellationTokenSource(s_safety);
        pipeline.RunUntil(() => handOff.IsCompleted, safety.Token);

        var failure = Assert.Throws<InvalidDataException>(() => handOff.GetAwaiter().GetResult());
        Assert.Equal("the command failed", failure.Message);
    }

    [Fact]
    public void Work_cancelled_while_queued_never_runs()
    {
        using var pipeline = new PipelineDispatcher();
        using var stop = new CancellationTokenSource();
        bool ran = false;
        Task<bool> handOff = pipeline.InvokeAsync(() => ran = true, stop.Token);
        stop.Cancel();

        pipeline.RunPending();

        Assert.True(handOff.IsCanceled);
        Assert.False(ran);
    }

    [Fact]
    public void Work_asked_for_with_a_cancelled_token_is_not_queued()
    {
        using var pipeline = new PipelineDispatcher();
        bool ran = false;
        Task<bool> handOff = pipeline.InvokeAsync(() => ran = true, new CancellationToken(canceled: true));

        pipeline.RunPending();

        Assert.True(handOff.IsCanceled);
        Assert.False(ran);
    }

    [Fact]
    public void Waiting_ends_at_once_when_the_command_is_stopped()
    {
        using var pipeline = new PipelineDispatcher();
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(TimeSpan.FromMilliseconds(20));

        Assert.ThrowsAny<OperationCanceledException>(() => pipeline.RunUntil(() => false, stop.Token));
    }

    [Fact]
    public void Posted_work_runs_in_the_order_it_was_posted()
    {
        using var pipeline = new PipelineDispatcher();
        var seen = new List<int>();
        Task poster = Task.Run(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                int piece = i;
                pipeline.Post(() => seen.Add(piece));
            }
        });

        using var safety = new CancellationTokenSource(s_safety);
        pipeline.RunUntil(() => poster.IsCompleted && seen.Count == 100, safety.Token);

        Assert.Equal(Enumerable.Range(0, 100), seen);
    }

    private static bool TakeFinished(OrderedScheduler<int, string> jobs, List<string> outcomes)
    {
        while (jobs.TryTakeNext(out var outcome))
        {
            outcomes.Add(outcome.Result ?? outcome.Failure!.ToString());
        }

        return true;
    }
}
