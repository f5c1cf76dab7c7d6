using System;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Client;
using LaminiPS.Engine;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands;

/// <summary>
/// Connection parameters shared by every cmdlet that calls the service, plus cancellation and the
/// hand-off of worker-thread messages to the pipeline thread.
/// </summary>
public abstract class LaminiCommandBase : PSCmdlet, IDisposable
{
    public const string DefaultBaseUri = "https://api.lamini.ai/inf";

    /// <summary>A server that never answers holds a scheduled task for this long, not for every attempt's -TimeoutSec.</summary>
    private const int DefaultTotalTimeoutSec = 300;

    private readonly CancellationTokenSource _cancellation = new();
    private LaminiApiClient? _client;

    /// <summary>Lamini API key. Default: $env:LAMINI_API_KEY, then production.key in ~/.lamini/configure.yaml.</summary>
    [Parameter]
    public SecureString? ApiKey { get; set; }

    /// <summary>Service base URI. Default: $env:LAMINI_API_URL + /inf, configure.yaml's production.url + /inf, then https://api.lamini.ai/inf.</summary>
    [Parameter]
    public Uri? BaseUri { get; set; }

    /// <summary>Seconds each attempt may take (for streams: the longest wait between events); 0 means no limit.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 300;

    /// <summary>
    /// Seconds the whole call may take, retries and the waits between them included (for streams:
    /// until the first event). Default: 300, or -TimeoutSec when that is larger; 0 means no limit.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int? TotalTimeoutSec { get; set; }

    /// <summary>How often a transient failure (connection, timeout, 408, 409, 429, 5xx) is retried.</summary>
    [Parameter]
    [ValidateRange(0, 100)]
    public int MaximumRetryCount { get; set; } = 2;

