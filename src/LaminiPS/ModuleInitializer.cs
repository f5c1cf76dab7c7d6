using System;
using System.Management.Automation;

namespace LaminiPS;

/// <summary>
/// Runs when Import-Module loads LaminiPS.dll and when Remove-Module removes it. On .NET Framework
/// (Windows PowerShell 5.1) it refuses a framework too old for the module, then serves the
/// shipped dependencies; on PowerShell 7 there is nothing to do, as the runtime has its own.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        if (!NetFramework.IsCurrentRuntime)
        {
            return;
        }

        string? problem = NetFramework.CurrentRuntimeProblem();
        if (problem is not null)
        {
            throw new UnsupportedFrameworkException(problem);
        }

        DependencyResolver.AddImporter();
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (NetFramework.IsCurrentRuntime)
        {
            DependencyResolver.RemoveImporter();
        }
    }
}

/// <summary>Import-Module's error on a .NET Framework older than LaminiPS needs.</summary>
#pragma warning disable CA1032 // Raised only by ModuleInitializer, always with its message.
internal sealed class UnsupportedFrameworkException : Exception, IContainsErrorRecord
#pragma warning restore CA1032
{
    public UnsupportedFrameworkException(string message)
        : base(message)
    {
    }

    public ErrorRecord ErrorRecord => new(this, ErrorIds.UnsupportedFramework, ErrorCategory.NotInstalled, null);
}
