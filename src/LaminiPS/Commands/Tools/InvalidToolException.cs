using System;

namespace LaminiPS.Commands.Tools;

/// <summary>A -Tool entry that can't become a tool; the message says which and why.</summary>
internal sealed class InvalidToolException : Exception
{
    public InvalidToolException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
