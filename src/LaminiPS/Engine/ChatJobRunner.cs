using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Client;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Engine;

/// <summary>One prompt's work: the request to send and the text that names it in output and errors.</summary>
internal sealed class ChatJob
{
    public ChatJob(string prompt, ChatRequest request)
    {
        Prompt = prompt;
        Request = request;
    }

    public string Prompt { get; }

    public ChatRequest Request { get; }

    /// <summary>A job that sends a whole conversation, named after its last user message.</summary>
    public static ChatJob ForConversation(string model, IReadOnlyList<LaminiChatMessage> messages, ChatSettings settings) =>
        new(ChatMessageRules.Label(messages), new ChatRequest(model, messages, settings));

    /// <summary>
    /// One job per prompt, each sending it after <paramref name="history"/>, which they share, not copy; without
    /// prompts (tool results alone), one job for the history itself.
    /// </summary>
    public static IEnumerable<ChatJob> ForTurns(string model, IReadOnlyList<LaminiChatMessage> history, IReadOnlyList<string>? prompts, ChatSettings settings) =>
        prompts is null
            ? new[] { ForConversation(model, history, settings) }
            : prompts.Select(prompt => new ChatJob(prompt, new ChatRequest(model, MessageHistory.Append(history, new LaminiChatMessage("user", prompt)), settings)));
}

/// <summary>A finished job: the reply and, when the request asked for JSON, how its text read as JSON.</summary>
internal sealed class ChatResult
{
    public ChatResult(LaminiChatResponse response, JsonReplyCheckResult? jsonCheck, bool stoppedAtToolRoundLimit = false)
    {
        Response = response;
        JsonCheck = jsonCheck;
        StoppedAtToolRoundLimit = stoppedAtToolRoundLimit;
    }

    /// <summary>The last reply; after tool rounds its Messages hold the whole exchange and its Usage the sum of every round.</summary>
    public LaminiChatResponse Response { get; }

    /// <summary>True when the reply still asks for calls after the most rounds allowed: reported as an error, not written.</summary>
    public bool StoppedAtToolRoundLimit { get; }

    /// <summary>Null when no JSON was asked for; a failed check means the reply is reported, not written.</summary>
    public JsonReplyCheckResult? JsonCheck { get; }
}

/// <summary>
/// Runs chat jobs on any thread: sends each request (streamed or not), answers the tool calls of
/// each reply and sends the results for as long as the model asks for calls (with a tool answerer),
/// names the reply after its prompt and reads a JSON reply against its schema. Stream text goes to
/// the pipeline thread as the job's own output, so it is written in job order, before its reply.
/// </summary>
internal sealed class ChatJobRunner
{
    private readonly LaminiApiClient _client;
    private readonly RequestLog _log;
    private readonly bool _stream;
    private readonly Action<string>? _writePiece;
    private readonly IToolCallAnswerer? _tools;

    /// <param name="client">Sends the requests.</param>
    /// <param name="log">Verbose and debug text about each request; each job posts it as its own output.</param>
    /// <param name="stream">Whether replies are streamed.</param>
    /// <param name="writePiece">With <paramref name="stream"/>: runs on the pipeline thread for each text piece; null drops them.</param>
    /// <param name="tools">Answers tool calls so the job goes on until the model answers without them; null leaves them in the reply.</param>
    public ChatJobRunner(LaminiApiClient client, RequestLog log, bool stream, Action<string>? writePiece, IToolCallAnswerer? tools)
    {
        _client = client;
        _log = log;
        _stream = stream;
        _writePiece = writePiece;
        _tools = tools;
    }

    /// <summary>
    /// A scheduler for this runner's jobs: at most <paramref name="throttleLimit"/> in flight (one when streaming, so a
    /// reply's text is written as it arrives), four times as many held; a <see cref="LaminiApiException"/> is a service failure.
    /// </summary>
    public OrderedScheduler<ChatJob, ChatResult> Scheduler(int throttleLimit, Action wake, CancellationToken cancellationToken)
    {
        int limit = _stream ? 1 : throttleLimit;
        return new OrderedScheduler<ChatJob, ChatResult>(limit, limit * 4, RunAsync, ex => ex is LaminiApiException, wake, cancellationToken);
    }

