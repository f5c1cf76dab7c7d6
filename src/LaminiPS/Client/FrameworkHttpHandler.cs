using System;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace LaminiPS.Client;

/// <summary>
/// What .NET Framework's HttpClientHandler (Windows PowerShell 5.1) needs beyond its defaults. It
/// sits on HttpWebRequest: its TLS versions come from the process-wide
/// ServicePointManager.SecurityProtocol, which in powershell.exe on many servers offers only SSL 3
/// and TLS 1.0, and it has no connect timeout, so a dead host takes the operating system's.
/// </summary>
internal static class FrameworkHttpHandler
{
    // SslProtocols.Tls13 is missing from netstandard2.0; .NET Framework 4.8 defines it.
    private const SslProtocols Tls13 = (SslProtocols)12288;

    /// <summary>TLS 1.2, and 1.3 where the framework knows it: set on our handler only, never process-wide.</summary>
    internal static SslProtocols Protocols { get; } =
        Enum.IsDefined(typeof(SslProtocols), Tls13) ? SslProtocols.Tls12 | Tls13 : SslProtocols.Tls12;

    public static HttpMessageHandler Configure(HttpClientHandler handler, TimeSpan connectTimeout)
    {
        handler.SslProtocols = Protocols;
        return new ConnectTimeoutHandler(handler, connectTimeout);
    }

    /// <summary>
    /// Before a request that will have to open a new connection (none is open to its server or
    /// proxy), connects a socket of its own with a deadline: an address that never answers fails
    /// after the connect timeout instead of the operating system's. A refusal or a name that does
    /// not resolve is left for the request itself to report.
    /// </summary>
    private sealed class ConnectTimeoutHandler : DelegatingHandler
    {
        private readonly HttpClientHandler _handler;
        private readonly TimeSpan _timeout;

        public ConnectTimeoutHandler(HttpClientHandler handler, TimeSpan timeout)
            : base(handler)
        {
            _handler = handler;
            _timeout = timeout;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Uri server = request.RequestUri!;
            IWebProxy? proxy = _handler.UseProxy ? _handler.Proxy ?? WebRequest.DefaultWebProxy : null;
            Uri? viaProxy = proxy is not null && !proxy.IsBypassed(server) ? proxy.GetProxy(server) : null;
            if (_timeout > TimeSpan.Zero && ServicePointManager.FindServicePoint(server, viaProxy is null ? null : proxy).CurrentConnections == 0)
            {
                await ProbeAsync(viaProxy ?? server, cancellationToken).ConfigureAwait(false);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        private async Task ProbeAsync(Uri target, CancellationToken cancellationToken)
        {
            IPAddress[] addresses;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(target.DnsSafeHost).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return;
            }

            DateTime giveUpAt = DateTime.UtcNow + _timeout;
            foreach (IPAddress address in addresses)
            {
                TimeSpan left = giveUpAt - DateTime.UtcNow;
                ProbeOutcome outcome = left <= TimeSpan.Zero
                    ? ProbeOutcome.TimedOut
                    : await ConnectAsync(address, target.Port, left, cancellationToken).ConfigureAwait(false);
                if (outcome == ProbeOutcome.Connected)
                {
                    return;
                }

                if (outcome == ProbeOutcome.TimedOut)
                {
                    // What SocketsHttpHandler throws when its ConnectTimeout passes, so both read the same.
                    throw new TaskCanceledException(
                        string.Format(CultureInfo.InvariantCulture, "No connection to {0}:{1} within {2} s.", target.Host, target.Port, _timeout.TotalSeconds),
                        new TimeoutException());
                }
            }
        }

        /// <summary>One connection attempt to <paramref name="address"/> that gives up after <paramref name="left"/>.</summary>
        private static async Task<ProbeOutcome> ConnectAsync(IPAddress address, int port, TimeSpan left, CancellationToken cancellationToken)
        {
            Socket? socket = null;
            Task connect;
            try
            {
                socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                connect = socket.ConnectAsync(address, port);
            }
            catch (SocketException)
            {
                // E.g. an IPv6 address on a machine without IPv6: the next address may do.
                socket?.Dispose();
                return ProbeOutcome.Failed;
            }

            using var probe = socket;
            _ = connect.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            Task first = await Task.WhenAny(connect, Task.Delay(left, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first != connect)
            {
                return ProbeOutcome.TimedOut;
            }

            return connect.Status == TaskStatus.RanToCompletion ? ProbeOutcome.Connected : ProbeOutcome.Failed;
        }
    }

    /// <summary>How one probe connection ended: the next address is tried only after a failure.</summary>
    private enum ProbeOutcome
    {
        Connected,
        Failed,
        TimedOut,
    }
}
