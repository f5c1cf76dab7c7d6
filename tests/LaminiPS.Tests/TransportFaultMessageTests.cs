using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using LaminiPS.Client;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>
/// The message users read when a request got no answer, for the exceptions .NET on Windows and
/// .NET Framework (Windows PowerShell 5.1) throw: their texts end with a full stop (or two), unlike
/// the Linux ones the Pester tests meet, so only here can a doubled one show.
/// </summary>
public sealed class TransportFaultMessageTests
{
    private const string Route = "GET http://lamini-test.invalid/inf/models";

    public static TheoryData<string, Exception> Faults => new()
    {
        {
            "a host name that does not resolve (.NET on Windows)",
            new HttpRequestException("No such host is known. (lamini-test.invalid:80)", new SocketException((int)SocketError.HostNotFound, "No such host is known."))
        },
        {
            "a host name that does not resolve (.NET Framework)",
            new HttpRequestException("An error occurred while sending the request.", new WebException("The remote name could not be resolved: 'lamini-test.invalid'", WebExceptionStatus.NameResolutionFailure))
        },
        {
            "connection refused (.NET on Windows)",
            new HttpRequestException(
                "No connection could be made because the target machine actively refused it. (127.0.0.1:1)",
                new SocketException((int)SocketError.ConnectionRefused, "No connection could be made because the target machine actively refused it."))
        },
        {
            "an untrusted certificate (.NET Framework)",
            new HttpRequestException(
                "An error occurred while sending the request.",
                new WebException(
                    "The underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure channel.",
                    new AuthenticationException("The remote certificate is invalid according to the validation procedure."),
                    WebExceptionStatus.TrustFailure,
                    null))
        },
        {
            "a connection reset (.NET's own message ends with two full stops)",
            new HttpRequestException("An error occurred while sending the request.", new IOException("Unable to read data from the transport connection: An existing connection was forcibly closed by the remote host.."))
        },
        {
            "no connection within the connect timeout",
            new OperationCanceledException("The operation was canceled.", new TimeoutException("A connection could not be established within 10000 milliseconds."))
        },
        {
            "a request the HTTP stack cancelled",
            new TaskCanceledException("The operation was canceled.")
        },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Reads_as_sentences_with_one_full_stop_each(string fault, Exception exception)
    {
        string message = TransportFault.From(exception, TimeSpan.FromSeconds(10))!.Message(Route);

        // Parentheses are looked through: "(text.)." is a doubled full stop as much as "text..".
        string flat = message.Replace("(", string.Empty).Replace(")", string.Empty);
        Assert.False(Regex.IsMatch(flat, @"[.!?]\s*[.!?;:,]"), $"{fault}: a sentence ends twice or inside a clause in: {message}");
        Assert.True(Regex.IsMatch(flat, @"[^.!?\s][.!?]$"), $"{fault}: no single mark at the end of: {message}");
        Assert.StartsWith($"Could not reach {Route}: ", message, StringComparison.Ordinal);
    }
}
