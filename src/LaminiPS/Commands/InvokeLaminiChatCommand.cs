using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Client;
using LaminiPS.Commands.Tools;
using LaminiPS.Commands.Transformations;
using LaminiPS.Commands.Validation;
using LaminiPS.Engine;
using LaminiPS.Models;

namespace LaminiPS.Commands;

/// <summary>Sends chat completions (POST /chat/completions): one per prompt, piped or given.</summary>
/// <remarks>ShouldProcess is asked only before a tool call runs (-InvokeTool); without tools nothing asks it.</remarks>
[Cmdlet(VerbsLifecycle.Invoke, "LaminiChat", DefaultParameterSetName = PromptSet, SupportsShouldProcess = true, HelpUri = OnlineHelp.Pages + "Invoke-LaminiChat.md")]
[OutputType(typeof(LaminiChatResponse))]
[OutputType(typeof(string), typeof(PSObject))]
public sealed class InvokeLaminiChatCommand : LaminiCommandBase
{
    // -JsonSchema and -JsonObject live in different sets, so Get-Command -Syntax shows they exclude each other.
    private const string PromptSet = "Prompt";
    private const string PromptJsonObjectSet = "PromptJsonObject";
    private const string MessagesSet = "Messages";
    private const string MessagesJsonObjectSet = "MessagesJsonObject";

    private ChatSettings _settings = new();
    private OrderedScheduler<ChatJob, ChatResult>? _jobs;
    private BatchProgress? _progress;
    private LaminiChatResponse? _historyOf;
    private string? _historySystemPrompt;
    private IReadOnlyList<LaminiChatMessage>? _history;
    private int _blankPrompts;

    /// <summary>The user message; each string is one completion (messages[].content). Piped strings, and the Prompt of piped objects, are prompts too.</summary>
    [Parameter(Position = 0, ParameterSetName = PromptSet)]
    [Parameter(Position = 0, ParameterSetName = PromptJsonObjectSet)]
    [ValidateNotNullOrEmpty, ValidateNotBlank]
    public string[]? Prompt { get; set; }

    /// <summary>A system message placed before the prompt (messages[0], role system).</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [Parameter(ParameterSetName = PromptJsonObjectSet)]
    [ValidateNotNullOrEmpty]
    public string? SystemPrompt { get; set; }

    /// <summary>A previous reply to continue: its history is sent before the new prompt. A piped reply does the same.</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [Parameter(ParameterSetName = PromptJsonObjectSet)]
    [ConversationTransformation]
    public LaminiChatResponse? Conversation { get; set; }

    /// <summary>Answers the tool calls of the reply being continued: its one call's result, or one result per call in order.</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [Parameter(ParameterSetName = PromptJsonObjectSet)]
    public object?[]? ToolResult { get; set; }

    /// <summary>A whole conversation (messages): LaminiChatMessage objects, hashtables or objects with role and content.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MessagesSet)]
    [Parameter(Mandatory = true, ParameterSetName = MessagesJsonObjectSet)]
    [ValidateNotNullOrEmpty, ChatMessagesTransformation]
    public LaminiChatMessage[]? Messages { get; set; }

