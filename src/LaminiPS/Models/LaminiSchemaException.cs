using System;
using System.Collections.Generic;

namespace LaminiPS.Models;

/// <summary>
/// A schema description (from -Property, -Type, -InputObject or -Json) that can't become a
/// structured-output schema. <see cref="ErrorId"/> is one of the <see cref="ErrorIds"/> constants
/// and becomes the error record's id; <see cref="PropertyPath"/> names the offending property
/// (e.g. <c>address.city</c>, <c>tags[]</c> for an array's items; empty for the schema as a whole).
/// </summary>
public sealed class LaminiSchemaException : Exception
{
    public LaminiSchemaException()
        : this(ErrorIds.InvalidSchema, string.Empty, "The schema is not valid.")
    {
    }

    public LaminiSchemaException(string message)
        : this(ErrorIds.InvalidSchema, string.Empty, message)
    {
    }

    public LaminiSchemaException(string message, Exception innerException)
        : this(ErrorIds.InvalidSchema, string.Empty, message, null, innerException)
    {
    }

    public LaminiSchemaException(string errorId, string propertyPath, string message)
        : this(errorId, propertyPath, message, null, null)
    {
    }

    public LaminiSchemaException(string errorId, string propertyPath, string message, IReadOnlyList<string>? violations, Exception? innerException)
        : base(message, innerException)
    {
        ErrorId = errorId;
        PropertyPath = propertyPath ?? string.Empty;
        Violations = violations ?? Array.Empty<string>();
    }

    /// <summary>One of the structured-output ids in <see cref="ErrorIds"/>.</summary>
    public string ErrorId { get; }

    /// <summary>The offending property as a dotted path (<c>address.city</c>); empty for the whole schema.</summary>
    public string PropertyPath { get; }

    /// <summary>Every problem found, when there are several (strict-mode checks report them all).</summary>
    public IReadOnlyList<string> Violations { get; }
}
