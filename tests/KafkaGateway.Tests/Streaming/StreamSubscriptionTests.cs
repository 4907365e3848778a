using KafkaGateway.Streaming;

namespace KafkaGateway.Tests.Streaming;

public sealed class StreamSubscriptionTests
{
    private const int Bound = 256 * 1024;

    [Fact]
    public void TryWrite_PrivateStreamWithLargerConfiguredBound_BuffersAtMostThePrivateBound()
    {
        var subscription = Subscription(StreamStart.Earliest);

        var accepted = Fill(subscription, 0);

        Assert.True(subscription.BufferedBytes <= StreamSubscription.PrivateBufferBytes, $"{subscription.BufferedBytes} bytes buffered");
        Assert.True(subscription.BufferedBytes + Record(accepted).ApproximateBytes > StreamSubscription.PrivateBufferBytes, "stopped before the bound");
    }

    [Fact]
    public void TryWrite_PrivateStreamAfterJoiningTheLiveTail_BuffersUpToTheConfiguredBound()
    {
        var subscription = Subscription(StreamStart.Earliest);
        var accepted = Fill(subscription, 0);

        subscription.JoinLiveTail(new Dictionary<int, long> { [0] = accepted });
        Fill(subscription, accepted);

        Assert.True(subscription.BufferedBytes > StreamSubscription.PrivateBufferBytes, $"{subscription.BufferedBytes} bytes buffered");
        Assert.True(subscription.BufferedBytes <= Bound, $"{subscription.BufferedBytes} bytes buffered");
    }

    [Fact]
    public void TryWrite_LiveTailStream_BuffersUpToTheConfiguredBound()
    {
        var subscription = Subscription(StreamStart.Latest);

        Fill(subscription, 0);

        Assert.True(subscription.BufferedBytes > StreamSubscription.PrivateBufferBytes, $"{subscription.BufferedBytes} bytes buffered");
        Assert.True(subscription.BufferedBytes <= Bound, $"{subscription.BufferedBytes} bytes buffered");
    }

    private static StreamSubscription Subscription(StreamStart start) =>
        new("orders", [0], start, StreamFilter.None, "client", bufferSize: 100_000, bufferBytes: Bound);

    /// <summary>Writes 1 KB records from <paramref name="offset"/> until the buffer refuses one; returns the refused offset.</summary>
    private static long Fill(StreamSubscription subscription, long offset)
    {
        while (subscription.TryWrite(Record(offset)))
        {
            offset++;
        }

        return offset;
    }

    private static ConsumedRecord Record(long offset) => new("orders", 0, offset, 0, null, [], new byte[1000]);
}
