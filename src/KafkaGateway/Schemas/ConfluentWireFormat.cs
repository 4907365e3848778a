using System.Buffers;
using System.Buffers.Binary;

namespace KafkaGateway.Schemas;

/// <summary>
/// The Confluent Schema Registry framing: magic byte <c>0</c>, the schema id as a 4-byte big-endian integer,
/// then the Avro binary body. Byte-compatible with Confluent's KafkaAvroSerializer/Deserializer.
/// </summary>
public static class ConfluentWireFormat
{
    /// <summary>The only magic byte Confluent has defined.</summary>
    public const byte MagicByte = 0;

    /// <summary>Length of the header that precedes the Avro body.</summary>
    public const int HeaderSize = 5;

    /// <summary>Writes the 5-byte header for <paramref name="schemaId"/>; the caller then writes the Avro body.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The schema id is negative (registry ids never are).</exception>
    public static void WriteHeader(IBufferWriter<byte> output, int schemaId)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(schemaId);
        var span = output.GetSpan(HeaderSize);
        span[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], schemaId);
        output.Advance(HeaderSize);
    }

    /// <summary>Returns a new array holding the header for <paramref name="schemaId"/> followed by <paramref name="avroBody"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The schema id is negative.</exception>
    public static byte[] Frame(int schemaId, ReadOnlySpan<byte> avroBody)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(schemaId);
        var message = new byte[HeaderSize + avroBody.Length];
        message[0] = MagicByte;
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), schemaId);
        avroBody.CopyTo(message.AsSpan(HeaderSize));
        return message;
    }

    /// <summary>The header Confluent's 2.16 serializers may carry a value's schema id in (the value is then the bare Avro body).</summary>
    public const string ValueSchemaIdHeader = "__value_schema_id";

    /// <summary>The header carrying a key's schema id in that form.</summary>
    public const string KeySchemaIdHeader = "__key_schema_id";

    /// <summary>Magic byte of a GUID in the header form (a 4-byte id follows magic byte 0, a 16-byte GUID follows 1).</summary>
    public const byte GuidMagicByte = 1;

    /// <summary>
    /// Reads a <see cref="ValueSchemaIdHeader"/>/<see cref="KeySchemaIdHeader"/> value: magic byte 0 and a 4-byte
    /// big-endian id, or magic byte 1 and a 16-byte big-endian GUID. False for anything else.
    /// </summary>
    public static bool TryReadSchemaIdHeader(ReadOnlySpan<byte> header, out int? schemaId, out Guid? schemaGuid)
    {
        schemaId = null;
        schemaGuid = null;
        if (header.Length >= HeaderSize && header[0] == MagicByte)
        {
            schemaId = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
            return true;
        }

        if (header.Length >= 17 && header[0] == GuidMagicByte)
        {
            schemaGuid = new Guid(header.Slice(1, 16), bigEndian: true);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Splits a Kafka message value into schema id and Avro body.
    /// Returns <see langword="false"/> when the data is shorter than the header or does not start with the magic byte.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> message, out int schemaId, out ReadOnlySpan<byte> body)
    {
        if (message.Length < HeaderSize || message[0] != MagicByte)
        {
            schemaId = 0;
            body = default;
            return false;
        }

        schemaId = BinaryPrimitives.ReadInt32BigEndian(message[1..]);
        body = message[HeaderSize..];
        return true;
    }
}
