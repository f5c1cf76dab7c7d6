using System;
using System.Text.Json;

namespace LaminiPS.Client;

/// <summary>
/// Lenient accessors: vLLM and gateways send fields missing, null or of an unexpected kind, and
/// none of that may break parsing.
/// </summary>
internal static class JsonRead
{
    public static string? String(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;

    public static long? Integer(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number)
            ? number
            : null;

    public static JsonElement? Child(JsonElement obj, string name, JsonValueKind kind) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement value) && value.ValueKind == kind
            ? value
            : null;

    /// <summary>Unix seconds as a UTC time; null when missing, not an integer, or outside DateTime's range.</summary>
    public static DateTime? UnixTime(JsonElement obj, string name) =>
        Integer(obj, name) is long seconds && seconds >= MinUnixSeconds && seconds <= MaxUnixSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime
            : null;

    // DateTimeOffset.FromUnixTimeSeconds accepts 0001-01-01 through 9999-12-31 and throws outside.
    private const long MinUnixSeconds = -62135596800;
    private const long MaxUnixSeconds = 253402300799;

    public static int ClampToInt(long? value) =>
        value is long v ? (int)Math.Max(int.MinValue, Math.Min(int.MaxValue, v)) : 0;
}
