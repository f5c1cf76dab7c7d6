using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Models;

namespace LaminiPS.Commands.Tools;

/// <summary>
/// Lets -Tool take any mix of commands and tool definitions (see <see cref="ToolDefinitionReader"/>); each becomes
/// a LaminiTool while binding, so a tool that can't be offered stops the command before any request.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ToolTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            List<LaminiTool> tools = Flatten(inputData).SelectMany(entry => ToolDefinitionReader.Read(engineIntrinsics, entry)).ToList();
            string? repeated = tools.GroupBy(tool => tool.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(group => group.Count() > 1)?.Key;
            if (repeated is not null)
            {
                throw new InvalidToolException($"Two tools are named '{repeated}'; each tool needs its own name (give one a Name: -Tool @{{ Command = ...; Name = 'other_name' }}).");
            }

            return tools.ToArray();
        }
        catch (InvalidToolException ex)
        {
            throw new ArgumentTransformationMetadataException($"{ex.Message} (error id {ErrorIds.InvalidTool})", ex);
        }
    }

    /// <summary>The entries of a list, and of lists inside it: -Tool (Get-Command a, b), @{ ... } is one list of three.</summary>
    private static IEnumerable<object?> Flatten(object? value)
    {
        object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (inner is IEnumerable list and not string and not IDictionary)
        {
            return list.Cast<object?>().SelectMany(Flatten);
        }

        return [value];
    }
}
