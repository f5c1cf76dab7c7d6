using System;
using System.Management.Automation;
using LaminiPS.Json;

namespace LaminiPS.Commands.Validation;

/// <summary>
/// Refuses text that is empty or only whitespace, given as an argument: the model gets nothing to
/// answer. (Blank prompts piped in are skipped with a warning instead: a blank line in a file.)
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ValidateNotBlankAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        if (PowerShellJson.Unwrap(element) is not string text || string.IsNullOrWhiteSpace(text))
        {
            throw new ValidationMetadataException("The argument is blank (empty or only whitespace): give text to send.");
        }
    }
}
