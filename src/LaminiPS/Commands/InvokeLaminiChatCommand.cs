using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading.Tasks;
using LaminiPS.Client;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands;

/// <summary>Sends chat completions (POST /chat/completions): one per prompt, piped or given.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "LaminiChat", DefaultParameterSetName = PromptSet)]
[OutputType(typeof(LaminiChatResponse))]
[OutputType(typeof(string), typeof(PSObject))]
public sealed class InvokeLaminiChatCommand : LaminiCommandBase
{
    public const string DefaultModel = "meta-llama/Llama-3.2-3B-Instruct";

    private const string PromptSet = "Prompt";
    private const string MessagesSet = "Messages";
    private static readonly string[] s_roles = { "system", "user", "assistant", "tool" };
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(250);

    private readonly Queue<WorkItem> _pending = new();
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private LaminiJsonSchema? _schema;
    private string? _responseFormatJson;
    private List<KeyValuePair<string, string>> _additionalFields = new();
    private int _submitted;
    private int _completed;
    private int _failed;
    private int? _expectedTotal;
    private bool _progressShown;

    /// <summary>The user message; every string piped in is one completion (messages[].content).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Prompt { get; set; }

    /// <summary>A system message placed before the prompt (messages[0], role system).</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string? SystemPrompt { get; set; }

    /// <summary>A previous reply to continue: its history is sent before the new prompt.</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = PromptSet)]
    public LaminiChatResponse? Conversation { get; set; }

    /// <summary>A whole conversation (messages): LaminiChatMessage objects or hashtables with role and content.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MessagesSet)]
    [ValidateNotNullOrEmpty]
    public object[]? Messages { get; set; }

    /// <summary>The model id (model). Default: $env:LAMINI_MODEL, else meta-llama/Llama-3.2-3B-Instruct.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ModelNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>Model objects piped from Get-LaminiModel: the prompt is sent to each.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public LaminiModel? InputModel { get; set; }

    /// <summary>Sampling temperature, 0 to 2 (temperature).</summary>
    [Parameter]
    [ValidateRange(0.0, 2.0)]
    public double? Temperature { get; set; }

    /// <summary>Nucleus sampling mass, 0 to 1 (top_p).</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? TopP { get; set; }

    /// <summary>Most tokens to generate (max_tokens); a reply cut there has finish reason 'length'.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? MaxTokens { get; set; }

    /// <summary>Up to four sequences where generation stops (stop).</summary>
    [Parameter]
    [ValidateCount(1, 4)]
    [ValidateNotNullOrEmpty]
    public string[]? Stop { get; set; }

    /// <summary>Seed for repeatable sampling (seed).</summary>
    [Parameter]
    public long? Seed { get; set; }

    /// <summary>-2 to 2 (presence_penalty).</summary>
    [Parameter]
    [ValidateRange(-2.0, 2.0)]
    public double? PresencePenalty { get; set; }

    /// <summary>-2 to 2 (frequency_penalty).</summary>
    [Parameter]
    [ValidateRange(-2.0, 2.0)]
    public double? FrequencyPenalty { get; set; }

    /// <summary>How many alternative replies to generate (n); all are kept in Choices.</summary>
    [Parameter]
    [ValidateRange(1, 128)]
    public int? Count { get; set; }

    /// <summary>Seconds Lamini caches a third-party model's reply (cache.ttl).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? CacheTtl { get; set; }

    /// <summary>Structured output (response_format json_schema): a LaminiJsonSchema, a hashtable schema, or JSON text.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? JsonSchema { get; set; }

    /// <summary>Ask for any JSON object (response_format json_object); the reply is parsed into Data.</summary>
    [Parameter]
    public SwitchParameter JsonObject { get; set; }

    /// <summary>Emit only the parsed JSON data (with -JsonSchema or -JsonObject), ready for Export-Csv.</summary>
    [Parameter]
    [Alias("DataOnly")]
    public SwitchParameter AsObject { get; set; }

    /// <summary>Extra body fields for anything without a parameter; nested hashtables become nested JSON.</summary>
    [Parameter]
    [ValidateNotNull]
    public IDictionary? AdditionalParameters { get; set; }

