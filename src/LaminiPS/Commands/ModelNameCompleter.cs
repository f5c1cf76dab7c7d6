using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using LaminiPS.Client;
using LaminiPS.Json;
using LaminiPS.Models;

namespace LaminiPS.Commands;

/// <summary>
/// Tab completion for model ids (Invoke-LaminiChat -Model, Get-LaminiModel -Name), asked of the
/// server the command line points at. Key and base URI follow the cmdlets' precedence, looking at
/// what is typed on the line, then $PSDefaultParameterValues, then the environment and
/// configure.yaml. The list is cached per base URI for five minutes. Offline, keyless or refused,
/// it completes nothing, quietly, within a second.
/// </summary>
public sealed class ModelNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan s_cacheLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A failed lookup is remembered briefly, so repeated Tab presses offline stay instant.</summary>
    private static readonly TimeSpan s_failureLifetime = TimeSpan.FromSeconds(20);

    /// <summary>The whole lookup's budget; the answer is abandoned after it, whatever the network does.</summary>
    private static readonly TimeSpan s_budget = TimeSpan.FromMilliseconds(800);

    private static readonly ConcurrentDictionary<string, CacheEntry> s_cache = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            IReadOnlyList<string> ids = ModelIds(commandName, fakeBoundParameters);
            return Match(ids, wordToComplete);
        }
