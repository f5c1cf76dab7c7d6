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

    public static DateTime? UnixTime(JsonElement obj, string name) =>
        Integer(obj, name) is long seconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime
            : null;

    public static int ClampToInt(long? value) =>
        value is long v ? (int)Math.Max(int.MinValue, Math.Min(int.MaxValue, v)) : 0;
}
