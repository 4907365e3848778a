using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>The partitions of a topic from cluster metadata: 404 for an unknown topic, 503 when Kafka does not answer.</summary>
public sealed class TopicPartitionLookup(IAdminClient admin, IOptions<KafkaOptions> options, KafkaBlockingCalls blockingCalls)
{
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
}
