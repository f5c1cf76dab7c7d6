using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using LaminiPS.Client;

namespace LaminiPS.Commands;

/// <summary>
/// Where the key and base URI come from, shared by the cmdlets and the -Model completer so both
/// follow the same precedence: -ApiKey, $env:LAMINI_API_KEY, configure.yaml's production.key; and
/// -BaseUri, $env:LAMINI_API_URL + /inf, configure.yaml's production.url + /inf, the public service;
/// and the model: what the command was given, $env:LAMINI_MODEL, Lamini's default model.
/// A source that is blank counts as unset; one that holds something unusable stops the command.
/// </summary>
internal static class ConnectionResolver
{
    public const string DefaultModel = "meta-llama/Llama-3.2-3B-Instruct";

    private static readonly char[] s_queryOrFragment = { '?', '#' };

    /// <summary>The model for a request that names none: $env:LAMINI_MODEL, else <see cref="DefaultModel"/>.</summary>
    public static string ModelFromEnvironment() =>
        Environment.GetEnvironmentVariable("LAMINI_MODEL") is string model && !string.IsNullOrWhiteSpace(model) ? model : DefaultModel;

    /// <summary>The key to send, without surrounding whitespace.</summary>
    /// <exception cref="ConnectionSettingException">MissingApiKey, InvalidApiKey or InvalidConfiguration.</exception>
    public static SecureString ResolveApiKey(SecureString? apiKey, LaminiConfigFile? config, string configPath)
    {
        return Clean(apiKey, "-ApiKey")
            ?? Clean(ApiKeyText.ToSecureString(Environment.GetEnvironmentVariable("LAMINI_API_KEY")), "$env:LAMINI_API_KEY")
            ?? Clean(ValueOf(config, config?.Key), $"production.key on line {config?.Key?.Line} of {configPath}")
            ?? throw new ConnectionSettingException(
                "No Lamini API key was found. Provide one in any of three ways: the -ApiKey parameter (a SecureString, e.g. -ApiKey (Read-Host -AsSecureString)), "
                + "the LAMINI_API_KEY environment variable, or 'key:' under 'production:' in " + configPath + ".",
                ErrorIds.MissingApiKey,
                ErrorCategory.AuthenticationError,
                null);
    }

    /// <summary>The base URI to use: an absolute http:// or https:// address with nothing the endpoint path cannot follow.</summary>
    /// <exception cref="ConnectionSettingException">InvalidBaseUri or InvalidConfiguration.</exception>
    public static Uri ResolveBaseUri(Uri? baseUri, LaminiConfigFile? config)
    {
        string candidate;
        string source;
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
        else if (ValueOf(config, config?.Url) is { Length: > 0 } configUrl)
        {
            source = config!.Path;
            candidate = configUrl.TrimEnd('/') + "/inf";
        }
        else
        {
            return new Uri(LaminiCommandBase.DefaultBaseUri);
        }

        if (ProblemWith(candidate, out Uri? uri) is not string problem)
        {
            return uri!;
        }

        string shown = WithoutUserInfo(candidate, uri);
        throw new ConnectionSettingException($"The base URI '{shown}' from {source} {problem}", ErrorIds.InvalidBaseUri, ErrorCategory.InvalidArgument, shown);
    }

    /// <summary>What makes <paramref name="candidate"/> unusable as a base URI, as the end of a sentence; null when it is usable.</summary>
    private static string? ProblemWith(string candidate, out Uri? uri)
    {
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.Host.Length == 0)
        {
            return $"is not an absolute http:// or https:// address, e.g. {LaminiCommandBase.DefaultBaseUri}.";
        }

        if (uri.UserInfo.Length > 0)
        {
            // Shown without it: the part before '@' is often a password.
            return "holds user information (user:password@ before the host). LaminiPS authenticates with the API key only and never sends it; remove it.";
        }

        if (candidate.IndexOfAny(s_queryOrFragment) >= 0)
        {
            return "has a query string or fragment ('?' or '#'). The endpoint path (e.g. /chat/completions) follows the base URI, so it would land inside the query; remove it.";
        }

        return null;
    }

    /// <summary>LaminiPS/&lt;version&gt; PowerShell/&lt;version&gt;: some gateways and firewalls refuse requests without a User-Agent.</summary>
    public static string UserAgent()
    {
        string module = typeof(ConnectionResolver).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        Version? shell = Runspace.DefaultRunspace?.Version;
        return shell is null ? $"LaminiPS/{module}" : $"LaminiPS/{module} PowerShell/{shell}";
    }

    /// <summary>The key without surrounding whitespace; null when blank, so the next source is asked.</summary>
    private static SecureString? Clean(SecureString? raw, string source)
    {
        if (raw is null)
        {
            return null;
        }

        SecureString? key = ApiKeyText.Clean(raw, out bool unsendable);
        if (key is not null && unsendable)
        {
            key.Dispose();
            throw new ConnectionSettingException(
                $"The API key from {source} contains a control character (such as a line break inside it) or a non-ASCII character, which an HTTP header cannot carry. Nothing was sent. Copy the key again from your Lamini account.",
                ErrorIds.InvalidApiKey,
                ErrorCategory.InvalidData,
                source);
        }

        return key;
    }

    /// <summary>A configure.yaml value, refusing one the reader could not read exactly.</summary>
    private static TValue? ValueOf<TValue>(LaminiConfigFile? config, ConfigSetting<TValue>? setting)
        where TValue : class
    {
        if (setting?.Problem is string problem)
        {
            throw new ConnectionSettingException(
                $"{config!.Path}, line {setting.Line}: {setting.Name} {problem}. Nothing was sent. LaminiPS reads production.key and production.url as one-line values, plain or quoted (e.g. '  key: <your key>'); fix the file, or give -ApiKey / -BaseUri.",
                ErrorIds.InvalidConfiguration,
                ErrorCategory.InvalidData,
                $"{config.Path}:{setting.Line}");
        }

        return setting?.Value;
    }

    private static string WithoutUserInfo(string candidate, Uri? parsed)
    {
        if (parsed is not null && parsed.IsAbsoluteUri && parsed.UserInfo.Length > 0)
        {
            return parsed.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped);
        }

        // Unparseable: drop everything between the scheme and the last '@', which may be a password.
        int schemeEnd = candidate.IndexOf("://", StringComparison.Ordinal);
        int at = candidate.LastIndexOf('@');
        return schemeEnd >= 0 && at > schemeEnd ? candidate.Substring(0, schemeEnd + 3) + candidate.Substring(at + 1) : candidate;
    }
}
