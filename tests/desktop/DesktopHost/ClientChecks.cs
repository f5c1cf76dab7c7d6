using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Security;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Client;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.DesktopHost;

/// <summary>The real client on the .NET Framework code path, against the test servers.</summary>
internal sealed class ClientChecks
{
    private const string Model = "meta-llama/Llama-3.2-3B-Instruct";
    private const string JsonAnswer = "{\"answer\": \"The one that carries your pack.\"}";

    // What powershell.exe has on servers without the SchUseStrongCrypto registry settings.
#pragma warning disable CA5364, CA5386 // Deliberately old: the process default LaminiPS must not depend on.
    private const SecurityProtocolType OldProcessDefault = SecurityProtocolType.Tls;
#pragma warning restore CA5364, CA5386

    private readonly Options _options;
    private readonly Report _report;

    public ClientChecks(Options options, Report report)
    {
        _options = options;
        _report = report;
    }

    public void Run()
    {
        _report.Check("Import-Module's initializer (ModuleInitializer.OnImport) runs", () => new ModuleInitializer().OnImport());
        _report.Check("the client uses .NET Framework's HttpClientHandler, with TLS 1.2 on the handler", CheckClassicHandler);

        using (var https = new TestServer(_options.HttpsRoot!, acceptAnyCertificate: true))
        {
            // First, before any connection to the HTTPS server exists to be reused.
            _report.Check("TLS 1.2 is offered while the process default allows only TLS 1.0, which stays as it was", () => CheckTlsWithOldDefaults(https));
            _report.Check("HTTPS: a self-signed certificate is rejected without -SkipCertificateCheck (ConnectionFailed)", () => CheckCertificateRejected(https));
            _report.Check("HTTPS: models are listed with -SkipCertificateCheck", () => CheckModels(https.BaseUri, skipCertificateCheck: true));
        }

        using var http = new TestServer(_options.HttpRoot!, acceptAnyCertificate: false);
        _report.Check("lists the models", () => CheckModels(http.BaseUri, skipCertificateCheck: false));
        _report.Check("chats, and no Expect: 100-continue reaches the server", () => CheckChat(http));
        _report.Check("control: the server records an Expect: 100-continue that is sent", () => CheckExpectControl(http));
        _report.Check("a JSON schema request gets its JSON reply", () => CheckJsonSchema(http));
        _report.Check("streams a reply piece by piece", () => CheckStream(http));
        _report.Check("retries a 429 and then answers", () => CheckRetried429(http));
        _report.Check("a 401 is Unauthorized, with the key masked wherever the server echoed it", () => CheckUnauthorized(http));
        _report.Check("a host that never accepts the connection fails in about 10 s (ConnectionFailed)", () => CheckDeadHost(http));
    }

    /// <summary>The negative control: the same first call, without the initializer.</summary>
    public void RunWithoutInitializer()
    {
        using var http = new TestServer(_options.HttpRoot!, acceptAnyCertificate: false);
        _report.Check("lists the models without the module's initializer", () => CheckModels(http.BaseUri, skipCertificateCheck: false));
    }

    private static void CheckClassicHandler()
    {
        HttpClient client = HttpClientCache.Get(new TransportSettings());
        FieldInfo handlerField = typeof(HttpMessageInvoker)
            .GetFields(BindingFlags.NonPublic | BindingFlags.Instance)
            .First(f => typeof(HttpMessageHandler).IsAssignableFrom(f.FieldType));
        var handler = (HttpMessageHandler)handlerField.GetValue(client);
        Report.Expect(
            handler is DelegatingHandler { InnerHandler: HttpClientHandler },
            $"the client's handler is {handler.GetType().FullName}, not one wrapping HttpClientHandler");
        var classic = (HttpClientHandler)((DelegatingHandler)handler).InnerHandler;
        Report.Expect((classic.SslProtocols & SslProtocols.Tls12) != 0, $"the handler's SslProtocols are {classic.SslProtocols}");
    }

