namespace KafkaGateway.Schemas;

/// <summary>
/// Thrown when Avro binary data cannot be decoded with the codec's schema: truncated or corrupt data, or data
/// written with a different schema. The streaming side turns it into an <c>event: error</c> record.
/// </summary>
public sealed class AvroDecodeException : Exception
{
    /// <summary>Creates the exception for a failure at <paramref name="offset"/> in the Avro body.</summary>
    public AvroDecodeException(string reason, int offset)
        : base($"Invalid Avro data at byte {offset}: {reason}")
    {
        Reason = reason;
        Offset = offset;
    }

    /// <summary>Why the data could not be decoded, without the offset.</summary>
    public string Reason { get; }

    /// <summary>Byte offset in the Avro body (after the wire-format header) where decoding failed.</summary>
    public int Offset { get; }
}
