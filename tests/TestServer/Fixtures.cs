using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LaminiTestServer;

/// <summary>
/// The payload files behaviours can name, read once at start: they are small and a run never
/// changes them, and a missing directory should fail the start, not some later test.
/// </summary>
internal sealed partial class Fixtures
{
    public const string Models = "models.json";
    private const string Errors = "errors.json";

    private readonly Dictionary<string, byte[]> _files;
    private readonly JsonObject _errors;

    private Fixtures(Dictionary<string, byte[]> files, JsonObject errors)
    {
        _files = files;
        _errors = errors;
    }

    public static Fixtures Load(string directory)
    {
        var files = Directory.EnumerateFiles(directory)
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes, StringComparer.Ordinal);
        if (!files.ContainsKey(Models) || !files.TryGetValue(Errors, out var errors))
        {
            throw new FileNotFoundException($"The fixtures directory '{directory}' needs {Models} and {Errors}.");
        }

        var errorsObject = JsonNode.Parse(errors) as JsonObject
            ?? throw new InvalidDataException($"{Errors} must hold a JSON object of error bodies.");
        return new Fixtures(files, errorsObject);
    }

    public bool HasFile(string name) => _files.ContainsKey(name);

    public byte[] FileBytes(string name) => _files[name];

    public bool HasError(string key) => _errors.ContainsKey(key);

    /// <summary>An entry of errors.json, as JSON text.</summary>
    public string Error(string key) => _errors[key]!.ToJsonString();

    /// <summary>
    /// A .sse fixture cut into events, each keeping its own bytes and the blank line that ends it,
    /// so the stream goes out exactly as written in the file (CRLF framing included).
    /// </summary>
    public IEnumerable<string> SseEvents(string name) =>
        EventPattern().Matches(System.Text.Encoding.UTF8.GetString(_files[name])).Select(m => m.Value);

    [GeneratedRegex(@"(?s).+?(?:\r?\n\r?\n|\z)")]
    private static partial Regex EventPattern();
}