    /// <summary>The model id (model). Default: $env:LAMINI_MODEL, else meta-llama/Llama-3.2-3B-Instruct.</summary>
    [Parameter, ArgumentCompleter(typeof(ModelNameCompleter)), ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>
    /// Whatever is piped in, read by <see cref="PipedInput"/>: prompts, objects with Prompt/Model/SystemPrompt,
    /// replies to continue, models to ask. One parameter takes it all, so no object is bound to -Prompt as its ToString().
    /// Not in the -Messages sets: there, with nothing else to tell the sets apart, piped input would leave the binder guessing.
    /// </summary>
    [Parameter(ValueFromPipeline = true, DontShow = true, ParameterSetName = PromptSet)]
    [Parameter(ValueFromPipeline = true, DontShow = true, ParameterSetName = PromptJsonObjectSet)]
    [AllowNull]
    public object? InputObject { get; set; }

    /// <summary>Sampling temperature, 0 to 2 (temperature).</summary>
    [Parameter, ValidateRange(0.0, 2.0)]
    public double? Temperature { get; set; }

    /// <summary>Nucleus sampling mass, 0 to 1 (top_p).</summary>
    [Parameter, ValidateRange(0.0, 1.0)]
    public double? TopP { get; set; }

    /// <summary>Most tokens to generate (max_tokens); a reply cut there has finish reason 'length'.</summary>
    [Parameter, ValidateRange(1, int.MaxValue)]
    public int? MaxTokens { get; set; }

    /// <summary>Up to four sequences where generation stops (stop).</summary>
    [Parameter, ValidateCount(1, 4), ValidateNotNullOrEmpty]
    public string[]? Stop { get; set; }

    /// <summary>Seed for repeatable sampling (seed).</summary>
    [Parameter]
    public long? Seed { get; set; }

    /// <summary>-2 to 2 (presence_penalty).</summary>
    [Parameter, ValidateRange(-2.0, 2.0)]
    public double? PresencePenalty { get; set; }

    /// <summary>-2 to 2 (frequency_penalty).</summary>
    [Parameter, ValidateRange(-2.0, 2.0)]
    public double? FrequencyPenalty { get; set; }

    /// <summary>How many alternative replies to generate (n); all are kept in Choices.</summary>
    [Parameter, ValidateRange(1, 128)]
    public int? Count { get; set; }

    /// <summary>Seconds Lamini caches a third-party model's reply (cache.ttl).</summary>
    [Parameter, ValidateRange(0, int.MaxValue)]
    public int? CacheTtl { get; set; }

    /// <summary>Structured output (response_format json_schema): a LaminiJsonSchema, a hashtable schema, a [type], or JSON text.</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [Parameter(ParameterSetName = MessagesSet)]
    [ValidateNotNull, JsonSchemaTransformation]
    public LaminiJsonSchema? JsonSchema { get; set; }

    /// <summary>Ask for any JSON object (response_format json_object); the reply is parsed into Data.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PromptJsonObjectSet)]
    [Parameter(Mandatory = true, ParameterSetName = MessagesJsonObjectSet)]
    public SwitchParameter JsonObject { get; set; }

    /// <summary>Emit only the parsed JSON data (with -JsonSchema or -JsonObject), ready for Export-Csv.</summary>
    [Parameter, Alias("DataOnly")]
    public SwitchParameter AsObject { get; set; }

    /// <summary>Extra body fields for anything without a parameter; nested hashtables become nested JSON.</summary>
    [Parameter, ValidateNotNull]
    public IDictionary? AdditionalParameters { get; set; }

    /// <summary>Functions the model may ask to call (tools): commands (Get-Command output or names), or definitions in the OpenAI shape as hashtables or JSON text.</summary>
    [Parameter, ValidateNotNullOrEmpty, ToolTransformation]
    public LaminiTool[]? Tool { get; set; }

    /// <summary>tool_choice: auto, none, required, or the name of the one tool the model must call.</summary>
    [Parameter, ValidateNotNullOrEmpty]
    public string? ToolChoice { get; set; }

    /// <summary>Run the commands given to -Tool when the model calls them, and send the results until it answers.</summary>
    [Parameter]
    public SwitchParameter InvokeTool { get; set; }

    /// <summary>With -InvokeTool: most rounds of tool calls run for one prompt before ToolRoundLimit.</summary>
    [Parameter, ValidateRange(1, 100)]
    public int MaximumToolRound { get; set; } = 8;

    /// <summary>Requests in flight at once for piped prompts (1 = one after another).</summary>
    [Parameter, ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 5;

    /// <summary>Write the reply's text to the pipeline piece by piece as it arrives (stream).</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>With -Stream: also write the assembled LaminiChatResponse at the end.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        RefuseWhatCannotWork();
        List<KeyValuePair<string, string>> fields = AdditionalFields.From(AdditionalParameters, WriteWarning, out ErrorRecord? invalidField);
        if (invalidField is not null)
        {
            ThrowTerminatingError(invalidField);
        }

        string? toolChoice = ResolveToolUse();
        base.BeginProcessing();
        _settings = Settings(fields, toolChoice);

        // -AsObject promises only the parsed data: streamed text pieces are not written then.
        ToolCallRunner? tools = InvokeTool ? new ToolCallRunner(Tool!, MaximumToolRound, Pipeline, this) : null;
        var runner = new ChatJobRunner(Client, Log, Stream, AsObject ? null : piece => WriteObject(piece), tools);
        int limit = Stream ? 1 : ThrottleLimit;
        _jobs = new OrderedScheduler<ChatJob, ChatResult>(limit, limit * 4, runner.RunAsync, ex => ex is LaminiApiException, Pipeline.Wake, Cancellation);
        _progress = new BatchProgress("Invoke-LaminiChat", MyInvocation.ExpectingInput ? null : Prompt?.Length, () => _jobs.Running, WriteProgress);
    }

    protected override void ProcessRecord()
    {
        PipedItem? piped = MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)) ? PipedInput.Read(InputObject) : null;
        if (piped is not null && !CanSendFor(piped))
        {
            return;
        }

