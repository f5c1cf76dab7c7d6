using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using LaminiPS.Models;

namespace LaminiPS.Commands;

/// <summary>
/// PowerShell's view of a reply (registered in LaminiPS.Types.ps1xml, which needs it public).
/// Listing its properties gives only the report columns, so Export-Csv, Select-Object * and
/// Format-List * write useful cells and no "3 messages" or always-empty Data column. Every property
/// is still reachable by name ($reply.Messages, Where-Object Data, Select-Object Id), including
/// Elapsed and Choices, which are not public .NET properties because ConvertTo-Json writes those
/// (see LaminiChatResponse).
/// </summary>
public sealed class LaminiChatResponseAdapter : PSPropertyAdapter
{
    /// <summary>The columns a report wants, in order.</summary>
    private static readonly string[] s_listed =
    {
        nameof(LaminiChatResponse.Prompt),
        nameof(LaminiChatResponse.Content),
        nameof(LaminiChatResponse.Model),
        nameof(LaminiChatResponse.FinishReason),
        nameof(LaminiChatResponse.PromptTokens),
        nameof(LaminiChatResponse.CompletionTokens),
        nameof(LaminiChatResponse.TotalTokens),
        nameof(LaminiChatResponse.ElapsedMilliseconds),
    };

    private static readonly Dictionary<string, Reader> s_readers = BuildReaders();

    public override Collection<PSAdaptedProperty> GetProperties(object baseObject) =>
        new(s_listed.Select(name => new PSAdaptedProperty(name, s_readers[name])).ToList());

    public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName) =>
        s_readers.TryGetValue(propertyName, out Reader? reader) ? new PSAdaptedProperty(reader.Name, reader) : null;

    public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty) =>
        ((Reader)adaptedProperty.Tag).Read((LaminiChatResponse)adaptedProperty.BaseObject);

    public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object value) =>
        throw new NotSupportedException($"The reply's {adaptedProperty.Name} cannot be changed.");

    public override bool IsSettable(PSAdaptedProperty adaptedProperty) => false;

    public override bool IsGettable(PSAdaptedProperty adaptedProperty) => true;

    public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty) => ((Reader)adaptedProperty.Tag).Type.FullName!;

    private static Dictionary<string, Reader> BuildReaders()
    {
        var readers = new Dictionary<string, Reader>(StringComparer.OrdinalIgnoreCase);
        foreach (PropertyInfo property in typeof(LaminiChatResponse).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            readers[property.Name] = new Reader(property.Name, property.PropertyType, reply => property.GetValue(reply));
        }

        readers["Elapsed"] = new Reader("Elapsed", typeof(TimeSpan), reply => reply.Elapsed);
        readers["Choices"] = new Reader("Choices", typeof(LaminiChoiceList), reply => reply.Choices);
        return readers;
    }

    private sealed class Reader
    {
        public Reader(string name, Type type, Func<LaminiChatResponse, object?> read)
        {
            Name = name;
            Type = type;
            Read = read;
        }

        public string Name { get; }

        public Type Type { get; }

        public Func<LaminiChatResponse, object?> Read { get; }
    }
}
