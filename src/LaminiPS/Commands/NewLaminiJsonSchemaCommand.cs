using System;
using System.Collections;
using System.Management.Automation;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands;

/// <summary>
/// <para type="synopsis">Makes a structured-output schema for Invoke-LaminiChat.</para>
/// <para type="description">
/// Builds the JSON schema sent as <c>response_format.json_schema</c>
/// (<c>{"type": "json_schema", "json_schema": {"name", "description", "schema", "strict"}}</c>), which makes the
/// model answer with JSON of that shape. Describe the answer with a hashtable of property types (-Property), a
/// .NET or PowerShell class (-Type), an example object (-InputObject, from the pipeline; one schema per object),
/// or JSON schema text (-Json). The schema is checked before it is returned, so a bad description fails here,
/// naming the offending property, rather than at the service.
/// </para>
/// </summary>
[Cmdlet(VerbsCommon.New, "LaminiJsonSchema", DefaultParameterSetName = PropertySet, HelpUri = OnlineHelp.Pages + "New-LaminiJsonSchema.md")]
[OutputType(typeof(LaminiJsonSchema))]
public sealed class NewLaminiJsonSchemaCommand : PSCmdlet
{
    private const string PropertySet = "Property";
    private const string TypeSet = "Type";
    private const string InputObjectSet = "InputObject";
    private const string JsonSet = "Json";

    /// <summary>
    /// <para type="description">
    /// The answer's properties: name = description, where a description is a type name (string, integer, number,
    /// boolean, object, array; also int, long, double, bool, datetime, guid, ...; add [] for an array of it and ?
    /// to allow null), a [type], an array of allowed values (an enum), a nested hashtable (a nested object), or a
    /// JSON Schema fragment (a hashtable with a 'type' key, e.g. @{ type = 'string'; description = '...' }).
    /// Every property is required. Use [ordered]@{} to keep the order; plain hashtables are sorted by name.
    /// Becomes <c>response_format.json_schema.schema</c>.
    /// </para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PropertySet)]
    public IDictionary Property { get; set; } = null!;

    /// <summary>
    /// <para type="description">
    /// A .NET type or PowerShell class whose public properties describe the answer, in declaration order. Nested
    /// classes, lists, enums (their names) and Nullable types (["integer", "null"]) are followed; a class that
    /// contains itself can't be described. The reply can be cast back: [MyClass]$reply.Data.
    /// </para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = TypeSet)]
    public Type Type { get; set; } = null!;

    /// <summary>
    /// <para type="description">
    /// An example answer ([pscustomobject] or hashtable, nested objects and arrays included); the schema is inferred
    /// from its values. Piped: one schema per object; a piped string is read as JSON schema text, a piped [type]
    /// as -Type.
    /// </para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>
    /// <para type="description">
    /// A JSON schema as text; its root must have "type": "object". Kept exactly as written (compacted). A whole
    /// response_format or json_schema object is unwrapped, its name, description and strict used unless given here.
    /// </para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = JsonSet)]
    public string Json { get; set; } = null!;

    /// <summary>
    /// <para type="description"><c>response_format.json_schema.name</c>: 1 to 64 letters, digits, '_' or '-'. Default: json_response.</para>
    /// </summary>
    [Parameter]
    public string Name { get; set; } = LaminiJsonSchema.DefaultName;

    /// <summary>
    /// <para type="description"><c>response_format.json_schema.description</c>: tells the model what the answer is for.</para>
    /// </summary>
    [Parameter]
    public string? Description { get; set; }

    /// <summary>
    /// <para type="description">
    /// Sends <c>response_format.json_schema.strict = true</c>. Every object then lists all its properties as
    /// required and sets additionalProperties to false: filled in for -Property, -Type and -InputObject; checked,
    /// not changed, for -Json (each violation is reported by property).
    /// </para>
    /// </summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    private string? BoundName => MyInvocation.BoundParameters.ContainsKey(nameof(Name)) ? Name : null;

    protected override void BeginProcessing()
    {
        try
        {
            SchemaBuilder.ValidateName(Name);
        }
        catch (LaminiSchemaException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, Name));
        }
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case InputObjectSet:
                try
                {
                    WriteObject(SchemaBuilder.FromPipelineObject(InputObject, BoundName, Description, Strict.IsPresent));
                }
                catch (LaminiSchemaException ex)
                {
                    WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, InputObject));
                }

                break;
            case TypeSet:
                Emit(() => SchemaBuilder.FromType(Type, BoundName, Description, Strict.IsPresent), Type);
                break;
            case JsonSet:
                bool? strict = MyInvocation.BoundParameters.ContainsKey(nameof(Strict)) ? Strict.IsPresent : null;
                Emit(() => SchemaBuilder.FromJson(Json, BoundName, Description, strict), Json);
                break;
            default:
                Emit(() => SchemaBuilder.FromProperties(Property, BoundName, Description, Strict.IsPresent), Property);
                break;
        }
    }

    private void Emit(Func<LaminiJsonSchema> build, object target)
    {
        LaminiJsonSchema schema;
        try
        {
            schema = build();
        }
        catch (LaminiSchemaException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, target));
            return;
        }

        WriteObject(schema);
    }
}
