using KafkaGateway.Http;

namespace KafkaGateway.Tests.Http;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void GetSpan_BeyondTheArray_GrowsAndKeepsWhatWasWritten()
    {
        using var writer = new PooledBufferWriter(16);
        var expected = new byte[5000];
        Random.Shared.NextBytes(expected);

        for (var offset = 0; offset < expected.Length; offset += 100)
        {
            var span = writer.GetSpan(100);
            expected.AsSpan(offset, 100).CopyTo(span);
            writer.Advance(100);
        }

        Assert.Equal(expected, writer.WrittenSpan.ToArray());
        Assert.Equal(5000, writer.WrittenCount);
        Assert.True(writer.Capacity >= 5000);
    }

    [Fact]
    public void Append_BeyondTheArray_KeepsEveryByteInOrder()
    {
        using var writer = new PooledBufferWriter(16);

        writer.Append("0123456789"u8);
        writer.Append(new byte[100]);
        writer.Append("end"u8);

        Assert.Equal(113, writer.WrittenCount);
        Assert.Equal("0123456789"u8.ToArray(), writer.WrittenSpan[..10].ToArray());
        Assert.Equal("end"u8.ToArray(), writer.WrittenSpan[^3..].ToArray());
    }

    [Fact]
    public void Advance_MoreThanTheArrayHolds_Throws()
    {
        using var writer = new PooledBufferWriter(16);
        var free = writer.GetSpan().Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(free + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }

    [Fact]
    public void Reset_AfterGrowth_ForgetsTheBytesAndGivesBackTheLargeArray()
    {
        using var writer = new PooledBufferWriter(16);
        writer.GetSpan(40_000);
        writer.Advance(40_000);

        writer.Reset(maxCapacity: 1024);

        Assert.Equal(0, writer.WrittenCount);
        Assert.InRange(writer.Capacity, 16, 1024);
    }

    [Fact]
    public void GetSpan_AfterDispose_ThrowsOnceItHasToGrow()
    {
        var writer = new PooledBufferWriter(16);
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan(1));
        writer.Dispose();
    }
}
