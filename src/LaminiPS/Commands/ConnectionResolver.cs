using System;
using System.Security;
using LaminiPS.Client;

namespace LaminiPS.Commands;

/// <summary>
/// Where the key and base URI come from, shared by the cmdlets and the -Model completer so both
/// follow the same precedence: -ApiKey, $env:LAMINI_API_KEY, configure.yaml's production.key; and
/// -BaseUri, $env:LAMINI_API_URL + /inf, configure.yaml's production.url + /inf, the public service.
/// </summary>
internal static class ConnectionResolver
{
    public static SecureString? ResolveApiKey(SecureString? apiKey, LaminiConfigFile? config) =>
        apiKey ?? ToSecureString(Environment.GetEnvironmentVariable("LAMINI_API_KEY")) ?? ToSecureString(config?.Key);

    /// <summary>
    /// The base URI to use; false (with the offending text and where it came from) when the chosen
    /// source does not hold an absolute http:// or https:// address.
    /// </summary>
    public static bool TryResolveBaseUri(Uri? baseUri, LaminiConfigFile? config, out Uri? uri, out string candidate, out string source)
    {
        if (baseUri is not null)
        {
            source = "-BaseUri";
            candidate = baseUri.OriginalString;
        }
        else if (Environment.GetEnvironmentVariable("LAMINI_API_URL") is { Length: > 0 } serviceUrl)
        {
            source = "$env:LAMINI_API_URL";
            candidate = serviceUrl.TrimEnd('/') + "/inf";
        }
        else if (config?.Url is { Length: > 0 } configUrl)
        {
            source = config.Path;
            candidate = configUrl.TrimEnd('/') + "/inf";
        }
        else
        {
            source = "default";
            candidate = LaminiCommandBase.DefaultBaseUri;
            uri = new Uri(candidate);
            return true;
        }

        if (Uri.TryCreate(candidate, UriKind.Absolute, out uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.Host.Length > 0)
        {
            return true;
        }

        uri = null;
        return false;
    }

    public static SecureString? ToSecureString(string? plain)
    {
        if (string.IsNullOrEmpty(plain))
        {
            return null;
        }

        var secure = new SecureString();
        foreach (char c in plain!)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
