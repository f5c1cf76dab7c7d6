using System;
using System.Globalization;
using System.Reflection;

namespace LaminiPS;

/// <summary>
/// What LaminiPS needs to know about the runtime of Windows PowerShell 5.1: whether it is .NET
/// Framework at all, and whether that framework is new enough for a netstandard2.0 module.
/// </summary>
internal static class NetFramework
{
    /// <summary>The oldest .NET Framework LaminiPS supports.</summary>
    public const string MinimumVersionName = "4.7.2";

    // .NET Framework's core library carries the file version of the framework build; 4.7.2 shipped
    // as 4.7.3062 and every 4.7.1 build is below 4.7.3000. Product names for the builds below it,
    // newest first, so the message names the version an administrator knows.
    private static readonly Version s_minimumBuild = new(4, 7, 3000, 0);

    private static readonly (Version FirstBuild, string Name)[] s_olderReleases =
    {
        (new Version(4, 7, 2500, 0), "4.7.1"),
        (new Version(4, 7, 2000, 0), "4.7"),
        (new Version(4, 6, 1500, 0), "4.6.2"),
        (new Version(4, 6, 1000, 0), "4.6.1"),
        (new Version(4, 6, 0, 0), "4.6"),
    };

    /// <summary>
    /// True on .NET Framework, and on Mono, which stands in for it in LaminiPS's Desktop check: their
    /// core library is mscorlib, where .NET (PowerShell 7) has System.Private.CoreLib.
    /// </summary>
    public static bool IsCurrentRuntime { get; } =
        string.Equals(typeof(object).Assembly.GetName().Name, "mscorlib", StringComparison.Ordinal);

    /// <summary>
    /// Why this .NET Framework is too old for LaminiPS, or null when it is recent enough (and on
    /// anything that is not Microsoft's .NET Framework, whose versions mean something else).
    /// </summary>
    public static string? CurrentRuntimeProblem()
    {
        bool isMono = Type.GetType("Mono.Runtime", throwOnError: false) is not null;
        if (!IsCurrentRuntime || isMono)
        {
            return null;
        }

        string? build = typeof(object).Assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version;
        return build is null ? null : ProblemWithBuild(build);
    }

    /// <summary>The check behind <see cref="CurrentRuntimeProblem"/> for a core library file version such as 4.7.2558.0.</summary>
    internal static string? ProblemWithBuild(string build)
    {
        if (!Version.TryParse(build, out Version? version) || version >= s_minimumBuild)
        {
            return null;
        }

        string name = "4.5.2 or older";
        foreach ((Version firstBuild, string releaseName) in s_olderReleases)
        {
            if (version >= firstBuild)
            {
                name = releaseName;
                break;
            }
        }

        return string.Format(
            CultureInfo.InvariantCulture,
            "LaminiPS needs .NET Framework {0} or later; this Windows PowerShell runs on .NET Framework {1} (build {2}). Install .NET Framework 4.8, then start a new PowerShell session.",
            MinimumVersionName,
            name,
            build);
    }
}
