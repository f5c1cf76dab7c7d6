using System.Collections;
using System.Collections.Generic;
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
    private PromptSources? _sources;
    private PromptHistory? _history;
    private string _defaultModel = string.Empty;

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
    public double? Temperature { get => _settings.Temperature; set => _settings = _settings with { Temperature = value }; }

    /// <summary>Nucleus sampling mass, 0 to 1 (top_p).</summary>
    [Parameter, ValidateRange(0.0, 1.0)]
    public double? TopP { get => _settings.TopP; set => _settings = _settings with { TopP = value }; }

    /// <summary>Most tokens to generate (max_tokens); a reply cut there has finish reason 'length'.</summary>
    [Parameter, ValidateRange(1, int.MaxValue)]
    public int? MaxTokens { get => _settings.MaxTokens; set => _settings = _settings with { MaxTokens = value }; }

    /// <summary>Up to four sequences where generation stops (stop).</summary>
    [Parameter, ValidateCount(1, 4), ValidateNotNullOrEmpty]
    public string[]? Stop { get => _settings.Stop; set => _settings = _settings with { Stop = value }; }

    /// <summary>Seed for repeatable sampling (seed).</summary>
    [Parameter]
    public long? Seed { get => _settings.Seed; set => _settings = _settings with { Seed = value }; }

    /// <summary>-2 to 2 (presence_penalty).</summary>
    [Parameter, ValidateRange(-2.0, 2.0)]
    public double? PresencePenalty { get => _settings.PresencePenalty; set => _settings = _settings with { PresencePenalty = value }; }

    /// <summary>-2 to 2 (frequency_penalty).</summary>
    [Parameter, ValidateRange(-2.0, 2.0)]
    public double? FrequencyPenalty { get => _settings.FrequencyPenalty; set => _settings = _settings with { FrequencyPenalty = value }; }

    /// <summary>How many alternative replies to generate (n); all are kept in Choices.</summary>
    [Parameter, ValidateRange(1, 128)]
    public int? Count { get => _settings.Count; set => _settings = _settings with { Count = value }; }

    /// <summary>Seconds Lamini caches a third-party model's reply (cache.ttl).</summary>
    [Parameter, ValidateRange(0, int.MaxValue)]
    public int? CacheTtl { get => _settings.CacheTtlSeconds; set => _settings = _settings with { CacheTtlSeconds = value }; }

    /// <summary>Structured output (response_format json_schema): a LaminiJsonSchema, a hashtable schema, a [type], or JSON text.</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [Parameter(ParameterSetName = MessagesSet)]
    [ValidateNotNull, JsonSchemaTransformation]
    public LaminiJsonSchema? JsonSchema { get => _settings.JsonSchema; set => _settings = _settings with { JsonSchema = value }; }

    /// <summary>Ask for any JSON object (response_format json_object); the reply is parsed into Data.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PromptJsonObjectSet)]
    [Parameter(Mandatory = true, ParameterSetName = MessagesJsonObjectSet)]
    public SwitchParameter JsonObject { get => _settings.JsonObject; set => _settings = _settings with { JsonObject = value }; }

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
        bool piping = MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(InputObject));
        _sources = new PromptSources(Prompt is not null, Conversation is not null, ToolResult is not null, Messages is not null, piping);
        StopAt(AsObjectRefusal() ?? _sources.NothingToSend);
        List<KeyValuePair<string, string>> fields = AdditionalFields.From(AdditionalParameters, WriteWarning, out ErrorRecord? invalidField);
        StopAt(invalidField);
        string? toolChoice = ToolChoiceResolver.ForRequest(ToolChoice, Tool, InvokeTool, out ErrorRecord? invalidToolUse);
        StopAt(invalidToolUse);
        base.BeginProcessing();

        // Read once per command, as the key and base URI are: a batch of piped records shares one
        // default (reading it per record cost about 1 % of a piped batch's CPU). A row's Model still
        // wins; a script that changes $env:LAMINI_MODEL while its own pipeline runs is no use to serve.
        _defaultModel = ConnectionResolver.ModelFromEnvironment();
        _settings = _settings with { Tools = Tool, ToolChoice = toolChoice, AdditionalFields = fields };
        _history = new PromptHistory(ToolResult, WriteError);

        // -AsObject promises only the parsed data: streamed text pieces are not written then.
        ToolCallRunner? tools = InvokeTool ? new ToolCallRunner(Tool!, MaximumToolRound, Pipeline, this) : null;
        var runner = new ChatJobRunner(Client, Log, Stream, AsObject ? null : piece => WriteObject(piece), tools);
        _jobs = runner.Scheduler(ThrottleLimit, Pipeline.Wake, Cancellation);
        _progress = new BatchProgress("Invoke-LaminiChat", MyInvocation.ExpectingInput ? null : Prompt?.Length, () => _jobs.Running, WriteProgress);
    }

    protected override void ProcessRecord()
    {
        if (_sources!.Read(InputObject, WriteError) is not PipedItem piped)
        {
            return;
        }

        string model = Model ?? piped.Model ?? Conversation?.RequestedModel ?? _defaultModel;
        if (Messages is not null)
        {
            StopAt(ChatMessagesTransformationAttribute.Refusal(Messages));
            Submit(ChatJob.ForConversation(model, Messages, _settings));
        }
        else if (_history!.For(piped.Conversation ?? Conversation, SystemPrompt ?? piped.SystemPrompt) is { } history)
        {
            foreach (ChatJob job in ChatJob.ForTurns(model, history, piped.BringsPrompt ? piped.Prompts : Prompt, _settings))
            {
                Submit(job);
            }
        }
    }

    protected override void EndProcessing()
    {
        FinishInOrder(_jobs!, Write, _progress!);
        if (_sources!.BlankPromptWarning is string skipped)
        {
            WriteWarning(skipped);
        }
    }

    /// <summary>The error for -AsObject without -JsonSchema or -JsonObject, else null. Not a parameter set: the binder
    /// would answer -AsObject alone with an ambiguous-set error that names neither rule (tried: AsObject in JSON sets only).</summary>
    private ErrorRecord? AsObjectRefusal() => AsObject && JsonSchema is null && !JsonObject
        ? new ErrorRecord(new PSArgumentException("-AsObject emits the parsed JSON reply; use it together with -JsonSchema or -JsonObject."), ErrorIds.AsObjectNeedsJson, ErrorCategory.InvalidArgument, null)
        : null;

    private void Submit(ChatJob job) => SubmitInOrder(_jobs!, job, Write, _progress!);

    /// <summary>True when the reply, or its data, is written; false when an error about its prompt is written instead.</summary>
    private bool Write(JobOutcome<ChatJob, ChatResult> outcome) =>
        Succeeded(outcome, outcome.Job.Prompt) && WriteReply(outcome.Result!, outcome.Job.Prompt);

    /// <summary>Writes the reply, its data or (streamed text only) nothing, after its warnings; false when an error is written instead.</summary>
    private bool WriteReply(ChatResult result, string prompt)
    {
        foreach (string warning in ReplyWarnings.For(result, MaxTokens, textOnly: Stream && !PassThru))
        {
            WriteWarning(warning);
        }

        if (ReplyError(result, prompt) is ErrorRecord error)
        {
            WriteError(error);
            return false;
        }

        // With -Stream the text is written already; -PassThru adds the reply.
        if (AsObject || !Stream || PassThru)
        {
            WriteObject(AsObject ? result.Response.Data : result.Response);
        }

        return true;
    }

    /// <summary>What is written instead of a reply that still asks for tool calls after the last round, or that is not the JSON asked for.</summary>
    private ErrorRecord? ReplyError(ChatResult result, string prompt) =>
        result.StoppedAtToolRoundLimit ? NamingPrompt(ToolCallRunner.RoundLimitError(result.Response, MaximumToolRound), prompt)
        : result.JsonCheck is { Success: false } check ? ToErrorRecord(check, result.Response, prompt)
        : null;
}
