using System;
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
}

/// <summary>A finished job: the reply and, when the request asked for JSON, how its text read as JSON.</summary>
internal sealed class ChatResult
{
    public ChatResult(LaminiChatResponse response, JsonReplyCheckResult? jsonCheck)
    {
        Response = response;
        JsonCheck = jsonCheck;
    }

    public LaminiChatResponse Response { get; }

    /// <summary>Null when no JSON was asked for; a failed check means the reply is reported, not written.</summary>
    public JsonReplyCheckResult? JsonCheck { get; }
}

/// <summary>
/// Runs chat jobs off the pipeline thread: sends each request (streamed or not), names the reply
/// after its prompt and reads a JSON reply against its schema. Stream text goes to the pipeline
/// thread through the dispatcher, in order, before the job ends.
/// </summary>
internal sealed class ChatJobRunner
{
    private readonly LaminiApiClient _client;
    private readonly RequestLog _log;
    private readonly PipelineDispatcher _pipeline;
    private readonly bool _stream;
    private readonly Action<string>? _writePiece;
    private readonly Action<string> _postPiece;

    /// <param name="writePiece">With <paramref name="stream"/>: runs on the pipeline thread for each text piece; null drops them.</param>
    public ChatJobRunner(LaminiApiClient client, RequestLog log, PipelineDispatcher pipeline, bool stream, Action<string>? writePiece)
    {
        _client = client;
        _log = log;
        _pipeline = pipeline;
        _stream = stream;
        _writePiece = writePiece;
        _postPiece = PostPiece;
    }

    /// <summary>Service failures end as <see cref="LaminiApiException"/>; a cancellation only when the token was cancelled.</summary>
    public async Task<ChatResult> RunAsync(ChatJob job, CancellationToken cancellationToken)
    {
        // The client turns every cancellation it did not get from this token into a LaminiApiException.
        LaminiChatResponse reply = _stream
            ? await _client.StreamChatCompletionAsync(job.Request, _postPiece, _log, cancellationToken).ConfigureAwait(false)
            : await _client.CreateChatCompletionAsync(job.Request, _log, cancellationToken).ConfigureAwait(false);

        reply.Prompt = job.Prompt;
        reply.RequestedModel = job.Request.Model;
        if (!job.Request.Settings.WantsJson)
        {
            return new ChatResult(reply, null);
        }

        JsonReplyCheckResult check = SchemaOrder.ReadReply(reply.Content, job.Request.Settings.JsonSchema);
        if (check.Success)
        {
            reply.Data = check.Data;
        }

        return new ChatResult(reply, check);
    }

    private void PostPiece(string piece)
    {
        if (_writePiece is not null)
        {
            _pipeline.Post(() => _writePiece(piece));
        }
    }
}
