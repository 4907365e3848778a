using Confluent.Kafka;

namespace KafkaGateway.Streaming;

/// <summary>
/// The memory bound of every stream and browse consumer: librdkafka's defaults prefetch up to 64 MiB per consumer
/// (<c>queued.max.messages.kbytes</c>) and fetch 50 MiB at a time, so 20 idle <c>from=earliest</c> streams held
/// ~27 MB each. Measured (bench, "Idle private streams"): 20 bare consumers with 1 MiB fetches and a 1 MiB queue took
/// 4.9 MiB RSS each on an lz4 topic (0.16 MiB with nothing prefetched: the handle and its 6 threads are cheap), with
/// 256 KiB fetches and queue 1.1 MiB; so the limits are 256 KiB. With these limits a consumer holds at most about <see cref="QueuedKilobytes"/> of prefetched records
/// plus one fetch response in flight; a record batch larger than the limits is still fetched (Kafka returns the first
/// batch whatever its size), so large records keep moving.
/// </summary>
internal static class StreamConsumerLimits
{
    /// <summary><c>fetch.max.bytes</c>: one fetch response, all partitions.</summary>
    public const int FetchMaxBytes = 256 * 1024;

    /// <summary><c>max.partition.fetch.bytes</c>: per partition and fetch, so one busy partition cannot fill the response alone.</summary>
    public const int MaxPartitionFetchBytes = 64 * 1024;

    /// <summary><c>queued.max.messages.kbytes</c>: prefetched records waiting for <c>Consume</c>.</summary>
    public const int QueuedKilobytes = 256;

    /// <summary><c>queued.min.messages</c>: prefetch stops at this many records even when they are small.</summary>
    public const int QueuedMinMessages = 100;

    /// <summary>
    /// <c>fetch.queue.backoff.ms</c>: how long librdkafka postpones a partition's next fetch once the queue is over
    /// <see cref="QueuedMinMessages"/> or <see cref="QueuedKilobytes"/>. Its default, 1000 ms, made a queue this small
    /// the brake of every catch-up: each partition got about one 64 KiB fetch a second (bench "Catch-up from earliest":
    /// 2.5-6.4 k small records/s, 0.07-0.18 x a direct consumer with librdkafka's defaults; 27.7-33.2 k/s, 0.80-0.95 x,
    /// with 10-100 ms). The limits above still bound what is held; a consumer whose queue stays full (its client does
    /// not read) pays a wake-up of each broker thread per interval, hence 50 ms rather than less.
    /// </summary>
    public const int FetchQueueBackoffMs = 50;

    /// <summary>Sets the limits on <paramref name="config"/>.</summary>
    public static void Apply(ConsumerConfig config)
    {
        // librdkafka wants fetch.max.bytes >= message.max.bytes (default 1,000,000; Kafka:Properties may set it for
        // every client). A consumer's message.max.bytes only bounds the requests it sends (small fetch requests), so
        // when nobody set it, it follows the fetch limit down.
        config.MessageMaxBytes ??= FetchMaxBytes;
        var fetchMaxBytes = Math.Max(FetchMaxBytes, config.MessageMaxBytes.Value);
        config.FetchMaxBytes = fetchMaxBytes;
        config.MaxPartitionFetchBytes = Math.Min(MaxPartitionFetchBytes, fetchMaxBytes);
        config.QueuedMaxMessagesKbytes = Math.Max(QueuedKilobytes, (fetchMaxBytes + 1023) / 1024);
        config.QueuedMinMessages = QueuedMinMessages;
        config.FetchQueueBackoffMs ??= FetchQueueBackoffMs;
    }
}