    /// <summary>Requests in flight at once for piped prompts (1 = one after another).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 5;

    /// <summary>Write the reply's text to the pipeline piece by piece as it arrives (stream).</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>With -Stream: also write the assembled LaminiChatResponse at the end.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (AsObject && JsonSchema is null && !JsonObject)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-AsObject emits the parsed JSON reply; use it together with -JsonSchema or -JsonObject."),
                ErrorIds.AsObjectNeedsJson,
                ErrorCategory.InvalidArgument,
                null));
        }

        PrepareResponseFormat();
        PrepareAdditionalFields();
        base.BeginProcessing();
        if (!MyInvocation.ExpectingInput && Prompt is not null)
        {
            _expectedTotal = Prompt.Length;
        }
    }

    protected override void ProcessRecord()
    {
        string model = Model ?? InputModel?.Id ?? Conversation?.RequestedModel ?? ModelFromEnvironment() ?? DefaultModel;
        if (ParameterSetName == MessagesSet)
        {
            List<LaminiChatMessage> messages = ValidateMessages(Messages!);
            string label = messages.LastOrDefault(m => m.Role == "user")?.Content ?? messages.Last().Content ?? string.Empty;
            Submit(label, BuildRequest(model, messages));
        }
        else
        {
            foreach (string prompt in Prompt!)
            {
                Submit(prompt, BuildRequest(model, ConversationFor(prompt)));
            }
        }

        EmitFinished();
    }

    protected override void EndProcessing()
    {
        while (_pending.Count > 0)
        {
            WaitForWake();
            Pump();
            EmitFinished();
        }

        Pump();
        if (_progressShown)
        {
            WriteProgress(new ProgressRecord(1, "Invoke-LaminiChat", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private static string? ModelFromEnvironment() =>
        Environment.GetEnvironmentVariable("LAMINI_MODEL") is { Length: > 0 } model ? model : null;

    private List<LaminiChatMessage> ConversationFor(string prompt)
    {
        var messages = new List<LaminiChatMessage>();
        if (Conversation is not null)
        {
            messages.AddRange(Conversation.Messages);
        }

        if (SystemPrompt is not null && !messages.Any(m => m.Role == "system"))
        {
            messages.Insert(0, new LaminiChatMessage("system", SystemPrompt));
        }

        messages.Add(new LaminiChatMessage("user", prompt));
        return messages;
    }

    private ChatRequest BuildRequest(string model, IReadOnlyList<LaminiChatMessage> messages) => new(model, messages)
    {
        Temperature = Temperature,
        TopP = TopP,
        MaxTokens = MaxTokens,
        Stop = Stop,
        Seed = Seed,
        PresencePenalty = PresencePenalty,
        FrequencyPenalty = FrequencyPenalty,
        Count = Count,
        CacheTtlSeconds = CacheTtl,
        ResponseFormatJson = _responseFormatJson,
        AdditionalFields = _additionalFields,
    };

    /// <summary>
    /// Starts a request once fewer than ThrottleLimit are in flight. Replies are written in input
    /// order as soon as they and every earlier one are done.
    /// </summary>
    private void Submit(string prompt, ChatRequest request)
    {
        int limit = Stream ? 1 : ThrottleLimit;
        while (_pending.Count(item => !item.Task.IsCompleted) >= limit || _pending.Count >= limit * 4)
        {
            WaitForWake();
            Pump();
            EmitFinished();
        }

        // -AsObject promises only the parsed data: the streamed text pieces are not written then.
        Action<string> onPiece = AsObject ? _ => { } : piece => Post(() => WriteObject(piece));
        Task<LaminiChatResponse> task = Stream
            ? Client.StreamChatCompletionAsync(request, onPiece, Log, Cancellation)
            : Client.CreateChatCompletionAsync(request, Log, Cancellation);
        task.ContinueWith(_ => Wake(), System.Threading.CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _pending.Enqueue(new WorkItem(prompt, request, task));
        _submitted++;
        ReportProgress(force: false);
    }

    private void EmitFinished()
    {
        while (_pending.Count > 0 && _pending.Peek().Task.IsCompleted)
        {
            // Text pieces of a stream are queued before its completion: deliver them first.
            Pump();
            WorkItem item = _pending.Dequeue();
            Emit(item);
            ReportProgress(force: false);
        }
    }

    private void Emit(WorkItem item)
    {
        if (item.Task.IsCanceled)
        {
            throw new PipelineStoppedException();
        }

        if (item.Task.IsFaulted)
        {
            Exception error = item.Task.Exception!.GetBaseException();
            if (error is OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }

            if (error is not LaminiApiException apiError)
            {
                // Not a service failure but a defect: rethrow with its original stack for the bug report.
                ExceptionDispatchInfo.Capture(error).Throw();
                return;
            }

            _failed++;
            _completed++;
            WriteError(ToErrorRecord(apiError, item.Prompt));
            return;
        }

        _completed++;
        LaminiChatResponse reply = item.Task.Result;
        reply.Prompt = item.Prompt;
        reply.RequestedModel = item.Request.Model;
        if (reply.FinishReason == "length")
        {
            WriteWarning(MaxTokens is int max
                ? $"The reply to '{Shorten(item.Prompt)}' was cut off at -MaxTokens {max} (finish_reason 'length')."
                : $"The reply to '{Shorten(item.Prompt)}' was cut off at the model's length limit (finish_reason 'length').");
        }

        if (_responseFormatJson is not null && !ParseStructuredReply(reply, item.Prompt))
        {
            _failed++;
            return;
        }

        if (AsObject)
        {
            WriteObject(reply.Data, enumerateCollection: false);
        }
        else if (!Stream || PassThru)
        {
            WriteObject(reply);
        }
    }

    private bool ParseStructuredReply(LaminiChatResponse reply, string prompt)
    {
        JsonReplyCheckResult check = JsonReplyCheck.Check(reply.Content, _schema);
        if (check.Success)
        {
            reply.Data = _schema is null ? check.Data : InSchemaOrder(check.Data, _schema);
            return true;
        }

        var error = new LaminiJsonReplyException(check.Message ?? "The reply does not match the schema.", reply.Content, check.Violations, reply);
        WriteError(new ErrorRecord(error, check.ErrorId ?? ErrorIds.JsonReplyInvalid, ErrorCategory.InvalidResult, prompt)
        {
            ErrorDetails = new ErrorDetails($"{error.Message} Raw reply: {Shorten(reply.Content ?? string.Empty, 500)}"),
        });
        return false;
    }

    /// <summary>Properties follow the schema's order (not the model's), so CSV columns come out as declared.</summary>
    private static object? InSchemaOrder(object? data, LaminiJsonSchema schema)
    {
        if (data is not PSObject { BaseObject: PSCustomObject } source || schema.Schema["properties"] is not IDictionary properties)
        {
            return data;
        }

        var ordered = new PSObject();
        foreach (object name in properties.Keys)
        {
            if (source.Properties[name.ToString()] is PSPropertyInfo property)
            {
                ordered.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
        }

        foreach (PSPropertyInfo property in source.Properties)
        {
            if (ordered.Properties[property.Name] is null)
            {
                ordered.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            }
        }

        return ordered;
    }

    private void ReportProgress(bool force)
    {
        int total = _expectedTotal ?? _submitted;
        if (total <= 1 || (!force && _sinceProgress.Elapsed < s_progressInterval))
        {
            return;
        }

        _sinceProgress.Restart();
        int inFlight = _pending.Count(item => !item.Task.IsCompleted);
        var record = new ProgressRecord(1, "Invoke-LaminiChat", $"{_completed} done, {inFlight} in flight, {_failed} failed")
        {
            PercentComplete = _expectedTotal is int expected ? Math.Min(100, _completed * 100 / expected) : -1,
        };
        WriteProgress(record);
        _progressShown = true;
    }

    private void PrepareResponseFormat()
    {
        if (JsonSchema is not null && JsonObject)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("Use either -JsonSchema (a schema the reply must follow) or -JsonObject (any JSON object), not both."),
                ErrorIds.InvalidSchema,
                ErrorCategory.InvalidArgument,
                null));
        }

        if (JsonObject)
        {
            _responseFormatJson = "{\"type\":\"json_object\"}";
            return;
        }

        if (JsonSchema is null)
        {
            return;
        }

        try
        {
            _schema = SchemaBuilder.FromAny(JsonSchema);
        }
        catch (LaminiSchemaException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, JsonSchema));
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            _schema!.WriteResponseFormat(writer);
        }

        _responseFormatJson = Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void PrepareAdditionalFields()
    {
        if (AdditionalParameters is null)
        {
            return;
        }

        foreach (DictionaryEntry entry in AdditionalParameters)
        {
            string name = entry.Key?.ToString() ?? string.Empty;
            if (name.Trim().Length == 0)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-AdditionalParameters has an empty key; every key names a request body field."),
                    ErrorIds.InvalidAdditionalParameters,
                    ErrorCategory.InvalidArgument,
                    AdditionalParameters));
            }

            try
            {
                _additionalFields.Add(new KeyValuePair<string, string>(name, PowerShellJson.Serialize(entry.Value)));
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-AdditionalParameters['{name}'] cannot be written as JSON: {ex.Message}", ex),
                    ErrorIds.InvalidAdditionalParameters,
                    ErrorCategory.InvalidArgument,
                    entry.Value));
            }
        }

        if (AdditionalParameters is not OrderedDictionary)
        {
            _additionalFields = _additionalFields.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
        }

        // Runs after PrepareResponseFormat, so the probe sets exactly the fields a real request will.
        ChatRequest probe = BuildRequest("probe", Array.Empty<LaminiChatMessage>());
        foreach (string shadowed in probe.ShadowedAdditionalFields(Stream))
        {
            WriteWarning($"-AdditionalParameters['{shadowed}'] is ignored: a parameter of Invoke-LaminiChat already sets that field.");
        }
    }

    /// <summary>Turns -Messages entries into messages, failing before any request on a bad one.</summary>
    private List<LaminiChatMessage> ValidateMessages(object[] entries)
    {
        var messages = new List<LaminiChatMessage>();
        for (int i = 0; i < entries.Length; i++)
        {
            object? entry = entries[i] is PSObject wrapped ? wrapped.BaseObject : entries[i];
            LaminiChatMessage message = entry switch
            {
                LaminiChatMessage typed => typed,
                IDictionary table => new LaminiChatMessage(Lookup(table, "role") ?? string.Empty, Lookup(table, "content")) { Name = Lookup(table, "name"), ToolCallId = Lookup(table, "tool_call_id") ?? Lookup(table, "ToolCallId") },
                PSCustomObject when entries[i] is PSObject ps => new LaminiChatMessage(ps.Properties["role"]?.Value?.ToString() ?? string.Empty, ps.Properties["content"]?.Value?.ToString()),
                _ => new LaminiChatMessage(string.Empty, null),
            };
            string? problem = !s_roles.Contains(message.Role)
                ? $"has role '{message.Role}'; use one of {string.Join(", ", s_roles)}"
                : message.Content is null && message.ToolCalls is null ? "has no content" : null;
            if (problem is not null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-Messages entry {i} {problem}. Give hashtables like @{{ role = 'user'; content = 'Hello' }} or LaminiChatMessage objects."),
                    ErrorIds.InvalidMessage,
                    ErrorCategory.InvalidArgument,
                    entries[i]));
            }

            messages.Add(message);
        }

        return messages;
    }

    private static string? Lookup(IDictionary table, string key)
    {
        foreach (DictionaryEntry entry in table)
        {
            if (string.Equals(entry.Key?.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value is PSObject ps ? ps.BaseObject?.ToString() : entry.Value?.ToString();
            }
        }

        return null;
    }

    private static string Shorten(string text, int length = 60) =>
        text.Length <= length ? text : text.Substring(0, length) + "…";

    private sealed class WorkItem
    {
        public WorkItem(string prompt, ChatRequest request, Task<LaminiChatResponse> task)
        {
            Prompt = prompt;
            Request = request;
            Task = task;
        }

        public string Prompt { get; }

        public ChatRequest Request { get; }

        public Task<LaminiChatResponse> Task { get; }
    }
}
