using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>Writes a request's <c>tools</c> and <c>tool_choice</c> fields.</summary>
internal static class ToolFields
{
    /// <summary>The tool_choice values that are modes; any other value names a function.</summary>
    internal static readonly string[] ChoiceModes = { "auto", "none", "required" };

    /// <summary>
    /// <c>"tools": [...]</c> when there are tools; <c>"tool_choice"</c> as a mode string, or as
    /// <c>{"type": "function", "function": {"name": ...}}</c> for a named function.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<LaminiTool>? tools, string? toolChoice)
    {
        if (tools is not null)
        {
            writer.WriteStartArray(ChatRequestField.Tools.Name);
            foreach (LaminiTool tool in tools)
            {
                tool.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        if (toolChoice is null)
        {
            return;
        }

        if (ChoiceModes.Contains(toolChoice))
        {
            writer.WriteString(ChatRequestField.ToolChoice.Name, toolChoice);
            return;
        }

        writer.WriteStartObject(ChatRequestField.ToolChoice.Name);
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", toolChoice);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
