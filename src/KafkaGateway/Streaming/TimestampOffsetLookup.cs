using Confluent.Kafka;

namespace KafkaGateway.Streaming;

/// <summary>
/// The first offset at or after a time, per partition. Kafka's <c>OffsetsForTimes</c> answers it from the broker's
/// time index; the librdkafka mock cluster (the embedded cluster) answers every time with the end offset, so a
/// timestamp start would silently skip every existing record. Where the broker answers the end (or "none") although
/// the partition's last record is at or after the time, the broker cannot be right, and the offset is found by a
/// binary search over fetched record timestamps instead (about log2(records) single-record fetches). Real brokers never
/// give that answer, so for them the broker's offset stands at the price of one fetch of the last record when it
/// answers the end.
/// </summary>
internal static class TimestampOffsetLookup
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Start offsets for <paramref name="time"/>, each within its partition's watermarks. Leaves
    /// <paramref name="consumer"/> assigned to whatever it probed last: callers assign their own positions next.
    /// </summary>
    public static Dictionary<int, long> Find(
        IConsumer<byte[], byte[]> consumer, string topic, IReadOnlyDictionary<int, WatermarkOffsets> watermarks,
        DateTimeOffset time, TimeSpan timeout)
    {
        var answered = consumer.OffsetsForTimes(
                watermarks.Keys.Select(p => new TopicPartitionTimestamp(topic, p, new Timestamp(time))).ToList(), timeout)
            .ToDictionary(r => r.Partition.Value, r => r.Offset.Value);
        var timeMs = time.ToUnixTimeMilliseconds();
        var offsets = new Dictionary<int, long>();
        foreach (var (partition, marks) in watermarks)
        {
            long low = marks.Low, high = marks.High;
            var offset = answered.TryGetValue(partition, out var o) && o >= 0 ? Math.Clamp(o, low, high) : high;
            if (offset == high && high > low)
            {
                offset = Search(consumer, new TopicPartition(topic, partition), low, high, timeMs, timeout) ?? high;
            }

            offsets[partition] = offset;
        }

        return offsets;
    }

    /// <summary>
    /// The first offset in [<paramref name="low"/>, <paramref name="high"/>] from which the next record is at or after
    /// <paramref name="timeMs"/> (<paramref name="high"/> when none is), assuming timestamps grow with offsets, as
    /// Kafka's time index does. Null when a fetch did not answer in time: then the broker's answer stands.
    /// </summary>
    private static long? Search(IConsumer<byte[], byte[]> consumer, TopicPartition partition, long low, long high, long timeMs, TimeSpan timeout)
    {
        // The last record settles it in one fetch when it is before the time: then the end is right (real Kafka's case).
        switch (Probe(consumer, partition, high - 1, high, timeout))
        {
            case ProbeResult.TimedOut:
                return null;
            case ProbeResult.Found last when last.TimestampMs < timeMs:
                return high;
        }

        // Invariant: from `hi` on, the next record (or none) is at or after the time; up to `lo`, records are before it.
        long lo = low, hi = high;
        while (lo < hi)
        {
            var middle = lo + ((hi - lo) / 2);
            switch (Probe(consumer, partition, middle, hi, timeout))
            {
                case ProbeResult.TimedOut:
                    return null;
                case ProbeResult.Found found when found.TimestampMs < timeMs:
                    lo = found.Offset + 1;
                    break;
                default:
                    // At or after the time, or no record from middle to hi (compacted away, transaction markers).
                    hi = middle;
                    break;
            }
        }

        return lo;
    }

    /// <summary>The first record from <paramref name="offset"/> on, if it is before <paramref name="before"/>.</summary>
    private static ProbeResult Probe(IConsumer<byte[], byte[]> consumer, TopicPartition partition, long offset, long before, TimeSpan timeout)
    {
        consumer.Assign(new TopicPartitionOffset(partition, offset));
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            var result = consumer.Consume(s_pollTimeout);
            if (result is null)
            {
                // Only offsets without records (transaction markers) up to the bound.
                if (consumer.Position(partition).Value >= before)
                {
                    return ProbeResult.None.Instance;
                }

                continue;
            }

            if (result.IsPartitionEOF || result.Partition != partition.Partition || result.Offset.Value < offset)
            {
                continue;
            }

            return result.Offset.Value >= before
                ? ProbeResult.None.Instance
                : new ProbeResult.Found(result.Offset.Value, result.Message.Timestamp.UnixTimestampMs);
        }

        return ProbeResult.TimedOut.Instance;
    }

    private abstract record ProbeResult
    {
        public sealed record Found(long Offset, long TimestampMs) : ProbeResult;

        public sealed record None : ProbeResult
        {
            public static readonly None Instance = new();
        }

        public sealed record TimedOut : ProbeResult
        {
            public static readonly TimedOut Instance = new();
        }
    }
}
