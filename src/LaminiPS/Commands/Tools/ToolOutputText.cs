using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LaminiPS.Json;

namespace LaminiPS.Commands.Tools;

/// <summary>What a tool call's command wrote, as the text of the tool message the model reads.</summary>
internal static class ToolOutputText
{
    /// <summary>Longest result sent back for one call; a longer one is cut, and says so.</summary>
    public const int MaximumLength = 16 * 1024;

    /// <summary>Deep enough for the data a function builds; .NET objects inside objects are written as text anyway.</summary>
    private const int MaximumDepth = 5;

    /// <summary>
    /// Text as it is (one item a line); anything else as compact JSON: one object, or an array of them. Over
    /// <see cref="MaximumLength"/> characters, whole items are left out (or the one item is cut) and a note says so.
    /// </summary>
    public static string From(IReadOnlyList<object?> output)
    {
        if (output.Count == 0)
        {
            return "The command completed without output.";
        }

        return output.All(item => PowerShellJson.Unwrap(item) is string) ? FromText(output) : FromObjects(output);
    }

    private static string FromText(IReadOnlyList<object?> output)
    {
        string text = string.Join("\n", output.Select(item => (string)PowerShellJson.Unwrap(item)!));
        return text.Length <= MaximumLength
            ? text
            : text.Substring(0, MaximumLength) + string.Format(
                CultureInfo.InvariantCulture, "\n[Cut: the output is {0} characters long; only the first {1} are shown.]", text.Length, MaximumLength);
    }

    private static string FromObjects(IReadOnlyList<object?> output)
    {
        var parts = new List<string>(output.Count);
        int used = output.Count == 1 ? 0 : 2;
        foreach (object? item in output)
        {
            string json = PowerShellJson.SerializeOutput(item, MaximumDepth, MaximumLength - used, out bool cut);
            if (cut && parts.Count == 0)
            {
                string start = output.Count == 1 ? json : "[" + json;
                return start + string.Format(
                    CultureInfo.InvariantCulture, "\n[Cut: the output is longer than {0} characters; only its start is shown.]", MaximumLength);
            }

            if (cut)
            {
                return "[" + string.Join(",", parts) + "]" + string.Format(
                    CultureInfo.InvariantCulture, "\n[Cut: only the first {0} of {1} results fit in {2} characters.]", parts.Count, output.Count, MaximumLength);
            }

            parts.Add(json);
            used += json.Length + 1;
        }

        return output.Count == 1 ? parts[0] : "[" + string.Join(",", parts) + "]";
    }
}
