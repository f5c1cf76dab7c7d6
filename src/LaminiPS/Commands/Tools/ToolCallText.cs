using System.Collections;
using System.Management.Automation;
using System.Text;
using LaminiPS.Json;

namespace LaminiPS.Commands.Tools;

/// <summary>
/// A tool call as the command line it runs, for -WhatIf, -Confirm, -Verbose and warnings: the command's name, then
/// each argument the model gave with its value as JSON (Get-Thing -Name "a" -Tags ["x","y"] -Force).
/// </summary>
internal static class ToolCallText
{
    public static string Describe(CommandTool tool, IDictionary arguments)
    {
        var text = new StringBuilder(tool.Command.Name);
        foreach (DictionaryEntry argument in arguments)
        {
            string name = (string)argument.Key;
            text.Append(" -").Append(name);
            switch (argument.Value)
            {
                case true when IsSwitch(tool.Command, name):
                    break;
                case bool flag:
                    text.Append(flag ? ":$true" : ":$false");
                    break;
                default:
                    text.Append(' ').Append(PowerShellJson.Serialize(argument.Value));
                    break;
            }
        }

        return text.ToString();
    }

    private static bool IsSwitch(CommandInfo command, string parameterName) =>
        command.Parameters.TryGetValue(parameterName, out ParameterMetadata? parameter) && parameter.SwitchParameter;
}
