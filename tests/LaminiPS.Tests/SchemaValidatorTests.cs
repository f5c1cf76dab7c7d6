using System.Text.Json;
using LaminiPS.Schema;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>
/// What a reply is told about the keywords the Pester suite does not reach: combinators, positional items,
/// equality of structured values, limits counted in characters, patterns .NET can't read, $ref loops.
/// </summary>
public sealed class SchemaValidatorTests
{
    [Theory]
    [InlineData("{\"v\":5}", "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "")]
    [InlineData("{\"v\":5}", "{\"oneOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}", "$.v: matches 2 of the oneOf alternatives; exactly one is allowed")]
    [InlineData("{\"v\":true}", "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"minimum\":1}]}", "$.v: matches none of the 2 oneOf alternatives (closest: $.v: expected string, got boolean)")]
    [InlineData("{\"v\":\"x\"}", "{\"not\":{\"type\":\"string\"}}", "$.v: matches a schema it must not match (not)")]
    [InlineData("{\"v\":1}", "{\"not\":{\"type\":\"string\"}}", "")]
    [InlineData("{\"v\":\"abcd\"}", "{\"allOf\":[{\"type\":\"string\"},{\"maxLength\":2},{\"pattern\":\"^b\"}]}", "$.v: expected at most 2 characters, got 4|$.v: \"abcd\" does not match the pattern ^b")]
    [InlineData("{\"v\":1}", "false", "$.v: no value is allowed here")]
    public void Combinators_and_false_schemas(string instance, string property, string expected) =>
        AssertViolations(instance, "{\"type\":\"object\",\"properties\":{\"v\":" + property + "}}", expected);

    [Theory]
    [InlineData("[\"a\",1,2,\"b\"]", "{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":{\"type\":\"string\"}}", "$[2]: expected string, got number")]
    [InlineData("[\"a\",1,true]", "{\"items\":[{\"type\":\"string\"},{\"type\":\"string\"}]}", "$[1]: expected string, got number")]
    [InlineData("[1,\"x\"]", "{\"prefixItems\":[{\"type\":\"integer\"}]}", "")]
    [InlineData("[1,2,3]", "{\"maxItems\":2,\"items\":{\"exclusiveMaximum\":3}}", "$: expected at most 2 items, got 3|$[2]: 3 must be less than 3")]
    public void Items_by_position_and_for_the_rest(string instance, string schema, string expected) => AssertViolations(instance, schema, expected);

    [Theory]
    [InlineData("{\"b\":[1,{\"c\":null}],\"a\":2.0}", "")]
    [InlineData("{\"a\":2,\"b\":[1,{\"c\":null}],\"d\":0}", "$: an object is not one of the allowed values an object")]
    [InlineData("{\"a\":2,\"b\":[{\"c\":null},1]}", "$: an object is not one of the allowed values an object")]
    public void Allowed_values_compare_as_json(string instance, string expected) =>
        AssertViolations(instance, "{\"enum\":[{\"a\":2,\"b\":[1,{\"c\":null}]}]}", expected);

    [Theory]
    [InlineData("\"\U0001F999\U0001F999\"", "")]
    [InlineData("\"abc\"", "$: expected at most 2 characters, got 3")]
    public void Lengths_count_characters_not_utf16_units(string instance, string expected) =>
        AssertViolations(instance, "{\"type\":\"string\",\"maxLength\":2}", expected);

    [Fact]
    public void A_pattern_dotnet_cannot_read_is_not_the_replys_fault() =>
        AssertViolations("\"x\"", "{\"type\":\"string\",\"pattern\":\"(?<\"}", string.Empty);

    [Fact]
    public void A_ref_that_loops_without_consuming_input_ends() =>
        AssertViolations("1", "{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}", string.Empty);

    [Fact]
    public void A_long_string_is_cut_in_messages() =>
        AssertViolations("\"" + new string('x', 70) + "\"", "{\"const\":\"y\"}", "$: expected \"y\", got \"" + new string('x', 60) + "\u2026\"");

    private static void AssertViolations(string instance, string schema, string expected)
    {
        using JsonDocument instanceDocument = JsonDocument.Parse(instance);
        using JsonDocument schemaDocument = JsonDocument.Parse(schema);
        string[] wanted = expected.Length == 0 ? [] : expected.Split('|');
        Assert.Equal(wanted, SchemaValidator.Validate(instanceDocument.RootElement, schemaDocument.RootElement));
    }
}
