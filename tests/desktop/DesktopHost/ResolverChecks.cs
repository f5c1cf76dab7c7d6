using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace LaminiPS.DesktopHost;

/// <summary>
/// The module's AssemblyResolve handler: when it is registered, and what it answers. Runs in a
/// process of its own, before anything has loaded the module's dependencies.
/// </summary>
internal sealed class ResolverChecks
{
    private const string JsonToken = "cc7b13ffcd2ddd51";
    private const string AsyncInterfaces = "Microsoft.Bcl.AsyncInterfaces, Version=8.0.0.0, Culture=neutral, PublicKeyToken=" + JsonToken;

    private static readonly string[] s_handlerFields = { "AssemblyResolve", "_AssemblyResolve" };
    private static readonly string[] s_supportedBuilds = { "4.7.3062.0", "4.8.4515.0", "4.8.9032.0" };

    private readonly Report _report;

    public ResolverChecks(Report report)
    {
        _report = report;
    }

    public void Run()
    {
        var first = new ModuleInitializer();
        var second = new ModuleInitializer();

        _report.Check("two runspaces importing the module register one handler", () =>
        {
            first.OnImport();
            second.OnImport();
            ExpectHandlers(1);
        });
        _report.Check("one of them removing the module leaves the handler for the other", () =>
        {
            first.OnRemove(null!);
            ExpectHandlers(1);
            ExpectFromDependencies(Assembly.Load(Json("8.0.0.0")));
        });
        _report.Check("the last Remove-Module removes the handler", () =>
        {
            second.OnRemove(null!);
            ExpectHandlers(0);
            Report.Expect(Fails(() => Assembly.Load(AsyncInterfaces)), "a shipped dependency still loads without the handler");
        });
        _report.Check("a new import registers it again", () =>
        {
            new ModuleInitializer().OnImport();
            ExpectHandlers(1);
            ExpectFromDependencies(Assembly.Load(AsyncInterfaces));
        });

        Assembly module = typeof(ModuleInitializer).Assembly;
        Assembly foreign = typeof(ResolverChecks).Assembly;
        _report.Check("answers LaminiPS's request for System.Text.Json 8.0", () => ExpectFromDependencies(Resolve(Json("8.0.0.0"), module)));
        _report.Check("answers an unattributed request for an older System.Text.Json", () => ExpectFromDependencies(Resolve(Json("6.0.0.0"), null)));
        _report.Check("does not answer another assembly's request", () => ExpectNoAnswer(Resolve(Json("8.0.0.0"), foreign)));
        _report.Check("does not answer for a newer version than it ships", () => ExpectNoAnswer(Resolve(Json("9.0.0.0"), null)));
        _report.Check("does not answer for another publisher's assembly of the same name", () =>
            ExpectNoAnswer(Resolve("System.Text.Json, Version=8.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef", null)));
        _report.Check("does not answer for an assembly it does not ship", () =>
            ExpectNoAnswer(Resolve("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed", null)));

        _report.Check("Import-Module on .NET Framework 4.7.1 fails naming the version found and the one needed", () =>
        {
            string? message = NetFramework.ProblemWithBuild("4.7.2558.0");
            Report.Expect(
                message is not null && message.Contains(".NET Framework 4.7.1") && message.Contains("4.7.2 or later"),
                $"the message is: {message}");
            Console.WriteLine($"     {message}");
        });
        _report.Check("...and on 4.6.2", () =>
            Report.Expect(NetFramework.ProblemWithBuild("4.6.1586.0")?.Contains(".NET Framework 4.6.2") == true, "4.6.2 is not named"));
        _report.Check("4.7.2, 4.8 and 4.8.1 are accepted", () =>
            Report.Expect(s_supportedBuilds.All(b => NetFramework.ProblemWithBuild(b) is null), "one of them is refused"));
    }

    private static string Json(string version) =>
        $"System.Text.Json, Version={version}, Culture=neutral, PublicKeyToken={JsonToken}";

    private static Assembly? Resolve(string name, Assembly? requester) =>
        DependencyResolver.Resolve(null, new ResolveEventArgs(name, requester));

    private static void ExpectFromDependencies(Assembly? assembly)
    {
        Report.Expect(assembly is not null, "no answer");
        string folder = Path.GetFileName(Path.GetDirectoryName(assembly!.Location));
        Report.Expect(folder == "dependencies", $"{assembly.FullName} came from {assembly.Location}");
    }

    private static void ExpectNoAnswer(Assembly? assembly) =>
        Report.Expect(assembly is null, $"answered with {assembly?.FullName}");

    /// <summary>
    /// The module's handlers on the AppDomain's AssemblyResolve event, read from the event's
    /// backing field (named differently by .NET Framework and Mono).
    /// </summary>
    private static void ExpectHandlers(int count)
    {
        FieldInfo field = s_handlerFields
            .Select(name => typeof(AppDomain).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance))
            .FirstOrDefault(f => f is not null)
            ?? throw new CheckFailedException("cannot find the AssemblyResolve event's field on this runtime");
        var handlers = (Delegate?)field.GetValue(AppDomain.CurrentDomain);
        int ours = handlers?.GetInvocationList().Count(d => d.Method.DeclaringType?.Assembly == typeof(ModuleInitializer).Assembly) ?? 0;
        Report.Expect(ours == count, $"{ours} handlers of the module are registered, expected {count}");
    }

    private static bool Fails(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
    }
}
