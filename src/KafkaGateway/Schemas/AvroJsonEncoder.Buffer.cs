using System.Buffers;

namespace KafkaGateway.Schemas;

/// <summary>The pooled output buffer and Avro's zig-zag varint encoding.</summary>
internal sealed partial class AvroJsonEncoder
{
    private byte[] _buffer = [];
    private int _length;

    private Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + size));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length, size);
    }

    private void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Avro int and long: zig-zag, then base-128 varint, low groups first.</summary>
    private void WriteVarLong(long value)
    {
        var span = GetSpan(10);
        var zigZag = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (zigZag >= 0x80)
        {
            span[i++] = (byte)(zigZag | 0x80);
            zigZag >>= 7;
        }

        span[i++] = (byte)zigZag;
        _length += i;
    }
}
