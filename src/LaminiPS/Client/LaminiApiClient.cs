using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// Talks to the OpenAI-compatible endpoints: builds requests, retries transient failures, enforces
/// deadlines and size bounds, and turns every failure into a <see cref="LaminiApiException"/>.
/// </summary>
internal sealed class LaminiApiClient
{
    /// <summary>A reply larger than this is refused rather than allowed to exhaust memory.</summary>
    public const long MaximumResponseBytes = 64L * 1024 * 1024;

    private const int MaximumErrorBodyBytes = 64 * 1024;

    /// <summary>A request id longer than this is the server's noise, not an id; it is shortened.</summary>
    private const int MaximumRequestIdLength = 100;

    private const string JsonMediaType = "application/json";

    private static readonly string[] s_requestIdHeaders = { "x-request-id", "request-id", "x-litellm-call-id", "x-amzn-requestid", "cf-ray" };

    private readonly ConnectionSettings _settings;
    private readonly HttpClient _http;
    private readonly RetryPolicy _retry;
    private readonly Uri _chatCompletions;

    public LaminiApiClient(ConnectionSettings settings)
    {
        _settings = settings;
        _http = HttpClientCache.Get(settings.Transport);
        _retry = new RetryPolicy(settings.MaximumRetryCount, settings.RetryInterval);
        _chatCompletions = Endpoint("chat/completions");
    }

    public Uri Endpoint(string relativePath) =>
        new(_settings.BaseUri.AbsoluteUri.TrimEnd('/') + "/" + relativePath.TrimStart('/'));

    public async Task<IReadOnlyList<LaminiModel>> ListModelsAsync(RequestLog log, CancellationToken cancellationToken)
    {
        Uri uri = Endpoint("models");
        return await SendAsync(
            () => WithAccept(new HttpRequestMessage(HttpMethod.Get, uri), JsonMediaType),
            async (response, deadline) =>
            {
                ArraySegment<byte> body = await ReadBodyAsync(response, MaximumResponseBytes, deadline.Token).ConfigureAwait(false);
                return Parse(body, root => ResponseParser.ParseModels(root), "model list");
            },
            model: null,
            log,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<LaminiChatResponse> CreateChatCompletionAsync(ChatRequest request, RequestLog log, CancellationToken cancellationToken)
    {
        Uri uri = _chatCompletions;
        byte[] body = request.ToJson(stream: false);
        var stopwatch = Stopwatch.StartNew();
        LaminiChatResponse reply = await SendAsync(
            () => JsonPost(uri, body, JsonMediaType),
            async (response, deadline) =>
            {
                ArraySegment<byte> body = await ReadBodyAsync(response, MaximumResponseBytes, deadline.Token).ConfigureAwait(false);
                return Parse(body, root => ResponseParser.ParseCompletion(root, request.Messages), "chat completion");
            },
            request.Model,
            log,
            cancellationToken).ConfigureAwait(false);
        reply.Elapsed = stopwatch.Elapsed;
        return reply;
    }

    /// <summary>
    /// Streams a completion, handing each text piece to <paramref name="onText"/> as it arrives.
    /// A failure before any text arrived is retried; after that it is reported, never retried.
    /// </summary>
    public async Task<LaminiChatResponse> StreamChatCompletionAsync(
        ChatRequest request, Action<string> onText, RequestLog log, CancellationToken cancellationToken)
    {
        Uri uri = _chatCompletions;
        byte[] body = request.ToJson(stream: true);
        var stopwatch = Stopwatch.StartNew();
        LaminiChatResponse reply = await SendAsync(
            // A stream request can still be answered with JSON: an error, or a whole completion.
            () => JsonPost(uri, body, "text/event-stream, " + JsonMediaType),
            (response, deadline) => ReadStreamAsync(response, deadline, request, onText),
            request.Model,
            log,
            cancellationToken).ConfigureAwait(false);
        reply.Elapsed = stopwatch.Elapsed;
        return reply;
    }

    internal static HttpRequestMessage JsonPost(Uri uri, byte[] body, string accept)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };

        // .NET Framework would otherwise wait for "100 Continue" before every body: a round trip each.
        request.Headers.ExpectContinue = false;
        return WithAccept(request, accept);
    }

    private static HttpRequestMessage WithAccept(HttpRequestMessage request, string accept)
    {
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return request;
    }

