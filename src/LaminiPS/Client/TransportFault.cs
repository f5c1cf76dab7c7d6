using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// A request that got no HTTP answer, sorted: what kind of failure it is, whether trying again can
/// help, and why, in words a user can act on. Only faults of the network and the HTTP stack are
/// sorted; anything else is a defect in our code and must surface as itself.
/// </summary>
internal sealed class TransportFault
{
    /// <summary>.NET 5+ tells a failed CONNECT's status here; netstandard2.0 cannot name the property.</summary>
    private static readonly PropertyInfo? s_statusCodeProperty = typeof(HttpRequestException).GetProperty("StatusCode");

    private TransportFault(LaminiFailureKind kind, bool retryable, string reason)
    {
        Kind = kind;
        Retryable = retryable;
        Reason = reason;
    }

    public LaminiFailureKind Kind { get; }

    public bool Retryable { get; }

    public string Reason { get; }

    /// <summary>What users read: which request could not reach its server, and why.</summary>
    /// <param name="route">The method and address, and the proxy the request went through.</param>
    public string Message(string route) => Sentences.End($"Could not reach {route}: {Reason}");

    /// <summary>The fault behind <paramref name="exception"/>, or null when it is not the network's doing.</summary>
    /// <param name="exception">What the HTTP stack threw; the caller's own cancellation and deadline are ruled out already.</param>
    /// <param name="connectTimeout">The handler's connect limit, to name it when it ran out.</param>
    public static TransportFault? From(Exception exception, TimeSpan connectTimeout)
    {
        if (exception is not (HttpRequestException or IOException or ObjectDisposedException or SocketException or WebException or OperationCanceledException))
        {
            return null;
        }

        if (NotRetryable(exception) is { } fault)
        {
            return fault;
        }

        return exception is OperationCanceledException cancelled
            ? Cancelled(cancelled, connectTimeout)
            : new TransportFault(LaminiFailureKind.ConnectionFailed, retryable: true, InnermostMessage(exception));
    }

    /// <summary>The faults trying again cannot mend: TLS refused, a proxy that wants credentials, a host name that does not resolve.</summary>
    private static TransportFault? NotRetryable(Exception exception)
    {
        if (Find<AuthenticationException>(exception) is not null
            || FindWebStatus(exception) is WebExceptionStatus.TrustFailure or WebExceptionStatus.SecureChannelFailure)
        {
            return new TransportFault(
                LaminiFailureKind.ConnectionFailed,
                retryable: false,
                $"the TLS connection could not be established ({Sentences.Clause(InnermostMessage(exception))}). If this is a test server with a self-signed certificate, -SkipCertificateCheck skips the check (never use it for the real service)");
        }

        if (IsProxyAuthenticationRequired(exception))
        {
            return new TransportFault(LaminiFailureKind.ProxyAuthenticationRequired, retryable: false, InnermostMessage(exception));
        }

        if (Find<SocketException>(exception)?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData
            || FindWebStatus(exception) is WebExceptionStatus.NameResolutionFailure or WebExceptionStatus.ProxyNameResolutionFailure)
        {
            return new TransportFault(
                LaminiFailureKind.ConnectionFailed,
                retryable: false,
                $"the host name does not resolve ({Sentences.Clause(InnermostMessage(exception))}); check the address");
        }

        return null;
    }

    /// <summary>A cancellation the caller did not ask for: the handler's connect limit running out, or the HTTP stack's own.</summary>
    private static TransportFault Cancelled(OperationCanceledException exception, TimeSpan connectTimeout) => exception.InnerException is TimeoutException
        ? new TransportFault(
            LaminiFailureKind.ConnectionFailed,
            retryable: true,
            $"no connection within {connectTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: the host did not answer; check for a wrong address, a firewall, a VPN that is down or a proxy that is needed")
        : new TransportFault(LaminiFailureKind.ConnectionFailed, retryable: true, $"the HTTP stack cancelled the request ({Sentences.Clause(exception.Message)})");

    public static string InnermostMessage(Exception exception)
    {
        Exception inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }

    /// <summary>A CONNECT through a proxy that wants credentials fails without a response to return.</summary>
    private static bool IsProxyAuthenticationRequired(Exception exception) =>
        (Find<HttpRequestException>(exception) is { } http && s_statusCodeProperty?.GetValue(http) is HttpStatusCode.ProxyAuthenticationRequired)
        || (Find<WebException>(exception)?.Response is HttpWebResponse { StatusCode: HttpStatusCode.ProxyAuthenticationRequired });

    private static WebExceptionStatus? FindWebStatus(Exception exception) => Find<WebException>(exception)?.Status;

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }
}
