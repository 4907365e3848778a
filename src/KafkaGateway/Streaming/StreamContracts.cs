using System.Text.Json;
using System.Text.Json.Serialization;

namespace KafkaGateway.Streaming;

/// <summary>
/// One Kafka record as the gateway shows it: the <c>data</c> of an <c>event: record</c> and an item of a browse page.
/// </summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The record's offset in its partition.</param>
/// <param name="Timestamp">The record timestamp, milliseconds since the Unix epoch.</param>
/// <param name="Key">The key as a UTF-8 string; base64 when the key bytes are not valid UTF-8; null for no key.</param>
/// <param name="Headers">Header name to value: UTF-8 text, base64 when not valid UTF-8; the last of repeated names wins.</param>
/// <param name="Value">
/// The value as JSON: Avro (Confluent wire format) as natural JSON, json topics as the document, string topics as a
/// JSON string, binary topics as a base64 string; null for a tombstone.
/// </param>
/// <param name="ValueSchemaId">The registry schema id of an Avro value, else null.</param>
public sealed record StreamRecord(
    string Topic,
    int Partition,
    long Offset,
    long Timestamp,
    string? Key,
    IReadOnlyDictionary<string, string> Headers,
    JsonElement? Value,
    int? ValueSchemaId);

/// <summary>The <c>data</c> of an <c>event: error</c> for a record the gateway could not decode; the stream goes on.</summary>
/// <param name="Partition">The partition of the record.</param>
/// <param name="Offset">The offset of the record.</param>
/// <param name="Reason">Stable reason: <c>invalid_avro</c>, <c>not_avro</c>, <c>schema_not_found</c>, <c>schema_registry_unavailable</c>, <c>schema_registry_not_configured</c>, <c>invalid_json</c>, <c>invalid_utf8</c>.</param>
/// <param name="Detail">Human-readable explanation.</param>
/// <param name="ValueBase64">The raw value bytes, base64.</param>
public sealed record RecordDecodeFailure(int Partition, long Offset, string Reason, string Detail, string? ValueBase64);

/// <summary>A page of <c>GET /topics/{topic}/records</c>.</summary>
/// <param name="Records">The records, in offset order within each partition.</param>
/// <param name="Next">Cursor for the next page (<c>cursor=</c>); also a valid stream resume token.</param>
/// <param name="End">True when the page reached the end of every partition read, as it was when the request began.</param>
/// <param name="Errors">Records of the page that could not be decoded (their offsets are covered by <paramref name="Next"/>).</param>
public sealed record RecordPage(
    IReadOnlyList<StreamRecord> Records,
    string Next,
    bool End,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<RecordDecodeFailure>? Errors);

/// <summary>JSON shapes and options of the streaming feature.</summary>
internal static class StreamJson
{
    /// <summary>camelCase, compact: System.Text.Json escapes CR and LF inside strings, so a payload never breaks SSE framing.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
    };
}