    private async Task<T> SendAsync<T>(
        Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, AttemptDeadline, Task<T>> readSuccess,
        string? model,
        RequestLog log,
        CancellationToken cancellationToken)
    {
        try
        {
            return await SendWithRetriesAsync(createRequest, readSuccess, model, log, cancellationToken).ConfigureAwait(false);
        }
        catch (LaminiApiException ex)
        {
            throw WithoutKey(ex);
        }
    }

    private async Task<T> SendWithRetriesAsync<T>(
        Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, AttemptDeadline, Task<T>> readSuccess,
        string? model,
        RequestLog log,
        CancellationToken cancellationToken)
    {
        int maximumAttempts = _retry.MaximumRetryCount + 1;
        var call = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            (T? value, AttemptFailure? failed) = await AttemptAsync(
                createRequest, readSuccess, model, log, new AttemptNumber(attempt, maximumAttempts), call.Elapsed, cancellationToken).ConfigureAwait(false);
            if (failed is null)
            {
                return value!;
            }

            if (!failed.Retryable || attempt >= maximumAttempts)
            {
                throw failed.Error;
            }

            TimeSpan wait = RetryWait(failed, attempt, call.Elapsed);
            log.Verbose(string.Format(
                CultureInfo.InvariantCulture,
                "Attempt {0} of {1} failed ({2}); retrying in {3:0.###} s.",
                attempt,
                maximumAttempts,
                failed.Error.StatusCode is int status ? $"HTTP {status}" : failed.Error.Kind.ToString(),
                wait.TotalSeconds));
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt, within what is left of the whole-call limit after <paramref name="elapsed"/>: the reply read by
    /// <paramref name="readSuccess"/>, or how the attempt failed. The caller's cancellation ends it as a cancellation.
    /// </summary>
    private async Task<(T? Value, AttemptFailure? Failure)> AttemptAsync<T>(
        Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, AttemptDeadline, Task<T>> readSuccess,
        string? model,
        RequestLog log,
        AttemptNumber attempt,
        TimeSpan elapsed,
        CancellationToken cancellationToken)
    {
        using var deadline = new AttemptDeadline(AttemptLimit(elapsed, out bool cutByTotal), _settings.Timeout, cancellationToken);
        HttpMethod? method = null;
        Uri? address = null;
        try
        {
            using HttpRequestMessage request = createRequest();
            method = request.Method;
            address = request.RequestUri!;
            Prepare(request, log, attempt);
            using HttpResponseMessage response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token)
                .ConfigureAwait(false);
            DebugAnswer(log, request, response);
            if (response.IsSuccessStatusCode)
            {
                return (await readSuccess(response, deadline).ConfigureAwait(false), null);
            }

            return (default, await ResponseFailureAsync(response, method, address, model, attempt.Number, deadline.Token).ConfigureAwait(false));
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not LaminiApiException)
        {
            throw new OperationCanceledException("The operation was stopped.", ex, cancellationToken);
        }
        catch (Exception ex) when (deadline.Expired && ex is not LaminiApiException)
        {
            string limit = cutByTotal ? $"the whole-call limit of {Seconds(_settings.TotalTimeout)} s (-TotalTimeoutSec)" : $"{Seconds(_settings.Timeout)} s";
            return (default, new AttemptFailure(TransportFailure(LaminiFailureKind.Timeout, $"No answer from {Route(method, address)} within {limit}", ex, attempt.Number), Retryable: !cutByTotal));
        }
        catch (Exception ex) when (ex is not LaminiApiException && TransportFault.From(ex, _settings.Transport.ConnectTimeout) is { } fault)
        {
            LaminiApiException failure = fault.Kind == LaminiFailureKind.ProxyAuthenticationRequired
                ? ProxyAuthenticationFailure(method!, address!, attempt.Number)
                : TransportFailure(fault.Kind, fault.Message(Route(method, address)), ex, attempt.Number);
            return (default, new AttemptFailure(failure, fault.Retryable));
        }
    }

    /// <summary>-TimeoutSec, or what is left of -TotalTimeoutSec after <paramref name="elapsed"/> when that is less (then <paramref name="cutByTotal"/>).</summary>
    private TimeSpan AttemptLimit(TimeSpan elapsed, out bool cutByTotal)
    {
        TimeSpan left = _settings.TotalTimeout - elapsed;
        cutByTotal = _settings.TotalTimeout > TimeSpan.Zero && (_settings.Timeout <= TimeSpan.Zero || left < _settings.Timeout);
        return cutByTotal ? TimeSpan.FromTicks(Math.Max(left.Ticks, TimeSpan.TicksPerMillisecond)) : _settings.Timeout;
    }

