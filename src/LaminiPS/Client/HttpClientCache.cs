using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Reflection;
using System.Threading;

namespace LaminiPS.Client;

/// <summary>
/// One HttpClient per distinct transport configuration for the life of the process, so repeated
/// calls reuse pooled connections instead of churning sockets. They are never disposed: every
/// runspace shares them, and Remove-Module or Import-Module -Force in one runspace must not cancel
/// the requests of another (a re-import finds the same clients and their warm connections).
/// </summary>
internal static class HttpClientCache
{
    /// <summary>A redirect would carry the Authorization header to another address; it is reported instead.</summary>
    private const bool FollowRedirects = false;

    private static readonly ConcurrentDictionary<string, Lazy<HttpClient>> s_clients = new();

    /// <summary>
    /// Present on .NET Core; absent from netstandard2.0's surface, so it is reached by reflection.
    /// Mono has one too, but Mono stands in for .NET Framework, which has none.
    /// </summary>
    private static readonly Type? s_socketsHandlerType = NetFramework.IsCurrentRuntime
        ? null
        : Type.GetType("System.Net.Http.SocketsHttpHandler, System.Net.Http", throwOnError: false);

    public static HttpClient Get(TransportSettings settings)
    {
        string key = CacheKey(settings);
        return s_clients.GetOrAdd(key, _ => new Lazy<HttpClient>(() => Create(settings), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    private static string CacheKey(TransportSettings settings)
    {
        NetworkCredential? credential = settings.ProxyCredential;
        string credentialKey = credential is null
            ? string.Empty
            : $"{credential.Domain}\\{credential.UserName}:{credential.Password.GetHashCode().ToString(CultureInfo.InvariantCulture)}";
        return string.Join(
            "|",
            settings.SkipCertificateCheck,
            settings.Proxy?.AbsoluteUri ?? string.Empty,
            credentialKey,
            settings.ProxyUseDefaultCredentials,
            settings.ConnectTimeout.Ticks.ToString(CultureInfo.InvariantCulture));
    }

    private static HttpClient Create(TransportSettings settings)
    {
        HttpMessageHandler handler = s_socketsHandlerType is not null
            ? CreateSocketsHandler(s_socketsHandlerType, settings)
            : CreateClassicHandler(settings);

        // Deadlines are per attempt and per stream event, enforced with cancellation tokens.
        return new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    private static WebProxy? ExplicitProxy(TransportSettings settings)
    {
        if (settings.Proxy is null)
        {
            return null;
        }

        // WebProxy.UseDefaultCredentials is a view of Credentials: setting it to false clears them.
        var proxy = new WebProxy(settings.Proxy);
        if (settings.ProxyCredential is not null)
        {
            proxy.Credentials = settings.ProxyCredential;
        }
        else if (settings.ProxyUseDefaultCredentials)
        {
            proxy.UseDefaultCredentials = true;
        }

        return proxy;
    }

    private static HttpMessageHandler CreateSocketsHandler(Type handlerType, TransportSettings settings)
    {
        var handler = (HttpMessageHandler)Activator.CreateInstance(handlerType)!;
        SetProperty(handler, "ConnectTimeout", settings.ConnectTimeout);
        SetProperty(handler, "AutomaticDecompression", DecompressionMethods.GZip | DecompressionMethods.Deflate);
        SetProperty(handler, "AllowAutoRedirect", FollowRedirects);

        // Recycle pooled connections so DNS changes behind the service are picked up.
        SetProperty(handler, "PooledConnectionLifetime", TimeSpan.FromMinutes(5));

        WebProxy? proxy = ExplicitProxy(settings);
        if (proxy is not null)
        {
            SetProperty(handler, "Proxy", proxy);
        }
        else if (settings.ProxyUseDefaultCredentials)
        {
            SetProperty(handler, "DefaultProxyCredentials", CredentialCache.DefaultCredentials);
        }

        if (settings.SkipCertificateCheck)
        {
            object sslOptions = handlerType.GetProperty("SslOptions")!.GetValue(handler)!;
#pragma warning disable CA5359 // Requested by name (-SkipCertificateCheck), as with Invoke-RestMethod.
            RemoteCertificateValidationCallback acceptAll = (_, _, _, _) => true;
#pragma warning restore CA5359
            SetProperty(sslOptions, "RemoteCertificateValidationCallback", acceptAll);
        }

        return handler;
    }

    private static HttpMessageHandler CreateClassicHandler(TransportSettings settings)
    {
        var handler = new HttpClientHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            AllowAutoRedirect = FollowRedirects,
        };

        WebProxy? proxy = ExplicitProxy(settings);
        if (proxy is not null)
        {
            handler.Proxy = proxy;
        }
        else if (settings.ProxyUseDefaultCredentials)
        {
            handler.DefaultProxyCredentials = CredentialCache.DefaultCredentials;
        }

        if (settings.SkipCertificateCheck)
        {
#pragma warning disable CA5359 // Requested by name (-SkipCertificateCheck), as with Invoke-RestMethod.
            handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        try
        {
            // .NET Framework defaults to two connections per host, which would throttle batches.
            handler.MaxConnectionsPerServer = 256;
        }
        catch (PlatformNotSupportedException)
        {
            // Older frameworks keep their default.
        }

        return FrameworkHttpHandler.Configure(handler, settings.ConnectTimeout);
    }

    private static void SetProperty(object target, string name, object value)
    {
        PropertyInfo? property = target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
        property?.SetValue(target, value);
    }
}
