using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Numerics;
using System.Text;
using System.Text.Json;
using LaminiPS.Client;
using LaminiPS.Models;

namespace LaminiPS.Json;

/// <summary>
/// PowerShell values to JSON and back. Shared by schemas, AdditionalParameters and reply data.
/// </summary>
/// <remarks>
/// Writing: null/DBNull → null; string/char → string; bool; every numeric type (NaN and ±Infinity,
/// which JSON can't hold, become the strings "NaN"/"Infinity"/"-Infinity", as ConvertTo-Json does);
/// enum → its name; DateTime/DateTimeOffset → ISO 8601; Guid → "D" form; Uri → its original text;
/// IDictionary → object (a plain Hashtable's keys sorted, ordinal, so the text is deterministic;
/// ordered dictionaries keep their order); PSObject → its base object, a PSCustomObject → an object
/// of its properties in order; IEnumerable (not string) → array; LaminiJsonSchema → its schema;
/// JsonElement → as is; anything else → its string form (invariant culture). Written strictly (request
/// fields), NaN, ±Infinity and anything else (a script block, a live .NET object) throw
/// <see cref="ArgumentException"/> instead, as no JSON holds them.
/// Values nested deeper than <see cref="MaxDepth"/> (usually a value that contains itself) throw
/// <see cref="ArgumentException"/>. Command output for a model (<see cref="SerializeOutput"/>) differs in two
/// ways: any other object becomes an object of its properties (unless it is inside another such object), and
/// nothing is expanded past a depth limit.
/// Reading: object → PSCustomObject (properties in JSON order; a repeated name keeps the last value; an
/// object with an empty name or names differing only in case, which a PSCustomObject can't hold, becomes an
/// OrderedDictionary with ordinal keys instead),
/// array → object[], string, bool, null, numbers → long when integral and in range, BigInteger for
/// larger integers, double otherwise.
/// </remarks>
internal static class PowerShellJson
{
    /// <summary>
    /// The one nesting limit, in levels of JSON objects and arrays: for every JSON value LaminiPS writes or
    /// parses (schemas, replies, request fields) and for the schema builders' recursion. Real schemas and
    /// replies are nowhere near it; a value that contains itself reaches it and is refused, instead of
    /// overflowing the stack.
    /// </summary>
    internal const int MaxDepth = 100;

    /// <summary>Compact, escaping only what JSON requires: the text goes into JSON bodies, never into HTML.</summary>
    internal static readonly JsonWriterOptions CompactWriterOptions = new()
    {
        Encoder = MinimalJsonEncoder.Instance,
    };

    internal static readonly JsonWriterOptions IndentedWriterOptions = new()
    {
        Encoder = MinimalJsonEncoder.Instance,
        Indented = true,
    };