    private void DebugAnswer(RequestLog log, HttpRequestMessage request, HttpResponseMessage response)
    {
        if (log.IsDebugEnabled)
        {
            // A gateway may put the key it was sent into its reason phrase, as into its body.
            log.Debug($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} {WithKey(key => ApiKeyText.Mask(response.ReasonPhrase, key))}");
        }
    }

    /// <summary>The key, the user agent, and the debug line that names the attempt.</summary>
    private void Prepare(HttpRequestMessage request, RequestLog log, AttemptNumber attempt)
    {
        Authorize(request);
        if (_settings.UserAgent.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", _settings.UserAgent);
        }

        if (log.IsDebugEnabled)
        {
            log.Debug($"{request.Method} {request.RequestUri} (attempt {attempt.Number} of {attempt.Of}, {request.Content?.Headers.ContentLength ?? 0} bytes)");
        }
    }

    /// <summary>An answer that is no success: a proxy that wants a login (never retried), or the service's error.</summary>
    private async Task<AttemptFailure> ResponseFailureAsync(
        HttpResponseMessage response, HttpMethod method, Uri address, string? model, int attempt, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.ProxyAuthenticationRequired)
        {
            return new AttemptFailure(ProxyAuthenticationFailure(method, address, attempt), Retryable: false);
        }

