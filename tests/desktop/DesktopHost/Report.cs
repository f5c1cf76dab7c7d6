using System;
using System.Diagnostics;

namespace LaminiPS.DesktopHost;

/// <summary>One line per check; the exit code says whether all passed.</summary>
internal sealed class Report
{
    private int _failed;
    private int _passed;

    public void Check(string name, Action check)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            check();
            _passed++;
            Console.WriteLine($"ok   {name} ({stopwatch.Elapsed.TotalSeconds:0.0} s)");
        }
#pragma warning disable CA1031 // Any exception is a failed check, reported with its type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _failed++;
            string detail = e is CheckFailedException ? e.Message : $"{e.GetType().FullName}: {e.Message}";
            Console.WriteLine($"FAIL {name} ({stopwatch.Elapsed.TotalSeconds:0.0} s): {detail}");
        }
    }

    public int Finish()
    {
        Console.WriteLine($"Desktop host: {_passed} checks passed, {_failed} failed.");
        return _failed == 0 ? 0 : 1;
    }

    public static void Expect(bool condition, string failure)
    {
        if (!condition)
        {
            throw new CheckFailedException(failure);
        }
    }
}

#pragma warning disable CA1032, CA1064 // Internal to the host, always thrown with a message.
internal sealed class CheckFailedException : Exception
#pragma warning restore CA1032, CA1064
{
    public CheckFailedException(string message)
        : base(message)
    {
    }
}