        string model = ConnectionResolver.ResolveModel(Model ?? piped?.Model ?? Conversation?.RequestedModel);
        if (Messages is not null)
        {
            if (ChatMessageRules.FirstProblem(Messages, out int index) is string problem)
            {
                throw Terminate(
                    new PSArgumentException($"-Messages entry {index} {problem}. Give hashtables like @{{ role = 'user'; content = 'Hello' }} or LaminiChatMessage objects."),
                    ErrorIds.InvalidMessage,
                    ErrorCategory.InvalidArgument,
                    Messages[index]);
            }

            Submit(new ChatJob(ChatMessageRules.Label(Messages), new ChatRequest(model, Messages, _settings)));
            return;
        }

        if (HistoryFor(piped?.Conversation ?? Conversation, SystemPrompt ?? piped?.SystemPrompt) is { } history)
        {
            SubmitTurns(model, history, piped is { BringsPrompt: true } ? piped.Prompts : Prompt);
        }
    }

    protected override void EndProcessing()
    {
        FinishInOrder(_jobs!, Write);
        if (_blankPrompts > 0)
        {
            WriteWarning(_blankPrompts == 1
                ? "Skipped 1 blank prompt (empty or only whitespace): nothing was sent for it."
                : $"Skipped {_blankPrompts} blank prompts (empty or only whitespace): nothing was sent for them.");
        }

        _progress!.Finished();
    }

    /// <summary>Stops before any request for arguments that cannot work together, or that leave nothing to send.</summary>
    private void RefuseWhatCannotWork()
    {
        // Not a parameter set: the binder would answer -AsObject alone with an ambiguous-set error that names neither rule.
        if (AsObject && JsonSchema is null && !JsonObject)
        {
            throw Terminate(
                new PSArgumentException("-AsObject emits the parsed JSON reply; use it together with -JsonSchema or -JsonObject."),
                ErrorIds.AsObjectNeedsJson,
                ErrorCategory.InvalidArgument,
                null);
        }

        // -Prompt is not mandatory, as piped objects bring their own; with nothing piped either, say what is missing.
        if (Prompt is null && Messages is null && ToolResult is null && !MyInvocation.ExpectingInput && !MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)))
        {
            throw Terminate(
                new PSArgumentException("Nothing to send: give -Prompt 'your question', pipe prompts in (Get-Content questions.txt | Invoke-LaminiChat), or give -Messages. To continue a conversation: $reply | Invoke-LaminiChat -Prompt 'your next question'."),
                ErrorIds.PromptMissing,
                ErrorCategory.InvalidArgument,
                null);
        }
    }

    /// <summary>
    /// Whether something is to be sent for the piped object. If not, its blank prompts are counted
    /// (they are skipped, with one warning for the batch), or an error for that object alone says why.
    /// </summary>
    private bool CanSendFor(PipedItem piped)
    {
        if (piped.Problem is not null)
        {
            WriteError(PipedInputError(piped.Problem, piped.ProblemErrorId));
            return false;
        }

        if (Conflict(piped) is string conflict)
        {
            WriteError(PipedInputError(conflict, ErrorIds.InvalidPipelineInput));
            return false;
        }

        _blankPrompts += piped.BlankPrompts;
        if (piped.BringsPrompt)
        {
            return piped.Prompts.Count > 0;
        }

        if (Prompt is not null || ToolResult is not null)
        {
            return true;
        }

        WriteError(PipedInputError(piped.NoPromptAdvice, ErrorIds.PromptMissing));
        return false;
    }

    private ErrorRecord PipedInputError(string message, string errorId) =>
        new(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, InputObject);

    /// <summary>What the piped object brings that the command line gives already; null when nothing.</summary>
    private string? Conflict(PipedItem piped) =>
        piped.Prompts.Count > 0 && Prompt is not null
            ? $"Nothing was sent for the piped prompt '{PromptLabel(piped.Prompts[0])}': -Prompt is given too. Pipe prompts or give -Prompt, not both."
        : piped.Conversation is not null && Conversation is not null
            ? "Nothing was sent for the piped reply: -Conversation is given too. Pipe the reply or give -Conversation, not both."
        : null;

    /// <summary>
    /// What a prompt follows: the conversation after the system prompt, then -ToolResult's answers to its calls; the
    /// same list for as long as both stay. Null when -ToolResult can't answer them (reported).
    /// </summary>
    private IReadOnlyList<LaminiChatMessage>? HistoryFor(LaminiChatResponse? conversation, string? systemPrompt)
    {
        if (_history is null || !ReferenceEquals(_historyOf, conversation) || _historySystemPrompt != systemPrompt)
        {
            IReadOnlyList<LaminiChatMessage> start = ChatMessageRules.Start(conversation?.Messages, systemPrompt);
            _history = ToolResult is null ? start : ToolResultMessages.Answer(start, conversation, ToolResult, WriteError);
            (_historyOf, _historySystemPrompt) = (conversation, systemPrompt);
        }

        return _history;
    }

    /// <summary>One job per prompt, each after the history; without prompts (-ToolResult alone), one for the history itself.</summary>
    private void SubmitTurns(string model, IReadOnlyList<LaminiChatMessage> history, IReadOnlyList<string>? prompts)
    {
        if (prompts is null)
        {
            Submit(new ChatJob(ChatMessageRules.Label(history), new ChatRequest(model, history, _settings)));
            return;
        }

        foreach (string prompt in prompts)
        {
            Submit(new ChatJob(prompt, new ChatRequest(model, MessageHistory.Append(history, new LaminiChatMessage("user", prompt)), _settings)));
        }
    }

    private void Submit(ChatJob job)
    {
        SubmitInOrder(_jobs!, job, Write);
        _progress!.Submitted();
    }

    private void Write(JobOutcome<ChatJob, ChatResult> outcome)
    {
        bool written = Succeeded(outcome, outcome.Job.Prompt) && WriteReply(outcome.Result!, outcome.Job.Prompt);
        _progress!.Completed(failed: !written);
    }

    private bool WriteReply(ChatResult result, string prompt)
    {
        LaminiChatResponse reply = result.Response;
        if (result.StoppedAtToolRoundLimit)
        {
            WriteError(NamingPrompt(ToolCallRunner.RoundLimitError(reply, MaximumToolRound), prompt));
            return false;
        }

        WarnIfCutShort(reply, prompt);

        if (Stream && !PassThru && reply.ToolCalls.Count > 0)
        {
            // Only text is written while streaming: without this, the calls would vanish unseen.
            WriteWarning($"The reply to '{PromptLabel(prompt)}' asks to call {string.Join(", ", reply.ToolCalls.Select(call => call.Name))}; add -PassThru to get the calls in the reply's ToolCalls.");
        }

        if (result.JsonCheck is { Success: false } check)
        {
            WriteError(ToErrorRecord(check, reply, prompt));
            return false;
        }

        if (AsObject)
        {
            WriteObject(reply.Data, enumerateCollection: false);
        }
        else if (!Stream || PassThru)
        {
            WriteObject(reply);
        }

        return true;
    }

    /// <summary>-ToolChoice as it is sent; stops the command when it, or -InvokeTool, can't work with the -Tool given.</summary>
    private string? ResolveToolUse()
    {
        if (InvokeTool && Tool is null)
        {
            throw Terminate(new PSArgumentException("-InvokeTool runs the commands given to -Tool; give -Tool too."), ErrorIds.InvokeToolNeedsTool, ErrorCategory.InvalidArgument, null);
        }

        try
        {
            return ToolChoice is null ? null : ToolChoiceResolver.Resolve(ToolChoice, Tool);
        }
        catch (ArgumentException ex)
        {
            throw Terminate(ex, ErrorIds.InvalidToolChoice, ErrorCategory.InvalidArgument, ToolChoice);
        }
    }

    /// <summary>A reply the server stopped early is still written, so the warning is what tells the user.</summary>
    private void WarnIfCutShort(LaminiChatResponse reply, string prompt)
    {
        if (reply.FinishReason == "length")
        {
            string limit = MaxTokens is int max ? $"-MaxTokens {max}" : "the model's length limit";
            WriteWarning($"The reply to '{PromptLabel(prompt)}' was cut off at {limit} (finish_reason 'length').");
        }
        else if (reply.FinishReason == "content_filter")
        {
            WriteWarning($"The reply to '{PromptLabel(prompt)}' was stopped by the server's content filter (finish_reason 'content_filter'): its text may be cut short or empty.");
        }
    }

    private ChatSettings Settings(List<KeyValuePair<string, string>> additionalFields, string? toolChoice) => new()
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
        JsonSchema = JsonSchema,
        JsonObject = JsonObject,
        AdditionalFields = additionalFields,
        Tools = Tool,
        ToolChoice = toolChoice,
    };
}
