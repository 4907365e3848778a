using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>Configuration section <c>Producer</c>: the pooled Kafka producers and the produce endpoint's limits.</summary>
public sealed class ProducerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Producer";

    /// <summary>librdkafka <c>linger.ms</c>: how long to wait to fill a batch (0-1000).</summary>
    public int LingerMilliseconds { get; set; } = 5;

    /// <summary>librdkafka <c>batch.size</c> in bytes.</summary>
    public int BatchSizeBytes { get; set; } = 1_000_000;

    /// <summary>librdkafka <c>compression.type</c>: none, gzip, snappy, lz4 or zstd.</summary>
    public string CompressionType { get; set; } = "lz4";

    /// <summary>
    /// librdkafka <c>message.timeout.ms</c>: how long the producer keeps trying to deliver a record before it
    /// reports it as failed. Must exceed <see cref="DeliveryTimeoutMilliseconds"/>.
    /// </summary>
    public int MessageTimeoutMilliseconds { get; set; } = 30_000;

    /// <summary>
    /// How long an HTTP request waits for delivery reports. Shorter than <see cref="MessageTimeoutMilliseconds"/>, so a 504
    /// ("may have been written") is never contradicted by a later definite failure.
    /// </summary>
    public int DeliveryTimeoutMilliseconds { get; set; } = 25_000;

    /// <summary>librdkafka <c>queue.buffering.max.messages</c>: records waiting per producer; beyond it produce answers 503 at once.</summary>
    public int MaxQueuedMessages { get; set; } = 100_000;

    /// <summary>librdkafka <c>queue.buffering.max.kbytes</c>: bytes waiting per producer, in KiB.</summary>
    public int MaxQueuedKilobytes { get; set; } = 262_144;

    /// <summary>librdkafka <c>statistics.interval.ms</c>: how often producers report broker state (used to answer 503 at once when no broker is up).</summary>
    public int StatisticsIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Most producers alive at once (one per Kafka identity).</summary>
    public int MaxProducers { get; set; } = 16;

    /// <summary>Producers unused this long are flushed and disposed (seconds).</summary>
    public int IdleProducerSeconds { get; set; } = 300;

    /// <summary>Most records in one produce request.</summary>
    public int MaxRecordsPerRequest { get; set; } = 1000;

    /// <summary>
    /// Register an inline schema sent with a produce request (native <c>valueSchema</c>, REST Proxy v2
    /// <c>value_schema</c>/<c>key_schema</c>) when the subject does not have it yet. The caller also needs
    /// <c>schemas:write</c> on the topic. Default: on in Development (as Confluent's REST Proxy does), off elsewhere,
    /// where schemas are registered through <c>/registry</c>.
    /// </summary>
    public bool AutoRegisterSchemas { get; set; }

    /// <summary>
    /// Create a topic that does not exist when a record is produced to it (with the cluster's default partitions),
    /// for principals with <c>admin</c> on the topic (anybody in Development). Off: such requests answer 404
    /// <c>topic_not_found</c>. Default: on in Development only, so first steps need no topic creation.
    /// </summary>
    public bool AutoCreateTopics { get; set; }

    /// <summary>
    /// <c>POST /topics/{topic}/values</c> with NDJSON: lines are validated and produced in chunks of at most this many
    /// records (and at most <see cref="BatchSizeBytes"/> of text), each chunk's deliveries awaited before the one after
    /// the next is read, so a stream of any length needs memory for two chunks (1-100,000).
    /// </summary>
    public int NdjsonChunkRecords { get; set; } = 1000;

    /// <summary>
    /// Longest NDJSON line (one value) in bytes (1 KiB - 64 MiB). NDJSON bodies are not bounded in size
    /// (<c>Security:Limits:MaxRequestBodyBytes</c> does not apply to them) but every line is. Default 1 MiB, the size
    /// of record a default Kafka broker accepts (<c>message.max.bytes</c>).
    /// </summary>
    public int MaxValueLineBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest record key, in bytes of its JSON text as sent (1 B - 1 MiB).</summary>
    public int MaxKeyBytes { get; set; } = 64 * 1024;

    /// <summary>Most headers on one record.</summary>
    public int MaxHeadersPerRecord { get; set; } = 64;

    /// <summary>Most bytes of one record's header names and values together.</summary>
    public int MaxHeaderBytesPerRecord { get; set; } = 64 * 1024;

    /// <summary>How long an <c>Idempotency-Key</c>'s answer is remembered after it was given (seconds; 0 turns replay off).</summary>
    public int IdempotencyWindowSeconds { get; set; } = 300;

    /// <summary>
    /// Memory for remembered <c>Idempotency-Key</c> answers, in KiB (estimated). Answers are never forgotten inside
    /// their window to make room: at the bound, requests with new keys answer 503 <c>idempotency_capacity</c>.
    /// </summary>
    public int MaxIdempotencyKilobytes { get; set; } = 65_536;

    /// <summary>How long a retry waits for the answer of the first request with its key still in flight before 409 <c>idempotency_in_progress</c>.</summary>
    public int IdempotencyInFlightWaitMilliseconds { get; set; } = 10_000;
}

