using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace LaminiPS;

/// <summary>
/// Windows PowerShell 5.1 has no System.Text.Json and no binding redirects, so LaminiPS ships a
/// private copy and its closure in dependencies/ and answers AssemblyResolve for them. A 5.1
/// session is shared with other modules, so the handler answers only for assemblies we ship, only
/// when the version asked for is not newer than ours, and only for requests from our own
/// assemblies when the runtime names the requester. Registered once per process however many
/// runspaces import the module, and removed when the last of them removes it.
/// </summary>
internal static class DependencyResolver
{
    private static readonly object s_gate = new();
    private static readonly Assembly s_self = typeof(DependencyResolver).Assembly;
    private static readonly string s_folder =
        Path.Combine(Path.GetDirectoryName(s_self.Location) ?? string.Empty, "dependencies");

    // Read on the first request rather than at import, so importing stays cheap.
    private static readonly Lazy<Dictionary<string, AssemblyName>> s_shipped = new(ReadShipped);

    private static int s_importers;

    public static void AddImporter()
    {
        lock (s_gate)
        {
            if (s_importers++ == 0)
            {
                AppDomain.CurrentDomain.AssemblyResolve += Resolve;
            }
        }
    }

    public static void RemoveImporter()
    {
        lock (s_gate)
        {
            if (s_importers > 0 && --s_importers == 0)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
            }
        }
    }

    // Uses nothing from dependencies/ itself: a handler that needed them would call itself. (So
    // Enumerable.SequenceEqual by name: C# 14 would bind token.SequenceEqual to System.Memory's.)
    internal static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var requested = new AssemblyName(args.Name);
        if (requested.Name is null || !s_shipped.Value.TryGetValue(requested.Name, out AssemblyName? ours))
        {
            return null;
        }

        bool newerThanOurs = requested.Version is not null && requested.Version > ours.Version;
        bool otherPublisher = requested.GetPublicKeyToken() is { Length: > 0 } token
            && !Enumerable.SequenceEqual(token, ours.GetPublicKeyToken() ?? Array.Empty<byte>());
        bool foreignRequester = args.RequestingAssembly is { } requester && !IsOurs(requester);
        if (newerThanOurs || otherPublisher || foreignRequester)
        {
            return null;
        }

        return Assembly.LoadFrom(Path.Combine(s_folder, ours.Name + ".dll"));
    }

    private static bool IsOurs(Assembly assembly)
    {
        if (assembly == s_self)
        {
            return true;
        }

        AssemblyName name = assembly.GetName();
        return name.Name is not null
            && s_shipped.Value.TryGetValue(name.Name, out AssemblyName? ours)
            && string.Equals(ours.FullName, name.FullName, StringComparison.Ordinal);
    }

    private static Dictionary<string, AssemblyName> ReadShipped()
    {
        var shipped = new Dictionary<string, AssemblyName>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(s_folder))
        {
            return shipped;
        }

        foreach (string path in Directory.EnumerateFiles(s_folder, "*.dll"))
        {
            AssemblyName name = AssemblyName.GetAssemblyName(path);
            if (name.Name is not null)
            {
                shipped[name.Name] = name;
            }
        }

        return shipped;
    }
}