    /// <summary>Service failures end as <see cref="LaminiApiException"/>; a cancellation only when the token was cancelled.</summary>
    public async Task<ChatResult> RunAsync(ChatJob job, JobContext context)
    {
        var clock = Stopwatch.StartNew();
        Action<string> writePiece = PieceWriter(context);
        // The job's own output queue: its messages are written in job order, before its outcome.
        RequestLog log = _log.PostingTo(context.Post);
        Task<LaminiChatResponse> Send(ChatRequest request) => SendAsync(request, writePiece, log, context.Cancellation);

        LaminiChatResponse reply = await Send(job.Request).ConfigureAwait(false);
        bool stoppedAtLimit = false;
        if (_tools is not null)
        {
            (reply, stoppedAtLimit) = await FollowToolCallsAsync(_tools, job, reply, Send, log, clock, context.Cancellation).ConfigureAwait(false);
        }

        reply.Prompt = job.Prompt;
        reply.RequestedModel = job.Request.Model;
        return stoppedAtLimit ? new ChatResult(reply, null, stoppedAtToolRoundLimit: true) : WithJsonCheck(reply, job.Request.Settings);
    }

    /// <summary>
    /// Answers the calls of each reply and sends the results, until a reply asks for none, the answerer
    /// gives none, or the most rounds allowed are done (then StoppedAtLimit). The last reply carries the
    /// usage of every round and the time since the job began.
    /// </summary>
    private static async Task<(LaminiChatResponse Reply, bool StoppedAtLimit)> FollowToolCallsAsync(
        IToolCallAnswerer tools,
        ChatJob job,
        LaminiChatResponse reply,
        Func<ChatRequest, Task<LaminiChatResponse>> send,
        RequestLog log,
        Stopwatch clock,
        CancellationToken cancellationToken)
    {
        ChatRequest request = job.Request;
        LaminiUsage? usage = reply.Usage;
        bool stoppedAtLimit = false;
        for (int round = 1; reply.ToolCalls.Count > 0; round++)
        {
            if (round > tools.MaximumRounds)
            {
                stoppedAtLimit = true;
                break;
            }

            IReadOnlyList<LaminiChatMessage>? answers = await tools.AnswerAsync(job.Prompt, reply.ToolCalls, cancellationToken).ConfigureAwait(false);
            if (answers is null)
            {
                break;
            }

            log.Verbose($"Sending the results of round {round} of tool calls ({answers.Count}).");
            request = new ChatRequest(request.Model, MessageHistory.Append(reply.Messages, answers.ToArray()), request.Settings.ForToolResults());
            reply = await send(request).ConfigureAwait(false);
            usage = LaminiUsage.Sum(usage, reply.Usage);
            reply.Elapsed = clock.Elapsed;
        }

        reply.Usage = usage;
        return (reply, stoppedAtLimit);
    }

    /// <summary>Without JSON asked for, the reply as it is; with it, the reply's text read as JSON (into Data when it reads).</summary>
    private static ChatResult WithJsonCheck(LaminiChatResponse reply, ChatSettings settings)
    {
        if (!settings.WantsJson)
        {
            return new ChatResult(reply, null);
        }

        JsonReplyCheckResult check = JsonReplyCheck.ReadReply(reply.Content, settings.JsonSchema);
        if (check.Success)
        {
            reply.Data = check.Data;
        }

        return new ChatResult(reply, check);
    }

    /// <summary>
    /// The client turns every cancellation it did not get from this token into a LaminiApiException, which here
    /// keeps the messages sent: after tool rounds, the only copy of the results the tools gave.
    /// </summary>
    private async Task<LaminiChatResponse> SendAsync(ChatRequest request, Action<string> writePiece, RequestLog log, CancellationToken cancellationToken)
    {
        try
        {
            return await (_stream
                ? _client.StreamChatCompletionAsync(request, writePiece, log, cancellationToken)
                : _client.CreateChatCompletionAsync(request, log, cancellationToken)).ConfigureAwait(false);
        }
        catch (LaminiApiException failure)
        {
            // Wrapped, not copied: a batch that continues one long conversation holds it once.
            failure.Messages = new LaminiMessageList(MessageHistory.Append(request.Messages));
            throw;
        }
    }

    private Action<string> PieceWriter(JobContext context) =>
        _writePiece is { } write ? piece => context.Post(() => write(piece)) : static _ => { };
}