    /// <summary>Base of the exponential backoff between retries, in seconds, when the server sends no Retry-After.</summary>
    [Parameter]
    [ValidateRange(0.0, 600.0)]
    public double RetryIntervalSec { get; set; } = 0.5;

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    [Parameter]
    public Uri? Proxy { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    [Parameter]
    public SwitchParameter ProxyUseDefaultCredentials { get; set; }

    /// <summary>Allows sending the key over plain http:// to a host that is not loopback.</summary>
    [Parameter]
    public SwitchParameter AllowUnencryptedAuthentication { get; set; }

    private protected LaminiApiClient Client => _client ?? throw new InvalidOperationException("BeginProcessing has not run.");

    protected CancellationToken Cancellation => _cancellation.Token;

    /// <summary>The hand-off of work from other threads to the pipeline thread, run while it waits in <see cref="WaitUntil"/>.</summary>
    private protected PipelineDispatcher Pipeline { get; } = new();

    /// <summary>Verbose and debug text from worker threads, delivered on the pipeline thread while it waits.</summary>
    private protected RequestLog Log { get; private set; } = RequestLog.None;

    protected override void BeginProcessing()
    {
        ConnectionSettings settings = ResolveConnection();
        _client = new LaminiApiClient(settings);
        // Marshalling a message costs a wake-up of the pipeline thread: only pay it when someone listens.
        Log = new RequestLog(
            IsStreamEnabled("Verbose", "VerbosePreference") ? WriteVerbose : null,
            IsStreamEnabled("Debug", "DebugPreference") ? WriteDebug : null,
            Post);
        WriteVerbose(string.Format(
            CultureInfo.InvariantCulture,
            "Using {0} (each attempt: {1}; the whole call: {2})",
            settings.BaseUri,
            Limit(settings.Timeout),
            Limit(settings.TotalTimeout)));
    }

    protected override void StopProcessing() => _cancellation.Cancel();

    private static string Limit(TimeSpan limit) =>
        limit > TimeSpan.Zero ? limit.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s" : "no limit";

    /// <summary>Whether -Verbose/-Debug (or the caller's preference variable) would show the stream.</summary>
    private bool IsStreamEnabled(string switchName, string preferenceVariable)
    {
        if (MyInvocation.BoundParameters.TryGetValue(switchName, out object? value))
        {
            return value is SwitchParameter { IsPresent: true } || value is true;
        }

        // `$DebugPreference = 'Continue'` in a function or script block makes a new, untyped variable
        // holding the string: convert as PowerShell itself does, not only the typed global one.
        return LanguagePrimitives.TryConvertTo(GetVariableValue(preferenceVariable), CultureInfo.InvariantCulture, out ActionPreference preference)
            && preference is not ActionPreference.SilentlyContinue and not ActionPreference.Ignore;
    }

    public void Dispose()
    {
        _cancellation.Cancel();
        _cancellation.Dispose();
        Pipeline.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Queues work for the pipeline thread (only it may write to the pipeline) and wakes it.</summary>
    protected void Post(Action action) => Pipeline.Post(action);

    /// <summary>
    /// Blocks the pipeline thread until <paramref name="done"/> holds, running the work other threads
    /// hand to it meanwhile; Ctrl+C ends the wait at once.
    /// </summary>
    protected void WaitUntil(Func<bool> done)
    {
        try
        {
            Pipeline.RunUntil(done, _cancellation.Token);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Submits a job once the scheduler has room; meanwhile, and right after, hands every outcome
    /// whose turn has come to <paramref name="write"/> (false when it reported a failure instead), in
    /// input order. <paramref name="progress"/> counts both.
    /// </summary>
    private protected void SubmitInOrder<TJob, TResult>(OrderedScheduler<TJob, TResult> jobs, TJob job, Func<JobOutcome<TJob, TResult>, bool> write, BatchProgress progress)
    {
        WaitUntil(() => WriteFinished(jobs, write, progress) && jobs.HasRoom);
        jobs.Submit(job);
        WriteFinished(jobs, write, progress);
        progress.Submitted();
    }

    /// <summary>Waits for every job still held, handing each outcome to <paramref name="write"/> in input order; then closes <paramref name="progress"/>.</summary>
    private protected void FinishInOrder<TJob, TResult>(OrderedScheduler<TJob, TResult> jobs, Func<JobOutcome<TJob, TResult>, bool> write, BatchProgress progress)
    {
        WaitUntil(() => WriteFinished(jobs, write, progress) && jobs.Held == 0);
        progress.Finished();
    }

    /// <summary>Waits for one task while delivering its messages; for cmdlets that make a single call.</summary>
    protected T Await<T>(Task<T> task)
    {
        task.ContinueWith(_ => Pipeline.Wake(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        WaitUntil(() => task.IsCompleted);
        if (task.IsCanceled && _cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// True when the job succeeded. Otherwise shows its end as PowerShell expects: a stop for a
    /// cancellation, an error record about <paramref name="prompt"/> (its target, named in its
    /// message) for a service failure (the pipeline goes on), and the original exception, with its
    /// stack, for a defect.
    /// </summary>
    private protected bool Succeeded<TJob, TResult>(JobOutcome<TJob, TResult> outcome, string prompt)
    {
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Succeeded:
                return true;
            case JobOutcomeKind.Cancelled:
                throw new PipelineStoppedException();
            case JobOutcomeKind.ServiceFailure when outcome.Failure is LaminiApiException failure:
                WriteError(NamingPrompt(ToErrorRecord(failure, prompt), prompt));
                return false;
            default:
                ExceptionDispatchInfo.Capture(outcome.Failure!).Throw();
                return false;
        }
    }

    /// <summary>True, after writing every outcome whose turn has come, so it can lead a wait condition.</summary>
    private static bool WriteFinished<TJob, TResult>(OrderedScheduler<TJob, TResult> jobs, Func<JobOutcome<TJob, TResult>, bool> write, BatchProgress progress)
    {
        // Taking runs the output each job posted (a stream's text pieces) before its outcome.
        while (jobs.TryTakeNext(out JobOutcome<TJob, TResult> outcome))
        {
            progress.Completed(failed: !write(outcome));
        }

        return true;
    }

    protected static ErrorRecord ToErrorRecord(LaminiApiException exception, object? target)
    {
        var record = new ErrorRecord(exception, ErrorIdFor(exception.Kind), CategoryFor(exception.Kind), target);
        if (exception.Kind == LaminiFailureKind.ToolChoiceUnsupported)
        {
            const string advice = "Name the tool the model must call with -ToolChoice <name>, or use another model.";
            record.ErrorDetails = new ErrorDetails(Sentences.Join(exception.Message, advice)) { RecommendedAction = advice };
        }

        return record;
    }

    /// <summary>A structured reply to <paramref name="prompt"/> that is not JSON or breaks its schema; the details show the raw reply.</summary>
    private protected static ErrorRecord ToErrorRecord(JsonReplyCheckResult check, LaminiChatResponse reply, string prompt)
    {
        var error = new LaminiJsonReplyException(check.Message ?? "The reply does not match the schema.", reply.Content, check.Violations, reply);
        var record = new ErrorRecord(error, check.ErrorId ?? ErrorIds.JsonReplyInvalid, ErrorCategory.InvalidResult, prompt)
        {
            ErrorDetails = new ErrorDetails($"{error.Message} Raw reply: {ChatMessageRules.Shorten(reply.Content ?? string.Empty, 500)}"),
        };
        return NamingPrompt(record, prompt);
    }

    /// <summary>
    /// Starts the record's message (its ErrorDetails, what PowerShell shows and Out-File writes) with
    /// the prompt it concerns, so a log of a batch's errors alone says which questions failed.
    /// </summary>
    private protected static ErrorRecord NamingPrompt(ErrorRecord record, string prompt)
    {
        record.ErrorDetails = new ErrorDetails($"Prompt '{ChatMessageRules.PromptLabel(prompt)}': {record.ErrorDetails?.Message ?? record.Exception.Message}")
        {
            RecommendedAction = record.ErrorDetails?.RecommendedAction,
        };
        return record;
    }

    internal static string ErrorIdFor(LaminiFailureKind kind) => kind switch
    {
        LaminiFailureKind.Unauthorized => ErrorIds.Unauthorized,
        LaminiFailureKind.PermissionDenied => ErrorIds.PermissionDenied,
        LaminiFailureKind.ProxyAuthenticationRequired => ErrorIds.ProxyAuthenticationRequired,
        LaminiFailureKind.NotFound => ErrorIds.NotFound,
        LaminiFailureKind.ModelNotFound => ErrorIds.ModelNotFound,
        LaminiFailureKind.BadRequest => ErrorIds.BadRequest,
        LaminiFailureKind.RateLimited => ErrorIds.RateLimited,
        LaminiFailureKind.ServiceUnavailable => ErrorIds.ServiceUnavailable,
        LaminiFailureKind.ServerError => ErrorIds.ServerError,
        LaminiFailureKind.Redirected => ErrorIds.Redirected,
        LaminiFailureKind.RetryAfterTooLong => ErrorIds.RetryAfterTooLong,
        LaminiFailureKind.Timeout => ErrorIds.Timeout,
        LaminiFailureKind.ConnectionFailed => ErrorIds.ConnectionFailed,
        LaminiFailureKind.InvalidResponse => ErrorIds.InvalidResponse,
        LaminiFailureKind.EmptyResponse => ErrorIds.EmptyResponse,
        LaminiFailureKind.ResponseTooLarge => ErrorIds.ResponseTooLarge,
        LaminiFailureKind.StreamError => ErrorIds.StreamError,
        LaminiFailureKind.StreamTruncated => ErrorIds.StreamTruncated,
        LaminiFailureKind.ToolChoiceUnsupported => ErrorIds.ToolChoiceUnsupported,
        _ => ErrorIds.UnexpectedStatus,
    };

    internal static ErrorCategory CategoryFor(LaminiFailureKind kind) => kind switch
    {
        LaminiFailureKind.Unauthorized or LaminiFailureKind.PermissionDenied or LaminiFailureKind.ProxyAuthenticationRequired => ErrorCategory.PermissionDenied,
        LaminiFailureKind.NotFound or LaminiFailureKind.ModelNotFound => ErrorCategory.ObjectNotFound,
        LaminiFailureKind.BadRequest or LaminiFailureKind.Redirected => ErrorCategory.InvalidArgument,
        LaminiFailureKind.RateLimited or LaminiFailureKind.RetryAfterTooLong or LaminiFailureKind.ResponseTooLarge => ErrorCategory.LimitsExceeded,
        LaminiFailureKind.ServiceUnavailable or LaminiFailureKind.ServerError or LaminiFailureKind.StreamError => ErrorCategory.ResourceUnavailable,
        LaminiFailureKind.Timeout => ErrorCategory.OperationTimeout,
        LaminiFailureKind.ConnectionFailed or LaminiFailureKind.StreamTruncated => ErrorCategory.ConnectionError,
        LaminiFailureKind.InvalidResponse or LaminiFailureKind.EmptyResponse => ErrorCategory.InvalidResult,
        LaminiFailureKind.ToolChoiceUnsupported => ErrorCategory.NotImplemented,
        _ => ErrorCategory.ProtocolError,
    };

    private ConnectionSettings ResolveConnection()
    {
        LaminiConfigFile? config = null;
        string configPath = LaminiConfigFile.DefaultPath();
        try
        {
            config = LaminiConfigFile.Load(configPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteWarning($"Could not read {configPath}: {ex.Message}");
        }

        Uri baseUri;
        SecureString key;
        try
        {
            baseUri = ConnectionResolver.ResolveBaseUri(BaseUri, config);
            key = ConnectionResolver.ResolveApiKey(ApiKey, config, configPath);
        }
        catch (ConnectionSettingException ex)
        {
            throw Terminate(ex, ex.ErrorId, ex.Category, ex.Target);
        }

        if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback && !AllowUnencryptedAuthentication)
        {
            throw Terminate(
                new InvalidOperationException(
                    $"Refusing to send the API key over unencrypted http:// to {baseUri.Host}. Use https://, or add -AllowUnencryptedAuthentication if you accept the risk."),
                ErrorIds.UnencryptedAuthenticationRefused,
                ErrorCategory.SecurityError,
                baseUri);
        }

        RefuseProxyConflicts();
        return SettingsFor(baseUri, key);
    }

    /// <summary>-ProxyCredential needs -Proxy and excludes -ProxyUseDefaultCredentials, as in Invoke-RestMethod.</summary>
    private void RefuseProxyConflicts()
    {
        if (ProxyCredential is not null && Proxy is null)
        {
            throw Terminate(
                new ArgumentException("-ProxyCredential is the login for the proxy given with -Proxy; add -Proxy <address>, as with Invoke-RestMethod."),
                ErrorIds.ProxyCredentialNeedsProxy,
                ErrorCategory.InvalidArgument,
                null);
        }

        if (ProxyCredential is not null && ProxyUseDefaultCredentials)
        {
            throw Terminate(
                new ArgumentException("Use either -ProxyCredential (a given login) or -ProxyUseDefaultCredentials (the logged-on user), not both."),
                ErrorIds.ProxyCredentialConflict,
                ErrorCategory.InvalidArgument,
                null);
        }
    }

    private ConnectionSettings SettingsFor(Uri baseUri, SecureString key) => new(baseUri, key)
    {
        Timeout = TimeSpan.FromSeconds(TimeoutSec),
        TotalTimeout = TimeSpan.FromSeconds(TotalTimeoutSec ?? (TimeoutSec == 0 ? 0 : Math.Max(TimeoutSec, DefaultTotalTimeoutSec))),
        MaximumRetryCount = MaximumRetryCount,
        RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
        UserAgent = ConnectionResolver.UserAgent(),
        Transport = new TransportSettings
        {
            SkipCertificateCheck = SkipCertificateCheck,
            Proxy = Proxy,
            ProxyCredential = ProxyCredential?.GetNetworkCredential(),
            ProxyUseDefaultCredentials = ProxyUseDefaultCredentials,
            ConnectTimeout = TimeoutSec is > 0 and < 10 ? TimeSpan.FromSeconds(TimeoutSec) : TimeSpan.FromSeconds(10),
        },
    };

    /// <summary>Stops the command with <paramref name="refusal"/>, an error found before anything is sent; does nothing when it is null.</summary>
    private protected void StopAt(ErrorRecord? refusal)
    {
        if (refusal is not null)
        {
            ThrowTerminatingError(refusal);
        }
    }

    /// <summary>Builds the exception ThrowTerminatingError raises, so callers can write "throw Terminate(...)".</summary>
    protected PipelineStoppedException Terminate(Exception exception, string errorId, ErrorCategory category, object? target)
    {
        ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target));
        return new PipelineStoppedException();
    }
}
