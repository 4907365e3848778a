namespace KafkaGateway.Producing;

/// <summary>The answer to a successful produce request: every record is in Kafka.</summary>
/// <param name="Topic">The topic written to.</param>
/// <param name="ValueSchemaId">Registry id of the value schema (Avro topics), else null.</param>
/// <param name="ValueSchemaVersion">Version of the value schema in its subject, when known.</param>
/// <param name="Records">Where each record landed, in request order.</param>
// An array rather than IReadOnlyList: the source-generated serializer walks an array by index, while it enumerated the
// interface through a boxed enumerator on every answer. The same JSON and the same OpenAPI schema (an array of ProducedRecord).
public sealed record ProduceResponse(string Topic, int? ValueSchemaId, int? ValueSchemaVersion, ProducedRecord[] Records);

/// <summary>Where one record landed.</summary>
/// <param name="Partition">Partition.</param>
/// <param name="Offset">Offset within the partition.</param>
/// <param name="Timestamp">The record's create time, epoch milliseconds (the request's <c>timestamp</c>, else when the gateway took it).</param>
// A struct: the answer's array holds the records themselves, not one object per record (~40 B each; the same JSON and
// the same OpenAPI schema).
public readonly record struct ProducedRecord(int Partition, long Offset, long Timestamp);

/// <summary>The outcome of one record of a request that did not fully succeed.</summary>
/// <param name="Index">Index of the record in the request.</param>
/// <param name="Status"><c>persisted</c>, <c>not_persisted</c> or <c>possibly_persisted</c>.</param>
/// <param name="Partition">Partition, when persisted.</param>
/// <param name="Offset">Offset, when persisted.</param>
/// <param name="Error">Kafka's error name, when not persisted.</param>
/// <param name="Reason">Kafka's error text, when not persisted.</param>
public sealed record RecordOutcome(int Index, string Status, int? Partition, long? Offset, string? Error, string? Reason);

/// <summary>Optional schema selection of a produce request.</summary>
/// <param name="SchemaId">Use this registry id for the values.</param>
/// <param name="SchemaVersion">Use this version of the value subject.</param>
/// <param name="Subject">Use this subject instead of <c>{topic}-value</c>.</param>
public sealed record ProduceSchemaSelection(int? SchemaId, int? SchemaVersion, string? Subject)
{
    /// <summary>No selection: the latest schema of the topic's value subject.</summary>
    public static readonly ProduceSchemaSelection None = new(null, null, null);
}
