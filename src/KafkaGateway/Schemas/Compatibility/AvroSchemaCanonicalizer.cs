using System.Text.Json.Nodes;
using Avro;

namespace KafkaGateway.Schemas.Compatibility;

/// <summary>
/// Produces the string the registry compares to decide whether two registrations are the same schema.
/// </summary>
/// <remarks>
/// <para>The text is parsed with Apache.Avro and re-serialized, then every JSON object's keys are sorted
/// (ordinally). That removes what cannot change meaning: whitespace, attribute order (including custom
/// attributes, which the library otherwise writes in input order), <c>"string"</c> versus
/// <c>{"type":"string"}</c>, and <c>"name":"a.b.R"</c> versus <c>"name":"R","namespace":"a.b"</c>.</para>
/// <para>Everything else is kept, as Confluent keeps it in its stored schema string: defaults, docs, aliases,
/// logical types and custom attributes. Two schemas that differ only in a doc are therefore different
/// registrations. This is deliberately not the Avro "Parsing Canonical Form", which strips exactly those
/// attributes and would merge registrations that have different defaults.</para>
/// <para>Array order is kept: field, symbol and union-branch order are meaningful.</para>
/// </remarks>
public static class AvroSchemaCanonicalizer
{
    /// <summary>Parses <paramref name="schemaJson"/> and returns its canonical string.</summary>
    /// <exception cref="SchemaParseException">The text is not a valid Avro schema.</exception>
    public static string Canonicalize(string schemaJson)
    {
        // Apache.Avro returns null rather than throwing for some invalid texts, e.g. an object with an unknown "type".
        var schema = Schema.Parse(schemaJson)
            ?? throw new SchemaParseException($"Not an Avro schema: {schemaJson}");
        return Canonicalize(schema);
    }

    /// <summary>Returns the canonical string of an already parsed schema.</summary>
    public static string Canonicalize(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var node = JsonNode.Parse(schema.ToString());
        return SortKeys(node)?.ToJsonString() ?? "null";
    }

    /// <summary>True when the two schema texts are the same registration.</summary>
    public static bool AreSameSchema(string left, string right) =>
        string.Equals(Canonicalize(left), Canonicalize(right), StringComparison.Ordinal);

    private static JsonNode? SortKeys(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .OrderBy(property => property.Key, StringComparer.Ordinal)
            .Select(property => KeyValuePair.Create(property.Key, SortKeys(property.Value)))),
        JsonArray array => new JsonArray(array.Select(SortKeys).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
