using System.Text.Json.Serialization;

namespace KafkaGateway.Producing;

/// <summary>The answer to <c>POST /topics/{topic}/values</c> when every value is in Kafka.</summary>
/// <param name="Topic">The topic written to.</param>
/// <param name="ValueSchemaId">Registry id of the value schema (Avro topics), else null.</param>
/// <param name="ValueSchemaVersion">Version of the value schema in its subject, when known.</param>
/// <param name="Received">Values received (NDJSON: lines with a value).</param>
/// <param name="Persisted">Values in Kafka: all of them.</param>
/// <param name="Failed">Values not in Kafka: 0 in this answer.</param>
/// <param name="Records">JSON bodies: where each value landed, in request order (not listed for NDJSON streams).</param>
public sealed record ValuesResponse(
    string Topic,
    int? ValueSchemaId,
    int? ValueSchemaVersion,
    long Received,
    long Persisted,
    long Failed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ProducedRecord>? Records);

/// <summary>NDJSON lines that are not in Kafka, with why (consecutive lines of the same outcome are one entry).</summary>
/// <param name="Line">The (first) line.</param>
/// <param name="LastLine">The last line of a run of lines with the same outcome; null for one line.</param>
/// <param name="Status"><c>invalid</c>, <c>not_persisted</c> or <c>possibly_persisted</c>.</param>
/// <param name="Path">For invalid lines: where in the line's value.</param>
/// <param name="Error">Kafka's error name or the gateway's code, when not persisted.</param>
/// <param name="Message">What went wrong.</param>
public sealed record LineFailure(
    long Line,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? LastLine,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Path,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    string Message);