internal sealed class ProducerOptionsValidator : IValidateOptions<ProducerOptions>
{
    private static readonly string[] s_compression = ["none", "gzip", "snappy", "lz4", "zstd"];

    public ValidateOptionsResult Validate(string? name, ProducerOptions o)
    {
        var failures = new List<string>();
        void Range(string key, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                failures.Add($"Producer:{key} must be between {min} and {max} (was {value}).");
            }
        }

        Range(nameof(o.LingerMilliseconds), o.LingerMilliseconds, 0, 1000);
        Range(nameof(o.BatchSizeBytes), o.BatchSizeBytes, 1024, 100_000_000);
        Range(nameof(o.MessageTimeoutMilliseconds), o.MessageTimeoutMilliseconds, 1000, 900_000);
        Range(nameof(o.DeliveryTimeoutMilliseconds), o.DeliveryTimeoutMilliseconds, 500, 900_000);
        Range(nameof(o.MaxQueuedMessages), o.MaxQueuedMessages, 1, 10_000_000);
        Range(nameof(o.MaxQueuedKilobytes), o.MaxQueuedKilobytes, 1, 2_097_151);
        Range(nameof(o.MaxProducers), o.MaxProducers, 1, 1000);
        Range(nameof(o.StatisticsIntervalMilliseconds), o.StatisticsIntervalMilliseconds, 100, 3_600_000);
        Range(nameof(o.IdleProducerSeconds), o.IdleProducerSeconds, 10, 86_400);
        Range(nameof(o.MaxRecordsPerRequest), o.MaxRecordsPerRequest, 1, 100_000);
        Range(nameof(o.IdempotencyWindowSeconds), o.IdempotencyWindowSeconds, 0, 86_400);
        Range(nameof(o.MaxIdempotencyKilobytes), o.MaxIdempotencyKilobytes, 1, 16_777_216);
        Range(nameof(o.IdempotencyInFlightWaitMilliseconds), o.IdempotencyInFlightWaitMilliseconds, 0, 900_000);
        Range(nameof(o.MaxKeyBytes), o.MaxKeyBytes, 1, 1024 * 1024);
        Range(nameof(o.NdjsonChunkRecords), o.NdjsonChunkRecords, 1, 100_000);
        Range(nameof(o.MaxValueLineBytes), o.MaxValueLineBytes, 1024, 64 * 1024 * 1024);
        Range(nameof(o.MaxHeadersPerRecord), o.MaxHeadersPerRecord, 0, 10_000);
        Range(nameof(o.MaxHeaderBytesPerRecord), o.MaxHeaderBytesPerRecord, 0, 16 * 1024 * 1024);
        if (o.DeliveryTimeoutMilliseconds >= o.MessageTimeoutMilliseconds)
        {
            failures.Add($"Producer:DeliveryTimeoutMilliseconds ({o.DeliveryTimeoutMilliseconds}) must be shorter than Producer:MessageTimeoutMilliseconds ({o.MessageTimeoutMilliseconds}), " +
                "so that an HTTP answer is never contradicted by a later delivery report.");
        }

        if (!s_compression.Contains(o.CompressionType, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"Producer:CompressionType must be one of {string.Join(", ", s_compression)} (was '{o.CompressionType}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
