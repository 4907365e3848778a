using System.Buffers;

namespace KafkaGateway.Http;

/// <summary>
/// Bytes in arrays rented from <see cref="ArrayPool{T}.Shared"/>, as an <see cref="IBufferWriter{T}"/> or appended:
/// growing rents a larger array (at least double) and returns the smaller one. The gateway's one growable pooled
/// buffer: request bodies (<see cref="PooledJsonBody"/>), NDJSON chunks, JSON answers (<see cref="JsonAnswer{T}"/>:
/// a 1,000-record answer, ~58 KB, costs no new arrays once the pool has them, where <see cref="ArrayBufferWriter{T}"/>
/// allocated every doubling, ~130 KB per answer).
/// </summary>
internal sealed class PooledBufferWriter(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    private int _written;

    /// <summary>The length of the current array.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>How many bytes were written.</summary>
    public int WrittenCount => _written;

    /// <summary>The bytes written.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The bytes written.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>
    /// Forgets what was written; an array larger than <paramref name="maxCapacity"/> goes back to the pool for one of
    /// the initial capacity, so a thread keeps only a small one between answers.
    /// </summary>
    public void Reset(int maxCapacity)
    {
        _written = 0;
        if (_buffer.Length > maxCapacity)
        {
            var large = _buffer;
            _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
            ArrayPool<byte>.Shared.Return(large);
        }
    }

    /// <summary>Appends <paramref name="bytes"/> (growing at most once).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Returns the array to the pool; nothing may be written or read after this.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