#pragma warning disable CA1031 // Completion must never raise: any failure completes nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
            return Array.Empty<CompletionResult>();
        }
    }

    private static List<CompletionResult> Match(IReadOnlyList<string> ids, string wordToComplete)
    {
        string word = Unquote(wordToComplete ?? string.Empty);
        var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        var containing = new WildcardPattern("*" + word + "*", WildcardOptions.IgnoreCase);

        // Ids that start with the word first (also after the owner, 'Llama' finds 'meta-llama/Llama-...'), then any containing it.
        IEnumerable<string> leading = ids.Where(id => pattern.IsMatch(id) || pattern.IsMatch(id.Substring(id.IndexOf('/') + 1)));
        IEnumerable<string> rest = ids.Where(id => containing.IsMatch(id));
        return leading.Concat(rest)
            .Distinct(StringComparer.Ordinal)
            .Select(id => new CompletionResult(Quote(id), id, CompletionResultType.ParameterValue, id))
            .ToList();
    }

    private static IReadOnlyList<string> ModelIds(string commandName, IDictionary fakeBoundParameters)
    {
        LaminiConfigFile? config = ConfigOrNull();
        IDictionary? defaults = DefaultParameterValues();
        Func<string, object?> given = parameter => Lookup(parameter, commandName, fakeBoundParameters, defaults);
        Uri? baseUri = OrNull(() => ConnectionResolver.ResolveBaseUri(ToUri(given("BaseUri")), config));
        if (baseUri is null || (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback && !IsSet(given("AllowUnencryptedAuthentication"))))
        {
            // No usable address, or one the cmdlets would refuse to send the key to; so does completion.
            return Array.Empty<string>();
        }

        string cacheKey = baseUri.AbsoluteUri.TrimEnd('/');
        if (s_cache.TryGetValue(cacheKey, out CacheEntry? cached) && cached.Expires > DateTime.UtcNow)
        {
            return cached.Ids;
        }

        SecureString? key = OrNull(() => ConnectionResolver.ResolveApiKey(ToSecureString(given("ApiKey")), config, LaminiConfigFile.DefaultPath()));
        if (key is null)
        {
            return Array.Empty<string>();
        }

        string[] ids = FetchIds(SettingsFor(baseUri, key, given));
        DateTime now = DateTime.UtcNow;
        s_cache[cacheKey] = new CacheEntry(ids, now + (ids.Length > 0 ? s_cacheLifetime : s_failureLifetime));
        return ids;
    }

    /// <summary>What a resolution gives, or null where it would stop the cmdlet: completion offers nothing then.</summary>
    private static T? OrNull<T>(Func<T> resolve)
        where T : class
    {
        try
        {
            return resolve();
        }
        catch (ConnectionSettingException)
        {
            return null;
        }
    }

    /// <summary>A connection as the cmdlet would make it of what is typed or defaulted, bounded by the completion budget.</summary>
    private static ConnectionSettings SettingsFor(Uri baseUri, SecureString key, Func<string, object?> given) => new(baseUri, key)
    {
        Timeout = s_budget,
        MaximumRetryCount = 0,
        UserAgent = ConnectionResolver.UserAgent(),
        Transport = new TransportSettings
        {
            SkipCertificateCheck = IsSet(given("SkipCertificateCheck")),
            Proxy = ToUri(given("Proxy")),
            ProxyUseDefaultCredentials = IsSet(given("ProxyUseDefaultCredentials")),
            ConnectTimeout = s_budget,
        },
    };

    private static LaminiConfigFile? ConfigOrNull()
    {
        try
        {
            return LaminiConfigFile.Load(LaminiConfigFile.DefaultPath());
        }
#pragma warning disable CA1031 // An unreadable configure.yaml only means fewer places to look.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>The service's model ids, or none when it does not answer within the budget.</summary>
    private static string[] FetchIds(ConnectionSettings settings)
    {
        string[] ids;
        using (var cancellation = new CancellationTokenSource(s_budget))
        {
            Task<IReadOnlyList<LaminiModel>> lookup = new LaminiApiClient(settings).ListModelsAsync(RequestLog.None, cancellation.Token);
            _ = lookup.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

            // Wait() with a timeout bounds the wait even if a DNS lookup ignores cancellation.
            bool finished;
            try
            {
                finished = lookup.Wait(s_budget);
            }
            catch (AggregateException)
            {
                finished = true;
            }

            ids = finished && lookup.Status == TaskStatus.RanToCompletion
                ? lookup.Result.Select(model => model.Id).Where(id => !string.IsNullOrEmpty(id)).ToArray()
                : Array.Empty<string>();
            if (!finished)
            {
                cancellation.Cancel();
            }
        }

        return ids;
    }

    /// <summary>A value typed on the line wins; else the first matching $PSDefaultParameterValues entry.</summary>
    private static object? Lookup(string parameter, string commandName, IDictionary? bound, IDictionary? defaults)
    {
        if (bound is not null && bound.Contains(parameter))
        {
            return PowerShellJson.Unwrap(bound[parameter]);
        }

        if (defaults is null)
        {
            return null;
        }

        foreach (DictionaryEntry entry in defaults)
        {
            string key = entry.Key?.ToString() ?? string.Empty;
            int colon = key.LastIndexOf(':');
            if (colon <= 0
                || !string.Equals(key.Substring(colon + 1).Trim(), parameter, StringComparison.OrdinalIgnoreCase)
                || !new WildcardPattern(key.Substring(0, colon).Trim(), WildcardOptions.IgnoreCase).IsMatch(commandName))
            {
                continue;
            }

            // A script block default would have to be run; completion does not run user code.
            object? value = PowerShellJson.Unwrap(entry.Value);
            if (value is not ScriptBlock)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>$PSDefaultParameterValues of the session Tab was pressed in (completers run on its thread).</summary>
    private static IDictionary? DefaultParameterValues()
    {
        try
        {
            foreach (PSObject result in ScriptBlock.Create("$global:PSDefaultParameterValues").Invoke())
            {
                if (result?.BaseObject is IDictionary dictionary)
                {
                    return dictionary;
                }
            }
        }
#pragma warning disable CA1031 // No session state (e.g. a host without one) simply means no defaults.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        return null;
    }

    private static bool IsSet(object? value) => value switch
    {
        null => false,
        SwitchParameter s => s.IsPresent,
        bool b => b,
        _ => LanguagePrimitives.IsTrue(value),
    };

    private static Uri? ToUri(object? value) => value switch
    {
        Uri uri => uri,
        string text when Uri.TryCreate(text, UriKind.Absolute, out Uri? parsed) => parsed,
        _ => null,
    };

    private static SecureString? ToSecureString(object? value) => value switch
    {
        SecureString secure => secure,
        string plain => ApiKeyText.ToSecureString(plain),
        _ => null,
    };

    private static string Unquote(string word) =>
        word.Length > 0 && (word[0] == '\'' || word[0] == '"') ? word.Substring(1).TrimEnd(word[0]) : word;

    /// <summary>Single quotes when the id would not survive as a bare word.</summary>
    private static string Quote(string id)
    {
        bool plain = id.Length > 0 && id.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '+')
            && id[0] != '-';
        return plain ? id : "'" + id.Replace("'", "''") + "'";
    }

    private sealed class CacheEntry
    {
        public CacheEntry(IReadOnlyList<string> ids, DateTime expires)
        {
            Ids = ids;
            Expires = expires;
        }

        public IReadOnlyList<string> Ids { get; }

        public DateTime Expires { get; }
    }
}
