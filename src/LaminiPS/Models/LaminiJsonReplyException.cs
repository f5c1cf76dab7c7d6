using System;
using System.Collections.Generic;

namespace LaminiPS.Models;

/// <summary>A structured reply that is not JSON or does not match its schema; keeps the raw text.</summary>
public sealed class LaminiJsonReplyException : Exception
{
    public LaminiJsonReplyException(string message, string? rawText, IReadOnlyList<string> violations, LaminiChatResponse response)
        : base(message)
    {
        RawText = rawText;
        Violations = violations;
        Response = response;
    }

    /// <summary>The reply's text exactly as the model wrote it.</summary>
    public string? RawText { get; }

    /// <summary>Each way the reply breaks the schema, with its JSON path.</summary>
    public IReadOnlyList<string> Violations { get; }

    /// <summary>The whole reply, for usage and finish reason (a 'length' finish explains a cut-off JSON).</summary>
    public LaminiChatResponse Response { get; }
}
