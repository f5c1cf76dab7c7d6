using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace LaminiPS;

/// <summary>
/// Windows PowerShell 5.1 has no System.Text.Json and no binding redirects, so the module ships a
/// private copy in dependencies/ and resolves it here. PowerShell 7 loads its own copy first, so
/// the handler never fires there for those assemblies.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string s_dependencies =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? string.Empty, "dependencies");

    public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;

    public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

    private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args)
    {
        string path = Path.Combine(s_dependencies, new AssemblyName(args.Name).Name + ".dll");
        return File.Exists(path) ? Assembly.LoadFrom(path) : null;
    }
}
