using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>
/// The partitions of a topic from cluster metadata (404 for an unknown topic, 503 when Kafka does not answer), and its
/// topic id (for resume tokens, to tell a topic created again under the same name from the one a token was made on).
/// </summary>
public sealed class TopicPartitionLookup(
    IAdminClient admin, IOptions<KafkaOptions> options, KafkaBlockingCalls blockingCalls, ILogger<TopicPartitionLookup> logger)
{
    // A cluster that does not answer DescribeTopics (no controller known, an old broker) is not asked again for this
    // long, so that every stream does not wait for it; tokens made meanwhile carry no topic id and are not checked.
    private static readonly TimeSpan s_topicIdRetryAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_topicIdBudget = TimeSpan.FromSeconds(2);
    private long _topicIdsUnavailableUntil;

    /// <summary>The partition ids of <paramref name="topic"/>, ascending.</summary>
    /// <exception cref="GatewayException">404 <c>topic_not_found</c>; 503 <c>kafka_unavailable</c>.</exception>
    public async Task<IReadOnlyList<int>> GetPartitionsAsync(string topic, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.MetadataTimeoutSeconds);
        Metadata metadata;
        try
        {
            // Metadata of all topics: asking for one topic by name lets brokers with auto-creation create it.
            metadata = await blockingCalls.RunAsync(() => admin.GetMetadata(timeout), cancellationToken);
        }
        catch (KafkaException ex)
        {
            throw Kafka.KafkaErrorMapper.Unavailable($"Kafka did not answer metadata for topic '{topic}': {ex.Error.Reason} ({ex.Error.Code}).", ex.Error, ex);
        }

        var described = metadata.Topics.FirstOrDefault(t => string.Equals(t.Topic, topic, StringComparison.Ordinal));
        if (described is null || described.Error.Code == ErrorCode.UnknownTopicOrPart || described.Partitions.Count == 0)
        {
            throw new GatewayException(GatewayErrors.TopicNotFound,
                $"Topic '{topic}' does not exist.");
        }

        if (described.Error.IsError)
        {
            throw Kafka.KafkaErrorMapper.Unavailable($"Kafka answered metadata for topic '{topic}' with {described.Error.Reason} ({described.Error.Code}).", described.Error);
        }

        return described.Partitions.Select(p => p.PartitionId).Order().ToArray();
    }

    /// <summary>
    /// The Kafka topic id of <paramref name="topic"/> (DescribeTopics: librdkafka sends a Metadata request v10+ to the
    /// controller and reads the id Kafka 2.8+ answers), or null when the cluster gives none: brokers before topic ids
    /// (all zeros), a DescribeTopics that fails or times out (then not asked again for a minute), a topic deleted
    /// meanwhile. Never throws for Kafka: the id only adds a check, the stream works without it.
    /// </summary>
    public async Task<Guid?> GetTopicIdAsync(string topic, CancellationToken cancellationToken)
    {
        if (Environment.TickCount64 < Interlocked.Read(ref _topicIdsUnavailableUntil))
        {
            return null;
        }

        var timeout = TimeSpan.FromSeconds(options.Value.MetadataTimeoutSeconds);
        try
        {
            var described = await admin.DescribeTopicsAsync(
                TopicCollection.OfTopicNames([topic]),
                new DescribeTopicsOptions { RequestTimeout = timeout < s_topicIdBudget ? timeout : s_topicIdBudget })
                .WaitAsync(cancellationToken);
            return ToGuid(described.TopicDescriptions.Single().TopicId);
        }
        catch (DescribeTopicsException ex)
        {
            // The topic itself answered with an error (deleted since the metadata lookup, not authorized): no id.
            var error = ex.Results.TopicDescriptions.FirstOrDefault()?.Error ?? ex.Error;
            StreamingLog.TopicIdUnknown(logger, topic, error.Code, error.Reason);
            return null;
        }
        catch (KafkaException ex)
        {
            Interlocked.Exchange(ref _topicIdsUnavailableUntil, Environment.TickCount64 + (long)s_topicIdRetryAfter.TotalMilliseconds);
            StreamingLog.TopicIdsUnavailable(logger, topic, ex.Error.Code, ex.Error.Reason);
            return null;
        }
    }

    /// <summary>A Kafka <see cref="Uuid"/> as a <see cref="Guid"/> (same 16 bytes, big-endian); null for the zero id.</summary>
    internal static Guid? ToGuid(Uuid? id)
    {
        if (id is null || (id.MostSignificantBits == 0 && id.LeastSignificantBits == 0))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, id.MostSignificantBits);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[8..], id.LeastSignificantBits);
        return new Guid(bytes, bigEndian: true);
    }
}
