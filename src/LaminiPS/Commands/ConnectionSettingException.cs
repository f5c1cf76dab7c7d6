using System;
using System.Management.Automation;

namespace LaminiPS.Commands;

/// <summary>A key, base URI or configure.yaml entry that cannot be used; raised before anything is sent.</summary>
internal sealed class ConnectionSettingException : Exception
{
    public ConnectionSettingException(string message, string errorId, ErrorCategory category, object? target)
        : base(message)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorCategory Category { get; }

    /// <summary>What the error concerns: where the setting came from, never a key.</summary>
    public object? Target { get; }
}
