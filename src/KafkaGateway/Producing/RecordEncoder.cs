using System.Buffers;
using System.Text;
using System.Text.Json;
using KafkaGateway.Schemas;

namespace KafkaGateway.Producing;

/// <summary>Turns a record's JSON value or key into the bytes Kafka stores, per the topic's encoding.</summary>
internal static class RecordEncoder
{
    // Scratch space reused by the records a thread encodes one after another; only the final bytes are allocated.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static List<AvroConversionError>? t_errors;

    /// <summary>The bytes for <paramref name="value"/>, or null for a tombstone (JSON null); problems go to <paramref name="errors"/>.</summary>
    public static byte[]? Encode(RecordEncoding encoding, JsonElement value, string path, int index, List<ProduceError> errors)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            // JSON null is a tombstone in every format, as Confluent's serializers treat null.
            return null;
        }

        switch (encoding.Format)
        {
            case TopicFormat.Avro:
                var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
                var avroErrors = t_errors ??= [];
                buffer.ResetWrittenCount();
                avroErrors.Clear();
                // A schema registered only once every record is valid has no id yet: 0 now, stamped in before producing.
                ConfluentWireFormat.WriteHeader(buffer, encoding.SchemaId ?? 0);
                if (encoding.Codec!.Encode(value, buffer, avroErrors, path))
                {
                    var bytes = buffer.WrittenSpan.ToArray();
                    if (buffer.Capacity > 64 * 1024)
                    {
                        // A rare large record does not pin its buffer to the thread.
                        t_buffer = null;
                    }

                    return bytes;
                }

                // A loop, not Select: a lambda capturing the parameter would build its closure on every call.
                foreach (var e in avroErrors)
                {
                    errors.Add(new ProduceError(index, e.Path, e.Message));
                }

                avroErrors.Clear();
                return null;

            case TopicFormat.Json:
                return Encoding.UTF8.GetBytes(value.GetRawText());

            case TopicFormat.String when value.ValueKind == JsonValueKind.String:
                return Encoding.UTF8.GetBytes(value.GetString()!);

            case TopicFormat.Binary when value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out var bytes):
                return bytes;

            case TopicFormat.String:
                errors.Add(new ProduceError(index, path, $"expected a string (string topic), got {ProduceRequestReader.Describe(value)}"));
                return null;

            default:
                errors.Add(new ProduceError(index, path, $"expected base64 bytes (binary topic), got {ProduceRequestReader.Describe(value)}"));
                return null;
        }
    }

    /// <summary>Keys without a key schema (<see cref="RecordEncoding.RawKey"/>): a JSON string as its UTF-8 bytes, any other JSON as its UTF-8 text.</summary>
    public static byte[]? EncodeKey(RecordEncoding encoding, JsonElement? key, string path, int index, List<ProduceError> errors)
    {
        if (key is not { } element)
        {
            return null;
        }

        if (encoding.Format is TopicFormat.Avro or TopicFormat.Json or TopicFormat.Binary)
        {
            // REST Proxy v2 json/binary keys follow their embedded format like values do.
            return Encode(encoding, element, path, index, errors);
        }

        return element.ValueKind == JsonValueKind.String
            ? Encoding.UTF8.GetBytes(element.GetString()!)
            : Encoding.UTF8.GetBytes(element.GetRawText());
    }
}
