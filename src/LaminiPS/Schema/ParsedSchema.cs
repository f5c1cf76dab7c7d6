using System.Text.Json;

namespace LaminiPS.Schema;

/// <summary>
/// A checked schema, parsed once when it was made: what reply validation and embedding read. A class of its
/// own so that the public <see cref="Models.LaminiJsonSchema"/> has no System.Text.Json field, and loading it
/// does not load that assembly before Windows PowerShell can resolve it. A batch's tasks read it at once:
/// JsonDocument reads are thread-safe from System.Text.Json 8 on (dotnet/runtime#76440).
/// </summary>
internal sealed class ParsedSchema(JsonElement root)
{
    internal JsonElement Root { get; } = root;
}
