using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace LaminiPS.DesktopHost;

/// <summary>
/// Usage: LaminiPS.DesktopHost.exe check|lifecycle|no-initializer --module DIR --sma DLL
///        [--http ROOT --https ROOT --key KEY --models ID,ID,...]
/// check           imports the module as Import-Module does and drives the client against the
///                 test servers (ROOT is a server's root URI).
/// lifecycle       registers and removes the module's resolver as imports and removals would.
/// no-initializer  the negative control: the client without the module's initializer, which must
///                 fail because nothing serves dependencies/.
/// Prints one "ok" or "FAIL" line per check; exits 1 when any check failed.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        RegisterHostAssemblies(options);
        return Run(options);
    }

    /// <summary>
    /// What powershell.exe brings along: System.Management.Automation (here PowerShell Standard's
    /// build of it, enough for the initializer's interfaces), and the module's DLL, loaded by path as
    /// Import-Module does. Nothing else: dependencies/ is the module's business.
    /// </summary>
    private static void RegisterHostAssemblies(Options options)
    {
        string module = Path.Combine(options.ModuleDirectory, "LaminiPS.dll");
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => new AssemblyName(args.Name).Name switch
        {
            "LaminiPS" => Assembly.LoadFrom(module),
            "System.Management.Automation" => Assembly.LoadFrom(options.AutomationAssembly),
            _ => null,
        };
    }

    // Kept apart from Main so that no LaminiPS type is loaded before the host's resolver exists.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Run(Options options)
    {
        var report = new Report();
        switch (options.Mode)
        {
            case "check":
                new ClientChecks(options, report).Run();
                break;
            case "lifecycle":
                new ResolverChecks(report).Run();
                break;
            default:
                new ClientChecks(options, report).RunWithoutInitializer();
                break;
        }

        return report.Finish();
    }
}

internal sealed class Options
{
    private Options(Dictionary<string, string> values, string mode)
    {
        Mode = mode;
        ModuleDirectory = Required(values, "--module");
        AutomationAssembly = Required(values, "--sma");
        values.TryGetValue("--http", out string? http);
        values.TryGetValue("--https", out string? https);
        values.TryGetValue("--key", out string? key);
        values.TryGetValue("--models", out string? models);
        HttpRoot = http is null ? null : new Uri(http);
        HttpsRoot = https is null ? null : new Uri(https);
        ApiKey = key ?? string.Empty;
        Models = models?.Split(',') ?? Array.Empty<string>();
    }

    public string Mode { get; }

    public string ModuleDirectory { get; }

    public string AutomationAssembly { get; }

    public Uri? HttpRoot { get; }

    public Uri? HttpsRoot { get; }

    public string ApiKey { get; }

    public IReadOnlyList<string> Models { get; }

    public static Options Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("check" or "lifecycle" or "no-initializer"))
        {
            throw new ArgumentException("usage: LaminiPS.DesktopHost.exe check|lifecycle|no-initializer --module DIR --sma DLL [--http ROOT --https ROOT --key KEY --models IDS]");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        return new Options(values, args[0]);
    }

    private static string Required(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out string? value) ? value : throw new ArgumentException($"{name} is required.");
}