        LaminiApiException failure = await HttpFailureAsync(response, address, model, attempt, cancellationToken).ConfigureAwait(false);
        return new AttemptFailure(failure, RetryPolicy.ShouldRetry(response), RetryPolicy.ServerRequestedDelaySeconds(response.Headers, DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// The wait before the next attempt: the server's, else the backoff. Throws the failure, with the reason
    /// added, when the server asks for longer than LaminiPS waits or the retry would start past -TotalTimeoutSec.
    /// </summary>
    private TimeSpan RetryWait(AttemptFailure failed, int attempt, TimeSpan elapsed)
    {
        LaminiApiException failure = failed.Error;
        if (failed.ServerDelaySeconds > RetryPolicy.MaximumServerDelay.TotalSeconds)
        {
            throw Retold(
                failure,
                LaminiFailureKind.RetryAfterTooLong,
                Sentences.Join(failure.Message, $"The server asked to wait {RetryPolicy.DescribeSeconds(failed.ServerDelaySeconds.Value)} s before retrying, longer than the {RetryPolicy.MaximumServerDelay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s LaminiPS waits; gave up"),
                failure,
                attempt);
        }

        TimeSpan wait = failed.ServerDelaySeconds is double seconds ? TimeSpan.FromSeconds(seconds) : _retry.Backoff(attempt - 1);
        TimeSpan total = _settings.TotalTimeout;
        if (total > TimeSpan.Zero && elapsed + wait >= total)
        {
            throw Retold(
                failure,
                failure.Kind,
                Sentences.Join(failure.Message, $"A retry in {Seconds(wait)} s would not start within the whole-call limit of {Seconds(total)} s (-TotalTimeoutSec); gave up"),
                failure.InnerException,
                attempt);
        }

        return wait;
    }

    /// <summary>A failure told again with why no retry follows: everything the server said and sent stays with it.</summary>
    private static LaminiApiException Retold(LaminiApiException failure, LaminiFailureKind kind, string message, Exception? inner, int attempts) =>
        new(kind, message, inner)
        {
            StatusCode = failure.StatusCode,
            ServerMessage = failure.ServerMessage,
            RequestId = failure.RequestId,
            Attempts = attempts,
            RawBody = failure.RawBody,
            PartialContent = failure.PartialContent,
        };

    /// <summary>Which attempt this is, of how many at most.</summary>
    private readonly record struct AttemptNumber(int Number, int Of);

    /// <summary>What a failed attempt leaves: the error to report, whether trying again may help, and any wait the server asked for.</summary>
    private sealed record AttemptFailure(LaminiApiException Error, bool Retryable, double? ServerDelaySeconds = null);

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The request as errors name it: method and address, and the proxy it went through.</summary>
    private string Route(HttpMethod? method, Uri? address) =>
        address is not null && ProxyFor(address) is Uri proxy ? $"{method} {address} through proxy {proxy}" : $"{method} {address}";

    /// <summary>-Proxy, else the system's proxy for this address; null when the request goes direct.</summary>
    private Uri? ProxyFor(Uri target)
    {
        if (_settings.Transport.Proxy is Uri explicitProxy)
        {
            return explicitProxy;
        }

        Uri? systemProxy = WebRequest.DefaultWebProxy?.GetProxy(target);
        return systemProxy is null || systemProxy == target ? null : systemProxy;
    }

    private LaminiApiException ProxyAuthenticationFailure(HttpMethod method, Uri address, int attempt)
    {
        TransportSettings transport = _settings.Transport;
        string proxy = ProxyFor(address) is Uri known ? $"The proxy {known}" : "A proxy";
        string route = $"{method} {address}";
        string what = transport.ProxyCredential is { } credential
            ? $"{proxy} did not accept the -ProxyCredential login of '{QualifiedUserName(credential)}' (HTTP 407 Proxy Authentication Required) for {route}. Check the user name and password, or try -ProxyUseDefaultCredentials"
            : transport.ProxyUseDefaultCredentials
                ? $"{proxy} did not accept the logged-on user's identity (-ProxyUseDefaultCredentials; HTTP 407 Proxy Authentication Required) for {route}. Give a login with -ProxyCredential"
                : $"{proxy} requires a login (HTTP 407 Proxy Authentication Required) for {route}. Give it with -ProxyCredential, or use -ProxyUseDefaultCredentials to sign in as the logged-on user";
        return new LaminiApiException(LaminiFailureKind.ProxyAuthenticationRequired, Sentences.Join(what, GaveUpAfter(attempt))) { StatusCode = 407, Attempts = attempt };
    }

    private static string QualifiedUserName(NetworkCredential credential) =>
        string.IsNullOrEmpty(credential.Domain) ? credential.UserName : $"{credential.Domain}\\{credential.UserName}";

    /// <summary>The key becomes plain text only here, for the one header that needs it.</summary>
    private void Authorize(HttpRequestMessage request)
    {
        IntPtr pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(_settings.ApiKey);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Marshal.PtrToStringUni(pointer));
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    /// <summary>
    /// Some gateways echo the key they were sent in their error text. Whatever the server said goes
    /// into the exception only with the key masked (see <see cref="ApiKeyText.Mask"/>).
    /// </summary>
    private LaminiApiException WithoutKey(LaminiApiException failure) => WithKey(key => Masked(failure, key));

    /// <summary>Runs <paramref name="use"/> with the key as plain text, which lives no longer than the call.</summary>
    private T WithKey<T>(Func<string, T> use)
    {
        IntPtr pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(_settings.ApiKey);
            return use(Marshal.PtrToStringUni(pointer));
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    private static LaminiApiException Masked(LaminiApiException failure, string key)
    {
        Exception? inner = failure.InnerException is LaminiApiException innerFailure ? Masked(innerFailure, key) : failure.InnerException;
        string? Mask(string? text) => ApiKeyText.Mask(text, key);
        bool leaks = new[] { failure.Message, failure.ServerMessage, failure.RawBody, failure.PartialContent, failure.RequestId }
            .Any(text => !ReferenceEquals(Mask(text), text));
        if (!leaks && ReferenceEquals(inner, failure.InnerException))
        {
            return failure;
        }

        return new LaminiApiException(failure.Kind, Mask(failure.Message)!, inner)
        {
            StatusCode = failure.StatusCode,
            ServerMessage = Mask(failure.ServerMessage),
            RequestId = Mask(failure.RequestId),
            Attempts = failure.Attempts,
            PartialContent = Mask(failure.PartialContent),
            RawBody = Mask(failure.RawBody),
        };
    }

    /// <summary>
    /// Reads the reply's UTF-8 bytes as they came: the parser makes the one pass over them (no text
    /// decoded first and encoded back). The text is decoded only to report a reply that is no JSON.
    /// </summary>
    private static T Parse<T>(ArraySegment<byte> body, Func<JsonElement, T> read, string what)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(WithoutByteOrderMark(body));
            return read(document.RootElement);
        }
        catch (JsonException ex)
        {
            string text = Text(body);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new LaminiApiException(LaminiFailureKind.EmptyResponse, $"The server answered with an empty body instead of a {what}.") { StatusCode = 200 };
            }

            string excerpt = ErrorBodyParser.Excerpt(text);
            throw new LaminiApiException(
                LaminiFailureKind.InvalidResponse,
                // The excerpt is the reply's own text, so it gets no full stop of ours.
                $"{Sentences.End($"The server's reply is not a valid {what}: {ex.Message}")} Reply starts: {excerpt}",
                ex)
            {
                StatusCode = 200,
                RawBody = excerpt,
            };
        }
    }

