using System.Text.Json;
using LaminiPS.Json;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>Which local $ref a schema may use: JSON pointers into the schema itself, escapes and array positions included.</summary>
public sealed class SchemaReferenceTests
{
    private const string Schema = "{\"$defs\":{\"a/b\":{\"const\":1},\"c~d\":{\"const\":2},\"e f\":{\"const\":3}},\"prefixItems\":[{\"const\":4},{\"const\":5}]}";

    [Theory]
    [InlineData("#/$defs/a~1b", "{\"const\":1}")]
    [InlineData("#/$defs/c~0d", "{\"const\":2}")]
    [InlineData("#/$defs/e%20f", "{\"const\":3}")]
    [InlineData("#/prefixItems/1", "{\"const\":5}")]
    [InlineData("#", Schema)]
    public void A_local_pointer_finds_its_schema(string reference, string expected)
    {
        using JsonDocument document = JsonDocument.Parse(Schema);
        Assert.True(JsonValues.TryResolvePointer(document.RootElement, reference, out JsonElement target));
        Assert.Equal(expected, target.GetRawText());
    }

    [Theory]
    [InlineData("#/$defs/missing")]
    [InlineData("#/prefixItems/2")]
    [InlineData("#/prefixItems/-1")]
    [InlineData("#defs")]
    [InlineData("other.json#/$defs/a~1b")]
    public void Anything_else_points_to_nothing(string reference)
    {
        using JsonDocument document = JsonDocument.Parse(Schema);
        Assert.False(JsonValues.TryResolvePointer(document.RootElement, reference, out _));
    }
}
