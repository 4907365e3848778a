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
/// logical types, custom attributes and a field's sort <c>order</c> (an explicit <c>"ascending"</c> is the default
/// and is dropped). Numbers are kept as written, so a default of <c>1</c> and of <c>1.0</c> differ, as they do in
/// Java Avro's output. Two schemas that differ only in a doc are therefore different registrations. This is
/// deliberately not the Avro "Parsing Canonical Form", which strips exactly those attributes and would merge
/// registrations that have different defaults.</para>
/// <para>Array order is kept: field, symbol and union-branch order are meaningful.</para>
/// </remarks>
public static class AvroSchemaCanonicalizer
{
    /// <summary>Parses <paramref name="schemaJson"/> and returns its canonical string.</summary>
    /// <exception cref="SchemaParseException">The text is not a valid Avro schema.</exception>
    public static string Canonicalize(string schemaJson) => Canonicalize(schemaJson, names: null);

    /// <summary>
    /// The canonical string of a schema that uses named types from <paramref name="names"/> (its references, parsed
    /// first). The referenced definitions are written out in full, so two registrations of the same text whose
    /// references name different schemas are different.
    /// </summary>
    /// <exception cref="SchemaParseException">The text is not a valid Avro schema, or uses an undefined name.</exception>
    public static string Canonicalize(string schemaJson, SchemaNames? names)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);

        // Apache.Avro returns null rather than throwing for some invalid texts, e.g. an object with an unknown "type".
        var schema = (names is null ? Schema.Parse(schemaJson) : Schema.Parse(schemaJson, names))
            ?? throw new SchemaParseException($"Not an Avro schema: {schemaJson}");

        // Apache.Avro drops a field's "order" when serializing and reads a missing one as "ignore", so the
        // object model cannot tell them apart; the order is read from the original text and written back.
        var orders = new Dictionary<Field, string>(ReferenceEqualityComparer.Instance);
        VisitFields(JsonNode.Parse(schemaJson), schema, (field, json) =>
        {
            if (json["order"] is JsonValue order && order.TryGetValue<string>(out var value) && value != "ascending")
            {
                orders[field] = value;
            }
        });

        var canonical = JsonNode.Parse(schema.ToString());
        VisitFields(canonical, schema, (field, json) =>
        {
            if (orders.TryGetValue(field, out var order))
            {
                json["order"] = order;
            }
        });

        return SortKeys(canonical)?.ToJsonString() ?? "null";
    }

    /// <summary>True when the two schema texts are the same registration.</summary>
    /// <exception cref="SchemaParseException">Either text is not a valid Avro schema.</exception>
    public static bool AreSameSchema(string left, string right) =>
        string.Equals(Canonicalize(left), Canonicalize(right), StringComparison.Ordinal);

    // Walks a schema's JSON and its parsed objects together, calling visit for every record field definition.
    // A named type is defined once; later occurrences are string references that match no case here, which
    // also stops recursive types.
    private static void VisitFields(JsonNode? node, Schema schema, Action<Field, JsonObject> visit)
    {
        if (node is JsonObject wrapper && wrapper["type"] is JsonObject or JsonArray)
        {
            // {"type": {...}} wraps the schema one level deeper.
            VisitFields(wrapper["type"], schema, visit);
            return;
        }

        switch (schema)
        {
            case RecordSchema record when node is JsonObject definition && definition["fields"] is JsonArray fields:
                for (var i = 0; i < record.Fields.Count && i < fields.Count; i++)
                {
                    if (fields[i] is JsonObject fieldJson)
                    {
                        visit(record.Fields[i], fieldJson);
                        VisitFields(fieldJson["type"], record.Fields[i].Schema, visit);
                    }
                }

                break;
            case UnionSchema union when node is JsonArray branches:
                for (var i = 0; i < union.Count && i < branches.Count; i++)
                {
                    VisitFields(branches[i], union[i], visit);
                }

                break;
            case ArraySchema array when node is JsonObject arrayJson:
                VisitFields(arrayJson["items"], array.ItemSchema, visit);
                break;
            case MapSchema map when node is JsonObject mapJson:
                VisitFields(mapJson["values"], map.ValueSchema, visit);
                break;
            default:
                break;
        }
    }

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