    private static ReadOnlyMemory<byte> WithoutByteOrderMark(ArraySegment<byte> body) =>
        body.AsMemory(SseReader.ByteOrderMarkLength(body.Array!, body.Offset, body.Count));

    private static string Text(ArraySegment<byte> body) => Encoding.UTF8.GetString(body.Array!, body.Offset, body.Count);

    /// <summary>The whole body as received, at most <paramref name="limit"/> bytes.</summary>
    private static async Task<ArraySegment<byte>> ReadBodyAsync(HttpResponseMessage response, long limit, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        using Stream stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);

        // Older stacks ignore the token on reads; disposing the response unblocks them.
        using CancellationTokenRegistration abort = cancellationToken.Register(response.Dispose);
        // Sized for the announced length up to 1 MiB: a false Content-Length must not reserve more.
        using var buffer = new MemoryStream(response.Content.Headers.ContentLength is long length ? (int)Math.Min(length, 1024 * 1024) : 0);
        // A pooled chunk: a fresh 80 KB array per reply was most of what a request allocated.
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static LaminiApiException TooLarge(long limit) =>
        new(LaminiFailureKind.ResponseTooLarge, $"The reply is larger than {limit / (1024 * 1024)} MiB; refused to read it.");

    private static async Task<LaminiChatResponse> ReadStreamAsync(
        HttpResponseMessage response, AttemptDeadline deadline, ChatRequest request, Action<string> onText)
    {
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadWholeCompletionAsync(response, deadline, request, onText).ConfigureAwait(false);
        }