    private void CheckTlsWithOldDefaults(TestServer https)
    {
        https.Reset();
        SecurityProtocolType saved = ServicePointManager.SecurityProtocol;
        try
        {
#pragma warning disable CA5364 // The analyzer sees through the constant.
            ServicePointManager.SecurityProtocol = OldProcessDefault;
#pragma warning restore CA5364

            // Mono ignores the process default for HttpClientHandler (.NET Framework does not), so
            // the control shows instead that the handler's own SslProtocols decide what is offered.
#pragma warning disable CA5397, CA5398 // Deliberately old: the control must be refused.
            using (var plainHandler = new HttpClientHandler { SslProtocols = SslProtocols.Tls, ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
#pragma warning restore CA5397, CA5398
            using (var plain = new HttpClient(plainHandler))
            {
                Exception? control = Catch(() => plain.GetAsync(new Uri(https.BaseUri + "/models")).GetAwaiter().GetResult().Dispose());
                Report.Expect(
                    control is not null,
                    $"control failed: a handler offering only TLS 1.0 reached the server over [{string.Join(", ", https.Values("tlsProtocol"))}], so this check proves nothing");
            }

            IReadOnlyList<LaminiModel> models = ListModels(https.BaseUri, skipCertificateCheck: true);
            Report.Expect(models.Count > 0, "no models came back");
            Report.Expect(
                ServicePointManager.SecurityProtocol == OldProcessDefault,
                $"ServicePointManager.SecurityProtocol became {ServicePointManager.SecurityProtocol}: LaminiPS changed it for the whole session");
        }
        finally
        {
            ServicePointManager.SecurityProtocol = saved;
        }

        string[] protocols = https.Values("tlsProtocol");
        Report.Expect(
            protocols.Length == 1 && protocols[0] is "Tls12" or "Tls13",
            $"the server saw TLS versions [{string.Join(", ", protocols)}]");
        Console.WriteLine($"     the server saw {protocols[0]}");
    }

    private void CheckCertificateRejected(TestServer https)
    {
        https.Reset();
        Exception? failure = Catch(() => ListModels(https.BaseUri, skipCertificateCheck: false));
        ExpectKind(failure, LaminiFailureKind.ConnectionFailed);
        Report.Expect(https.CountRequests("/models") == 0, "a request reached the server over an untrusted certificate");
    }

    private void CheckModels(Uri baseUri, bool skipCertificateCheck)
    {
        string[] ids = ListModels(baseUri, skipCertificateCheck).Select(m => m.Id).ToArray();
        Report.Expect(
            ids.SequenceEqual(_options.Models),
            $"got [{string.Join(", ", ids)}], expected [{string.Join(", ", _options.Models)}]");
    }

    private void CheckChat(TestServer http)
    {
        http.Reset();
        LaminiChatResponse reply = Chat(http.BaseUri, Ask("What is the best llama?"));
        Report.Expect(!string.IsNullOrEmpty(reply.Content), "the reply has no content");
        Report.Expect(http.CountRequests("/chat/completions") == 1, "the server did not see exactly one chat request");
        string[] expect = http.Values("Expect");
        Report.Expect(expect.Length == 0, $"the server saw Expect: {string.Join(", ", expect)}");

        // .NET Framework sends Expect: 100-continue unless the request says no; Mono only when it
        // says yes. So the request itself must say no, whatever the server saw here.
        using HttpRequestMessage built = LaminiApiClient.JsonPost(new Uri(http.BaseUri + "/chat/completions"), new byte[] { 123, 125 }, "application/json");
        Report.Expect(built.Headers.ExpectContinue == false, $"the client's POST has ExpectContinue = {built.Headers.ExpectContinue}");
    }

    private static void CheckExpectControl(TestServer http)
    {
        http.Reset();
        using var plain = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(http.BaseUri + "/chat/completions"))
        {
            Content = new StringContent("{\"model\": \"" + Model + "\", \"messages\": []}"),
        };
        request.Headers.ExpectContinue = true;
        plain.SendAsync(request).GetAwaiter().GetResult().Dispose();
        string[] expect = http.Values("Expect");
        Report.Expect(
            expect.Contains("100-continue"),
            "the server did not record the Expect: 100-continue it was sent, so the check above proves nothing");
    }

    private void CheckJsonSchema(TestServer http)
    {
        http.Reset();
        http.AddBehavior("{\"content\": \"" + JsonAnswer.Replace("\"", "\\\"") + "\", \"times\": 1}");
        const string answerSchema =
            "{\"type\": \"object\", \"properties\": {\"answer\": {\"type\": \"string\"}}, \"required\": [\"answer\"], \"additionalProperties\": false}";
        var settings = new ChatSettings
        {
            // What -JsonSchema '<JSON text>' makes: the module's own schema builder and checks.
            JsonSchema = SchemaBuilder.FromJson(answerSchema, name: null, description: null, strict: true),
        };
        var request = new ChatRequest(Model, Prompt("What is the best llama?"), settings);
        LaminiChatResponse reply = Chat(http.BaseUri, request);
        Report.Expect(reply.Content == JsonAnswer, $"the reply is '{reply.Content}'");
        Report.Expect(http.Requests().Contains("json_schema"), "the request did not carry the schema");
    }

    private void CheckStream(TestServer http)
    {
        http.Reset();
        var pieces = new List<string>();
        LaminiChatResponse reply = Client(http.BaseUri)
            .StreamChatCompletionAsync(Ask("Tell me about llamas"), pieces.Add, RequestLog.None, CancellationToken.None)
            .GetAwaiter().GetResult();
        Report.Expect(pieces.Count > 1, $"{pieces.Count} pieces arrived");
        Report.Expect(string.Concat(pieces) == reply.Content, "the pieces do not add up to the reply");
        Report.Expect(reply.FinishReason == "stop", $"finish reason {reply.FinishReason}");
    }

    private void CheckRetried429(TestServer http)
    {
        http.Reset();
        http.AddBehavior("{\"status\": 429, \"times\": 1, \"headers\": {\"retry-after-ms\": \"10\"}}");
        LaminiChatResponse reply = Chat(http.BaseUri, Ask("hi"));
        Report.Expect(!string.IsNullOrEmpty(reply.Content), "the reply has no content");
        Report.Expect(http.CountRequests("/chat/completions") == 2, "the server did not see exactly two attempts");
    }

    private void CheckUnauthorized(TestServer http)
    {
        http.Reset();
        http.AddBehavior("{\"status\": 401, \"times\": 1, \"rawBody\": \"Invalid API key: " + _options.ApiKey + "\"}");
        Exception? failure = Catch(() => Chat(http.BaseUri, Ask("hi")));
        ExpectKind(failure, LaminiFailureKind.Unauthorized);
        var error = (LaminiApiException)failure!;
        string[] texts = { error.Message, error.ServerMessage ?? string.Empty, error.RawBody ?? string.Empty, error.ToString() };
        Report.Expect(texts.All(t => t.IndexOf(_options.ApiKey, StringComparison.Ordinal) < 0), "the key appears in the error");
        Report.Expect(error.Message.Contains("Invalid API key"), $"the server's text is missing: {error.Message}");
    }

    private void CheckDeadHost(TestServer http)
    {
        var deadHost = new Uri(http.UnreachableAddress(), "inf");
        using var stopPlain = new CancellationTokenSource();
        using var plain = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var plainAttempt = plain.GetAsync(new Uri(deadHost + "/models"), stopPlain.Token);
        var stopwatch = Stopwatch.StartNew();
        Exception? failure = Catch(() => ListModels(deadHost, skipCertificateCheck: false, retries: 0));
        stopwatch.Stop();
        bool plainStillWaiting = !plainAttempt.IsCompleted;

        // Mono's handler notices cancellation only when its connect attempt ends, minutes later.
        stopPlain.Cancel();
        _ = plainAttempt.ContinueWith(t => t.Exception, TaskScheduler.Default);

        ExpectKind(failure, LaminiFailureKind.ConnectionFailed);
        Report.Expect(
            stopwatch.Elapsed >= TimeSpan.FromSeconds(9) && stopwatch.Elapsed <= TimeSpan.FromSeconds(14),
            $"gave up after {stopwatch.Elapsed.TotalSeconds:0.0} s");
        Report.Expect(plainStillWaiting, "control failed: a plain HttpClientHandler gave up as early, so the timeout is not LaminiPS's");
        Console.WriteLine($"     gave up after {stopwatch.Elapsed.TotalSeconds:0.0} s: {failure!.Message}");
    }

    private IReadOnlyList<LaminiModel> ListModels(Uri baseUri, bool skipCertificateCheck, int retries = 2) =>
        Client(baseUri, skipCertificateCheck, retries).ListModelsAsync(RequestLog.None, CancellationToken.None).GetAwaiter().GetResult();

    private LaminiChatResponse Chat(Uri baseUri, ChatRequest request) =>
        Client(baseUri).CreateChatCompletionAsync(request, RequestLog.None, CancellationToken.None).GetAwaiter().GetResult();

    private LaminiApiClient Client(Uri baseUri, bool skipCertificateCheck = false, int retries = 2)
    {
        var key = new SecureString();
        foreach (char c in _options.ApiKey)
        {
            key.AppendChar(c);
        }

        key.MakeReadOnly();
        return new LaminiApiClient(new ConnectionSettings(baseUri, key)
        {
            MaximumRetryCount = retries,
            RetryInterval = TimeSpan.FromMilliseconds(10),
            Transport = new TransportSettings { SkipCertificateCheck = skipCertificateCheck },
        });
    }

    private static LaminiChatMessage[] Prompt(string text) => new[] { new LaminiChatMessage("user", text) };

    private static ChatRequest Ask(string text) => new(Model, Prompt(text), new ChatSettings());

    private static void ExpectKind(Exception? failure, LaminiFailureKind kind)
    {
        Report.Expect(failure is not null, $"no error; expected {kind}");
        Report.Expect(
            failure is LaminiApiException api && api.Kind == kind,
            $"expected a LaminiPS {kind} error, got {failure!.GetType().FullName}: {failure.Message}");
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // The check inspects whatever was thrown.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }
}
