using System;
using System.Management.Automation;
using LaminiPS.Models;
using LaminiPS.Schema;

namespace LaminiPS.Commands.Transformations;

/// <summary>
/// Lets -JsonSchema take a LaminiJsonSchema, a hashtable or [pscustomobject] (property types or a
/// whole schema), a [type], or JSON text; each becomes a LaminiJsonSchema while binding, so a schema
/// that can't be used stops the command before any request.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class JsonSchemaTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        try
        {
            return SchemaBuilder.FromAny(inputData);
        }
        catch (LaminiSchemaException ex)
        {
            throw new ArgumentTransformationMetadataException($"{ex.Message} (error id {ex.ErrorId})", ex);
        }
    }
}