        var assembler = new StreamAssembler();
        try
        {
            await new SseReader(response, deadline, MaximumResponseBytes).ReadAsync(data =>
            {
                if (data == "[DONE]")
                {
                    return false;
                }

                ApplyEvent(data, assembler, onText);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (assembler.ReceivedCharacters > 0 && ex is not LaminiApiException && !deadline.UserCancelled)
        {
            throw Truncated(assembler, deadline.Expired ? "no event arrived within the timeout" : TransportFault.InnermostMessage(ex), ex);
        }

        if (assembler.FinishReason is null)
        {
            throw Truncated(assembler, "the stream ended without a finish reason", null);
        }

        return assembler.Build(request.Messages);
    }

    /// <summary>Some servers answer a stream request with a plain completion; it is accepted whole, its text one piece.</summary>
    private static async Task<LaminiChatResponse> ReadWholeCompletionAsync(
        HttpResponseMessage response, AttemptDeadline deadline, ChatRequest request, Action<string> onText)
    {
        ArraySegment<byte> body = await ReadBodyAsync(response, MaximumResponseBytes, deadline.Token).ConfigureAwait(false);
        LaminiChatResponse whole = Parse(body, root => ResponseParser.ParseCompletion(root, request.Messages), "chat completion");
        if (!string.IsNullOrEmpty(whole.Content))
        {
            onText(whole.Content!);
        }

        return whole;
    }

    /// <summary>One event's chunk into the reply, its text to <paramref name="onText"/>; an error event ends the stream as a failure.</summary>
    private static void ApplyEvent(string data, StreamAssembler assembler, Action<string> onText)
    {
        using JsonDocument document = ParseEvent(data, assembler);
        if (IsErrorEvent(document.RootElement))
        {
            string message = ErrorBodyParser.ExtractMessage(data) ?? data;
            throw new LaminiApiException(
                LaminiFailureKind.StreamError,
                Sentences.End($"The server reported an error mid-stream after {assembler.ReceivedCharacters} characters had arrived: {message}"))
            {
                StatusCode = 200,
                ServerMessage = message,
                PartialContent = assembler.ContentSoFar,
            };
        }

        string? piece = assembler.Apply(document.RootElement);
        if (piece is not null)
        {
            onText(piece);
        }
    }

    /// <summary>OpenAI's {"error": {...}} or {"error": "text"}, or vLLM's flat {"object": "error", ...}.</summary>
    private static bool IsErrorEvent(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && ((root.TryGetProperty("error", out JsonElement error) && error.ValueKind is JsonValueKind.Object or JsonValueKind.String)
            || JsonRead.String(root, "object") == "error");

    private static JsonDocument ParseEvent(string data, StreamAssembler assembler)
    {
        try
        {
            return JsonDocument.Parse(data);
        }
        catch (JsonException ex)
        {
            throw new LaminiApiException(
                LaminiFailureKind.InvalidResponse,
                $"The stream carried an event that is not JSON after {assembler.ReceivedCharacters} characters had arrived: {ErrorBodyParser.Excerpt(data)}",
                ex)
            {
                StatusCode = 200,
                PartialContent = assembler.ContentSoFar,
                RawBody = ErrorBodyParser.Excerpt(data),
            };
        }
    }

    private static LaminiApiException Truncated(StreamAssembler assembler, string why, Exception? inner) =>
        new(LaminiFailureKind.StreamTruncated, $"The reply stream was cut short ({Sentences.Clause(why)}); {assembler.ReceivedCharacters} characters had arrived.", inner)
        {
            StatusCode = 200,
            PartialContent = assembler.ContentSoFar,
        };

    private async Task<LaminiApiException> HttpFailureAsync(HttpResponseMessage response, Uri requestUri, string? model, int attempt, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        string body = await ErrorBodyAsync(response, cancellationToken).ConfigureAwait(false);
        string? serverMessage = ErrorBodyParser.ExtractMessage(body);
        string? requestId = RequestIdOf(response);
        (LaminiFailureKind kind, string summary) = ErrorBodyParser.Classify(status, serverMessage, model, requestUri.Authority);
        var message = new StringBuilder(summary)
            .Append(" (HTTP ").Append(status.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(response.ReasonPhrase))
        {
            message.Append(' ').Append(response.ReasonPhrase);
        }

        message.Append(')');
        if (ProxyFor(requestUri) is Uri proxy)
        {
            // The answer may be the proxy's own, not the service's.
            message.Append(" through proxy ").Append(proxy);
        }

        if (serverMessage is not null)
        {
            message.Append(": ").Append(serverMessage);
        }

        string text = Sentences.Join(
            message.ToString(),
            kind == LaminiFailureKind.Redirected ? Redirect(response.Headers.Location, requestUri) : null,
            GaveUpAfter(attempt),
            requestId is null ? null : $"Request id: {requestId}");
        return new LaminiApiException(kind, text)
        {
            StatusCode = status,
            ServerMessage = serverMessage,
            RequestId = requestId,
            Attempts = attempt,
            RawBody = ErrorBodyParser.Excerpt(body),
        };
    }

    /// <summary>The error body as text; empty when it cannot be read (too large, cut off): the status still says what failed.</summary>
    private static async Task<string> ErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return Text(await ReadBodyAsync(response, MaximumErrorBodyBytes, cancellationToken).ConfigureAwait(false));
        }
        catch (LaminiApiException)
        {
            return string.Empty;
        }
    }

    /// <summary>The first request id header the answer has, shortened when it is too long to be an id.</summary>
    private static string? RequestIdOf(HttpResponseMessage response) => s_requestIdHeaders
        .Select(name => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null)
        .Where(value => !string.IsNullOrEmpty(value))
        .Select(value => ChatMessageRules.Shorten(value!, MaximumRequestIdLength))
        .FirstOrDefault();

    /// <summary>
    /// Redirects are never followed: the Authorization header would travel to whatever address the
    /// answer names. Says where it pointed and, when it keeps the endpoint's path, the base URI to use.
    /// </summary>
    private string Redirect(Uri? location, Uri requestUri)
    {
        if (location is null || !Uri.TryCreate(requestUri, location, out Uri? target))
        {
            return Sentences.Join("It named no usable Location; LaminiPS does not follow redirects", "Check -BaseUri");
        }

        string pointsTo = $"It points to {ErrorBodyParser.Excerpt(target.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped))}";
        string endpointPath = requestUri.AbsolutePath.Substring(_settings.BaseUri.AbsolutePath.TrimEnd('/').Length);
        string targetPath = target.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        string advice = targetPath.EndsWith(endpointPath, StringComparison.Ordinal)
            ? $"if that is the service's address, use -BaseUri {targetPath.Substring(0, targetPath.Length - endpointPath.Length)}"
            : "check -BaseUri";
        return Sentences.Join(pointsTo, $"LaminiPS does not follow redirects, so the API key never travels to another address; {advice}");
    }

    private static LaminiApiException TransportFailure(LaminiFailureKind kind, string summary, Exception inner, int attempt) =>
        new(kind, Sentences.Join(summary, GaveUpAfter(attempt)), inner) { Attempts = attempt };

    /// <summary>The sentence that says a failure was retried; null after one attempt.</summary>
    private static string? GaveUpAfter(int attempts) =>
        attempts > 1 ? $"Gave up after {attempts.ToString(CultureInfo.InvariantCulture)} attempts" : null;
}
