using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using LaminiPS.Models;

namespace LaminiPS.Schema;

/// <summary>
/// -Type: a .NET type or PowerShell class to a schema. Scalars and enums as <see cref="SchemaTypes"/> maps them;
/// Nullable&lt;T&gt;, and references C# annotates as nullable (string?), also allow null; lists become arrays;
/// IDictionary&lt;string, T&gt; an object with additionalProperties (which strict mode refuses); object and PSObject
/// any value; other types objects of their <see cref="ReadableProperties"/>, every one required. A type that
/// contains itself is an error naming the cycle, since an inline schema can't be recursive.
/// </summary>
internal static partial class SchemaBuilder
{
    private enum TypeKind
    {
        Any,
        Scalar,
        Dictionary,
        Array,
        Object,
    }

    internal static LaminiJsonSchema FromType(Type type, string? name, string? description, bool strict)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        TypeKind kind = Classify(target, out _);
        if (kind is not TypeKind.Object and not TypeKind.Dictionary)
        {
            string becomes = kind switch
            {
                TypeKind.Array => "a JSON array",
                TypeKind.Any => "any JSON value",
                _ => "a JSON " + MapType(target, string.Empty, [])["type"],
            };
            throw SchemaWalker.NotObject(
                "Type '" + FriendlyName(type) + "' becomes " + becomes + ", not an object; a structured-output schema describes an object. Use a class with properties (class Answer { [string]$Text }), or -Property @{ ... }.");
        }

        if (kind == TypeKind.Dictionary)
        {
            throw new LaminiSchemaException(
                "Type '" + FriendlyName(type) + "' is a dictionary, with no fixed properties to describe. Use a class with properties, or -Property @{ ... }.");
        }

