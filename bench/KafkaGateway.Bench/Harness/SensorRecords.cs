using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using KafkaGateway.Schemas;

namespace KafkaGateway.Bench.Harness;

/// <summary>
/// The benchmark's record, <c>{"id":"s-1","timestamp":...,"value":21.5}</c>: the JSON the gateway arm posts, and the
/// Confluent-framed Avro bytes the direct arm produces (made by the gateway's own codec, so both arms write the same bytes).
/// </summary>
internal sealed class SensorRecords(int schemaId)
{
    public const string Schema =
        """{"type":"record","name":"sensor","fields":[{"name":"id","type":"string"},{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"value","type":"double"}]}""";

    private readonly AvroJsonCodec _codec = AvroJsonCodec.Create(Schema);

    public int SchemaId { get; } = schemaId;

    public static string Json(string id, long timestampMs) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"id":"{{id}}","timestamp":{{timestampMs}},"value":21.5}""");

    /// <summary>A produce request body of <paramref name="count"/> records (<c>{"records":[...]}</c>, or <c>{"value":...}</c> with <paramref name="single"/>).</summary>
    public static byte[] RequestBody(int count, long timestampMs, bool single = false)
    {
        if (single)
        {
            return Encoding.UTF8.GetBytes("{\"value\":" + Json("s-1", timestampMs) + "}");
        }

        var builder = new StringBuilder("{\"records\":[");
        for (var i = 0; i < count; i++)
        {
            builder.Append(i == 0 ? "" : ",").Append("{\"value\":").Append(Json("s-" + (i % 100).ToString(CultureInfo.InvariantCulture), timestampMs)).Append('}');
        }

        return Encoding.UTF8.GetBytes(builder.Append("]}").ToString());
    }

    /// <summary>The Kafka value of <paramref name="record"/>: wire-format header and Avro body, as the gateway writes it.</summary>
    public byte[] Encode(JsonElement record)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        ConfluentWireFormat.WriteHeader(buffer, SchemaId);
        var errors = new List<AvroConversionError>();
        if (!_codec.Encode(record, buffer, errors))
        {
            throw new InvalidOperationException("The sensor record does not match its schema: " + string.Join("; ", errors.Select(e => e.Message)));
        }

        return buffer.WrittenSpan.ToArray();
    }

    public byte[] Encode(string id, long timestampMs)
    {
        using var document = JsonDocument.Parse(Json(id, timestampMs));
        return Encode(document.RootElement);
    }

    /// <summary>Decodes a Kafka value back to JSON, as the gateway's stream does.</summary>
    public void Decode(ReadOnlySpan<byte> kafkaValue, Utf8JsonWriter writer)
    {
        if (!ConfluentWireFormat.TryReadHeader(kafkaValue, out _, out var body))
        {
            throw new InvalidOperationException("Not a Confluent wire-format value.");
        }

        _codec.Decode(body, writer);
    }
}