    internal static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Lenient reading for text people write (schemas): comments and trailing commas are accepted.</summary>
    internal static readonly JsonDocumentOptions LenientReadOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = MaxDepth,
    };

    /// <summary>The JSON text of a PowerShell value.</summary>
    internal static string Serialize(object? value, bool indented = false) => ToJsonText(value, indented, strict: false);

    /// <summary>
    /// The JSON text of a value that is data through and through; throws <see cref="ArgumentException"/>
    /// for NaN, an infinity, a script block or a live .NET object anywhere in it, rather than sending
    /// a string the server would take for the value.
    /// </summary>
    internal static string SerializeData(object? value) => ToJsonText(value, indented: false, strict: true);

    private static string ToJsonText(object? value, bool indented, bool strict)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, indented ? IndentedWriterOptions : CompactWriterOptions))
        {
            Write(writer, value, 1, strict, null);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Command output as compact JSON for a model to read. An object that is not a scalar, dictionary, list or
    /// [pscustomobject] becomes an object of the properties PowerShell shows for it; inside another such object it is
    /// written as its string form (a file's Directory as its path), as is anything deeper than
    /// <paramref name="maximumDepth"/> levels. Writing stops once the text passes <paramref name="maximumBytes"/>
    /// (UTF-8): <paramref name="cut"/> is then true and the text is the unfinished start. Runs property getters, so
    /// only on the pipeline thread.
    /// </summary>
    internal static string SerializeOutput(object? value, int maximumDepth, int maximumBytes, out bool cut)
    {
        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream, CompactWriterOptions);
        cut = false;
        try
        {
            Write(writer, value, 1, strict: false, new OutputLimits(maximumDepth, maximumBytes));
        }
        catch (OutputTooLongException)
        {
            cut = true;
        }

        writer.Flush();
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Parses JSON text (strict JSON) into PowerShell values; throws JsonException when it is not JSON.</summary>
    internal static object? Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json, ReadOptions);
        return ToPowerShell(document.RootElement);
    }

    /// <summary>Parses JSON text into an element that needs no disposing; throws JsonException when it is not JSON.</summary>
    internal static JsonElement ParseElement(string json, bool lenient = false)
    {
        using JsonDocument document = JsonDocument.Parse(json, lenient ? LenientReadOptions : ReadOptions);
        return document.RootElement.Clone();
    }

    private static readonly System.Text.RegularExpressions.Regex s_positionSuffix = new(
        @"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?\s*$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>"(line 1, position 16): '}' is an invalid start of a value." from a parser error (1-based).</summary>
    internal static string DescribeJsonError(JsonException exception)
    {
        string message = s_positionSuffix.Replace(exception.Message, string.Empty).Trim();
        if (exception.LineNumber is long line && exception.BytePositionInLine is long position)
        {
            return string.Format(CultureInfo.InvariantCulture, "(line {0}, position {1}): {2}", line + 1, position + 1, message);
        }

        return ": " + message;
    }

    /// <summary>JSON as PowerShell data: objects become PSCustomObjects.</summary>
    internal static object? ToPowerShell(JsonElement element) => Read(element, customObjects: true, readOnly: false);

    /// <summary>
    /// JSON as nested OrderedDictionary / object[] / primitives: the display form of a schema, a tool call's
    /// arguments. Keys compare case-insensitively (so $s.Schema.Properties works) unless two keys differ only in case.
    /// </summary>
    internal static object? ToDictionaryTree(JsonElement element, bool readOnly) => Read(element, customObjects: false, readOnly);

    private static object? Read(JsonElement element, bool customObjects, bool readOnly)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                bool caseClash = NamesDifferOnlyInCase(element);
                if (customObjects && !caseClash && !element.EnumerateObject().Any(static p => p.Name.Length == 0))
                {
                    var result = new PSObject();
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        if (result.Properties[property.Name] is not null)
                        {
                            result.Properties.Remove(property.Name);
                        }

                        result.Properties.Add(new PSNoteProperty(property.Name, Read(property.Value, customObjects, readOnly)));
                    }

                    return result;
                }

                // A PSCustomObject can't hold an empty name, nor names that differ only in case: an ordinal dictionary can.
                var dictionary = new OrderedDictionary(caseClash || customObjects ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    dictionary[property.Name] = Read(property.Value, customObjects, readOnly);
                }

                return readOnly ? dictionary.AsReadOnly() : dictionary;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(item => Read(item, customObjects, readOnly)).ToArray();
            default:
                return ToScalar(element);
        }
    }

    private static bool NamesDifferOnlyInCase(JsonElement element)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (seen.TryGetValue(property.Name, out string? earlier) && !string.Equals(earlier, property.Name, StringComparison.Ordinal))
            {
                return true;
            }

            seen[property.Name] = property.Name;
        }

        return false;
    }

    private static object? ToScalar(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number:
                return ToNumber(element);
            default:
                return null;
        }
    }

    private static object ToNumber(JsonElement element)
    {
        if (element.TryGetInt64(out long integer))
        {
            return integer;
        }

        string raw = element.GetRawText();
        if (raw.IndexOfAny(['.', 'e', 'E']) < 0
            && BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger big))
        {
            return big;
        }

        if (element.TryGetDouble(out double real))
        {
            return real;
        }

        // Out of double's range: .NET Core parses to ±Infinity, .NET Framework refuses; keep the text then.
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out real) ? real : raw;
    }

    /// <summary>A PSObject's base object, except that a PSCustomObject stays the PSObject that carries its properties.</summary>
    internal static object? Unwrap(object? value)
    {
        while (value is PSObject pso)
        {
            if (ReferenceEquals(pso, System.Management.Automation.Internal.AutomationNull.Value))
            {
                return null;
            }

            object baseObject = pso.BaseObject;
            if (baseObject is PSCustomObject || ReferenceEquals(baseObject, pso))
            {
                return pso;
            }

            value = baseObject;
        }

        return value;
    }

    /// <summary>True for a [pscustomobject] (after <see cref="Unwrap"/>).</summary>
    internal static bool IsCustomObject(object? value) => value is PSObject pso && pso.BaseObject is PSCustomObject;

    /// <summary>A dictionary's or [pscustomobject]'s (name, value) pairs: the two shapes of a map people type; null for anything else.</summary>
    internal static List<KeyValuePair<string, object?>>? Members(object? value) => Unwrap(value) switch
    {
        IDictionary dictionary => DictionaryEntries(dictionary),
        PSObject custom when IsCustomObject(custom) => CustomObjectProperties(custom).ToList(),
        _ => null,
    };

    /// <summary>A list's items; anything else (text and dictionaries included) is a list of one, as PowerShell parameters take it.</summary>
    internal static IEnumerable<object?> AsList(object? value) =>
        value is IEnumerable list and not string and not IDictionary ? list.Cast<object?>() : [value];

    /// <summary>The properties of a [pscustomobject] (or those PowerShell shows for any object), in order; a property whose getter fails reads as null.</summary>
    internal static IEnumerable<KeyValuePair<string, object?>> CustomObjectProperties(PSObject pso)
    {
        foreach (PSPropertyInfo property in pso.Properties)
        {
            yield return new KeyValuePair<string, object?>(property.Name, GetValueOrNull(property));
        }
    }

    /// <summary>A dictionary's entries as (string key, value); a plain Hashtable's sorted so output is deterministic.</summary>
    internal static List<KeyValuePair<string, object?>> DictionaryEntries(IDictionary dictionary)
    {
        var entries = new List<KeyValuePair<string, object?>>(dictionary.Count);
        foreach (DictionaryEntry entry in dictionary)
        {
            string key = Convert.ToString(Unwrap(entry.Key), CultureInfo.InvariantCulture) ?? string.Empty;
            entries.Add(new KeyValuePair<string, object?>(key, entry.Value));
        }

        if (dictionary.GetType() == typeof(Hashtable))
        {
            entries.Sort(static (a, b) =>
            {
                int byName = StringComparer.OrdinalIgnoreCase.Compare(a.Key, b.Key);
                return byName != 0 ? byName : StringComparer.Ordinal.Compare(a.Key, b.Key);
            });
        }

        return entries;
    }

    internal static object? GetValueOrNull(PSPropertyInfo property)
    {
        try
        {
            return property.Value;
        }
        catch (GetValueException)
        {
            return null;
        }
        catch (ExtendedTypeSystemException)
        {
            return null;
        }
    }

    /// <summary><paramref name="depth"/>: the level <paramref name="value"/> sits at, 1 for the outermost.</summary>
    private static void Write(Utf8JsonWriter writer, object? value, int depth, bool strict, OutputLimits? limits)
    {
        CheckLimits(writer, depth, limits);
        object? given = value;
        value = Unwrap(value);
        if (limits is not null && depth > limits.MaximumDepth && value is PSObject or IDictionary or (IEnumerable and not string))
        {
            writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
            return;
        }

        if (TryWriteScalar(writer, value, strict))
        {
            return;
        }

        switch (value)
        {
            case PSObject custom:
                WriteMembers(writer, CustomObjectProperties(custom), depth, strict, limits);
                return;
            case IDictionary dictionary:
                WriteMembers(writer, DictionaryEntries(dictionary), depth, strict, limits);
                return;
            case IEnumerable sequence:
                WriteSequence(writer, sequence, depth, strict, limits);
                return;
            case not null when limits is { InsideObject: false } && depth <= limits.MaximumDepth:
                // The wrapper as given, so the properties PowerShell adds (PSPath, ...) are written too.
                limits.InsideObject = true;
                WriteMembers(writer, CustomObjectProperties(PSObject.AsPSObject(given!)), depth, strict, limits);
                limits.InsideObject = false;
                return;
            default:
                WriteOther(writer, value!, strict); // null is a scalar, written above
                return;
        }
    }

    /// <summary>Refuses a value nested past <see cref="MaxDepth"/> (it contains itself), or output past its size limit.</summary>
    private static void CheckLimits(Utf8JsonWriter writer, int depth, OutputLimits? limits)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException(string.Format(
                CultureInfo.InvariantCulture,
                "The value is nested more than {0} levels deep (does it contain itself?).",
                MaxDepth));
        }

        if (limits is not null && writer.BytesCommitted + writer.BytesPending > limits.MaximumBytes)
        {
            throw new OutputTooLongException();
        }
    }

    /// <summary>Null, a boolean, a number, text-like values, or JSON already: false for anything that has members or items.</summary>
    private static bool TryWriteScalar(Utf8JsonWriter writer, object? value, bool strict)
    {
        switch (value)
        {
            case null:
            case DBNull:
                writer.WriteNullValue();
                return true;
            case bool boolean:
                writer.WriteBooleanValue(boolean);
                return true;
            case LaminiJsonSchema schema:
                writer.WriteRawValue(schema.SchemaJson, skipInputValidation: true);
                return true;
            case JsonElement element:
                element.WriteTo(writer);
                return true;
            case JsonDocument document:
                document.RootElement.WriteTo(writer);
                return true;
            default:
                return TryWriteText(writer, value) || TryWriteNumber(writer, value, strict);
        }
    }

    /// <summary>The values JSON holds as strings: text, characters, enum names, dates, GUIDs and addresses.</summary>
    private static bool TryWriteText(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case string text:
                writer.WriteStringValue(text);
                return true;
            case char character:
                writer.WriteStringValue(character.ToString());
                return true;
            case Enum enumValue:
                writer.WriteStringValue(enumValue.ToString());
                return true;
            case DateTime dateTime:
                writer.WriteStringValue(dateTime);
                return true;
            case DateTimeOffset dateTimeOffset:
                writer.WriteStringValue(dateTimeOffset);
                return true;
            case Guid guid:
                writer.WriteStringValue(guid);
                return true;
            case Uri uri:
                writer.WriteStringValue(uri.OriginalString);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Numbers: integers exactly, NaN and the infinities as text (refused when strict).</summary>
    private static bool TryWriteNumber(Utf8JsonWriter writer, object value, bool strict)
    {
        switch (value)
        {
            case sbyte or byte or short or ushort or int or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return true;
            case uint or ulong:
                writer.WriteNumberValue(Convert.ToUInt64(value, CultureInfo.InvariantCulture));
                return true;
            case decimal number:
                writer.WriteNumberValue(number);
                return true;
            case double number when double.IsNaN(number) || double.IsInfinity(number):
                writer.WriteStringValue(NotFinite(number, strict));
                return true;
            case float number when float.IsNaN(number) || float.IsInfinity(number):
                writer.WriteStringValue(NotFinite(number, strict));
                return true;
            case double number:
                writer.WriteNumberValue(number);
                return true;
            case float number:
                writer.WriteNumberValue(number);
                return true;
            case BigInteger number:
                writer.WriteRawValue(number.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A dictionary's entries or an object's properties, as one JSON object.</summary>
    private static void WriteMembers(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object?>> members, int depth, bool strict, OutputLimits? limits)
    {
        writer.WriteStartObject();
        foreach (KeyValuePair<string, object?> member in members)
        {
            writer.WritePropertyName(member.Key);
            Write(writer, member.Value, depth + 1, strict, limits);
        }

        writer.WriteEndObject();
    }

    private static void WriteSequence(Utf8JsonWriter writer, IEnumerable sequence, int depth, bool strict, OutputLimits? limits)
    {
        writer.WriteStartArray();
        foreach (object? item in sequence)
        {
            Write(writer, item, depth + 1, strict, limits);
        }

        writer.WriteEndArray();
    }

    /// <summary>Anything else is a live object: refused when strict, else written as its text.</summary>
    private static void WriteOther(Utf8JsonWriter writer, object value, bool strict)
    {
        if (strict)
        {
            throw new ArgumentException(value is ScriptBlock
                ? "a script block is code, not a value JSON can hold."
                : $"a [{value.GetType().FullName}] is a live .NET object, not data; give its text, or the properties you mean as a hashtable.");
        }

        writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
    }

    /// <summary>NaN or an infinity as ConvertTo-Json writes it (a string); written strictly, refused.</summary>
    private static string NotFinite(double number, bool strict) =>
        strict
            ? throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "{0} is not a number JSON can hold (JSON numbers are finite).", number))
            : number.ToString(CultureInfo.InvariantCulture);

    /// <summary>How far <see cref="SerializeOutput"/> writes, and where it is.</summary>
    private sealed class OutputLimits(int maximumDepth, int maximumBytes)
    {
        public int MaximumDepth { get; } = maximumDepth;

        public int MaximumBytes { get; } = maximumBytes;

        /// <summary>True while the properties of an object (not a list, dictionary or [pscustomobject]) are written.</summary>
        public bool InsideObject { get; set; }
    }

    /// <summary>Ends writing output that passed its size limit, from however deep the walk was.</summary>
    private sealed class OutputTooLongException : Exception
    {
    }
}