        return Finish(MapType(target, string.Empty, []), name, description, strict);
    }

    /// <summary>
    /// One .NET type's schema node (a fresh, mutable tree), for callers that place it inside a schema of their own,
    /// such as a tool's parameters. Throws <see cref="LaminiSchemaException"/> for a type that can't be described.
    /// </summary>
    internal static OrderedDictionary SchemaNodeFor(Type type) => MapType(type, string.Empty, []);

    /// <summary>One type's schema. <c>stack</c>: the classes being expanded, each with the property that led on, e.g. (Person, "Person.Pet").</summary>
    private static OrderedDictionary MapType(Type type, string path, List<(Type Type, string Via)> stack)
    {
        CheckDepth(stack.Count, path, string.Empty);
        Type? underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return MakeNullable(MapType(underlying, path, stack));
        }

        TypeKind kind = Classify(type, out Type? element);
        switch (kind)
        {
            case TypeKind.Any:
                return new OrderedDictionary(StringComparer.Ordinal);
            case TypeKind.Scalar:
                return MapScalar(type);
            case TypeKind.Dictionary or TypeKind.Array:
                string keyword = kind == TypeKind.Array ? "items" : "additionalProperties";
                OrderedDictionary container = NewNode(kind == TypeKind.Array ? "array" : "object");
                if (element is not null)
                {
                    container[keyword] = MapType(element, SchemaWalker.SubschemaPath(path, keyword), stack);
                }

                return container;
            default:
                return MapObject(type, path, stack);
        }
    }

    private static OrderedDictionary MapObject(Type type, string path, List<(Type Type, string Via)> stack)
    {
        int seen = stack.FindIndex(entry => entry.Type == type);
        if (seen >= 0)
        {
            string cycle = string.Join(" -> ", stack.Skip(seen).Select(static entry => entry.Via)) + " -> " + FriendlyName(type);
            throw new LaminiSchemaException(
                ErrorIds.SelfReferencingType,
                path,
                "Type '" + FriendlyName(type) + "' refers to itself (" + cycle + "), and a schema made from a type can't be recursive. Break the cycle (for example keep an id or a name instead of the object), or write the schema with -Json using \"$ref\".");
        }

        List<PropertyInfo> properties = ReadableProperties(type);
        if (properties.Count == 0)
        {
            throw SchemaWalker.Empty(
                path,
                "Type '" + FriendlyName(type) + "' has no public properties to describe.",
                "its type '" + FriendlyName(type) + "' has no public properties to describe; give the property a type that has some, or a simple type.");
        }

        List<KeyValuePair<string, object?>> entries = properties.Select(static p => new KeyValuePair<string, object?>(JsonName(p), p)).ToList();
        return ObjectOfRequired(entries, path, (property, childPath) => MapProperty(type, (PropertyInfo)property!, childPath, stack));
    }

    private static OrderedDictionary MapProperty(Type owner, PropertyInfo property, string path, List<(Type Type, string Via)> stack)
    {
        stack.Add((owner, FriendlyName(owner) + "." + property.Name));
        OrderedDictionary schema = MapType(property.PropertyType, path, stack);
        stack.RemoveAt(stack.Count - 1);

        if (schema.Count > 0 && IsNullableReference(property))
        {
            schema = MakeNullable(schema);
        }

        if (AttributeArgument(property.GetCustomAttributesData(), "System.ComponentModel.DescriptionAttribute") is string { Length: > 0 } description)
        {
            schema["description"] = description;
        }

        return Canonicalize(schema);
    }

    private static TypeKind Classify(Type type, out Type? element)
    {
        element = null;
        if (type == typeof(object) || type == typeof(PSObject) || type == typeof(PSCustomObject) || type == typeof(ValueType)
            || type.FullName is "System.Text.Json.JsonElement" or "System.Text.Json.Nodes.JsonNode" or "System.Text.Json.JsonDocument")
        {
            return TypeKind.Any;
        }

        if (type.IsEnum || SchemaTypes.TryGetScalar(type, out _, out _)
            || typeof(Type).IsAssignableFrom(type) || typeof(Delegate).IsAssignableFrom(type) || type == typeof(ScriptBlock))
        {
            return TypeKind.Scalar;
        }

        Type? dictionary = GenericInterface(type, typeof(IDictionary<,>)) ?? GenericInterface(type, typeof(IReadOnlyDictionary<,>));
        if (dictionary is not null)
        {
            element = dictionary.GetGenericArguments()[1];
            return TypeKind.Dictionary;
        }

        if (typeof(IDictionary).IsAssignableFrom(type))
        {
            return TypeKind.Dictionary;
        }

        if (type.IsArray)
        {
            element = type.GetElementType();
            return TypeKind.Array;
        }

        Type? enumerable = GenericInterface(type, typeof(IEnumerable<>));
        if (enumerable is not null)
        {
            element = enumerable.GetGenericArguments()[0];
            return TypeKind.Array;
        }

        return typeof(IEnumerable).IsAssignableFrom(type) ? TypeKind.Array : TypeKind.Object;
    }

    /// <summary>A scalar type's schema from the one type map; an enum lists its names; anything else is sent as text.</summary>
    private static OrderedDictionary MapScalar(Type type)
    {
        OrderedDictionary node = SchemaTypes.TryGetScalar(type, out string json, out string? format) ? NewNode(json, format) : NewNode("string");
        if (type.IsEnum)
        {
            node["enum"] = Enum.GetNames(type).Cast<object?>().ToArray();
        }

        return node;
    }

    private static Type? GenericInterface(Type type, Type definition)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
        {
            return type;
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
    }

    /// <summary>Base class first; each class's properties in declaration order; a redeclared name keeps its first place.</summary>
    private static List<PropertyInfo> ReadableProperties(Type type)
    {
        var result = new List<PropertyInfo>();
        var positions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (Type declaring in DeclaringTypes(type))
        {
            IEnumerable<PropertyInfo> declared = declaring
                .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .OrderBy(static p => p.MetadataToken);
            foreach (PropertyInfo property in declared)
            {
                if (!property.CanRead || property.GetGetMethod() is null || property.GetIndexParameters().Length > 0)
                {
                    continue;
                }

                if (positions.TryGetValue(property.Name, out int position))
                {
                    result[position] = property; // an override or 'new' property replaces the base one
                }
                else if (!IsSkipped(property))
                {
                    positions[property.Name] = result.Count;
                    result.Add(property);
                }
            }
        }

        return result.Where(static p => !IsSkipped(p)).ToList();
    }

    /// <summary>The types that declare <paramref name="type"/>'s properties, base first: an interface's own interfaces, then itself.</summary>
    private static List<Type> DeclaringTypes(Type type)
    {
        var chain = new List<Type>();
        if (type.IsInterface)
        {
            chain.AddRange(type.GetInterfaces());
            chain.Add(type);
            return chain;
        }

        for (Type? current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
        {
            chain.Insert(0, current);
        }

        return chain;
    }

    /// <summary>PowerShell's hidden properties and [JsonIgnore] ones are left out.</summary>
    private static bool IsSkipped(PropertyInfo property) => property.GetCustomAttributesData()
        .Any(static a => a.AttributeType.FullName is "System.Management.Automation.HiddenAttribute" or "System.Text.Json.Serialization.JsonIgnoreAttribute");

    private static string JsonName(PropertyInfo property) =>
        AttributeArgument(property.GetCustomAttributesData(), "System.Text.Json.Serialization.JsonPropertyNameAttribute") is string { Length: > 0 } name
            ? name
            : property.Name;

    /// <summary>The argument of an attribute with one, found by name: attributes of assemblies LaminiPS does not load count too.</summary>
    private static object? AttributeArgument(IList<CustomAttributeData> attributes, string attributeName) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == attributeName && a.ConstructorArguments.Count == 1)?.ConstructorArguments[0].Value;

    /// <summary>C#'s nullable annotation (string?) as the compiler records it: NullableAttribute / NullableContextAttribute, 2 = nullable.</summary>
    private static bool IsNullableReference(PropertyInfo property)
    {
        if (property.PropertyType.IsValueType)
        {
            return false;
        }

        byte? flag = NullableFlag(property.GetCustomAttributesData(), "System.Runtime.CompilerServices.NullableAttribute");
        for (Type? type = property.DeclaringType; flag is null && type is not null; type = type.DeclaringType)
        {
            flag = NullableFlag(type.GetCustomAttributesData(), "System.Runtime.CompilerServices.NullableContextAttribute");
        }

        return flag == 2;
    }

    private static byte? NullableFlag(IList<CustomAttributeData> attributes, string attributeName) => AttributeArgument(attributes, attributeName) switch
    {
        byte single => single,
        IReadOnlyCollection<CustomAttributeTypedArgument> { Count: > 0 } list when list.First().Value is byte first => first,
        _ => null,
    };

    /// <summary>A type as PowerShell writes it: Address[], List[string] (not List`1).</summary>
    private static string FriendlyName(Type type) => type switch
    {
        { IsArray: true } => FriendlyName(type.GetElementType()!) + "[]",
        { IsGenericType: true } => type.Name.Split('`')[0] + "[" + string.Join(",", type.GetGenericArguments().Select(FriendlyName)) + "]",
        _ => type.Name,
    };
}
