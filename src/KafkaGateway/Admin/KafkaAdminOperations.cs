using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Admin;

/// <summary><see cref="IKafkaAdminOperations"/> over the gateway's shared <see cref="IAdminClient"/>.</summary>
public sealed class KafkaAdminOperations(
    IAdminClient admin, IOptions<KafkaOptions> kafkaOptions, IOptions<AdminOptions> adminOptions, KafkaBlockingCalls blockingCalls)
    : IKafkaAdminOperations
{
    private TimeSpan MetadataTimeout => TimeSpan.FromSeconds(kafkaOptions.Value.MetadataTimeoutSeconds);

    private TimeSpan RequestTimeout => TimeSpan.FromSeconds(adminOptions.Value.RequestTimeoutSeconds);

    /// <inheritdoc />
    public async Task<ClusterTopology> GetTopologyAsync(CancellationToken cancellationToken)
    {
        // All topics, never one by name: a metadata request for a missing topic can auto-create it.
        var metadata = await blockingCalls.RunAsync(() => admin.GetMetadata(MetadataTimeout), cancellationToken);
        var brokers = metadata.Brokers.OrderBy(b => b.BrokerId).Select(b => new BrokerInfo(b.BrokerId, b.Host, b.Port, null)).ToArray();
        var topics = metadata.Topics
            .Where(t => t.Error.Code == ErrorCode.NoError)
            .OrderBy(t => t.Topic, StringComparer.Ordinal)
            .Select(t => new TopicLayout(t.Topic, t.Partitions
                .OrderBy(p => p.PartitionId)
                .Select(p => new PartitionLayout(p.PartitionId, p.Leader, p.Replicas, p.InSyncReplicas))
                .ToArray()))
            .ToArray();
        return new ClusterTopology(brokers, topics);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PartitionWatermarks>> GetWatermarksAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (partitions.Count == 0)
        {
            return [];
        }

        var earliest = ListOffsetsAsync(partitions, OffsetSpec.Earliest());
        var latest = ListOffsetsAsync(partitions, OffsetSpec.Latest());
        var low = await earliest;
        var high = await latest;
        return partitions
            .Select(p => new PartitionWatermarks(p.Topic, p.Partition.Value, low.GetValueOrDefault(p, 0), high.GetValueOrDefault(p, 0)))
            .ToArray();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<TopicPartition, long>> GetOffsetsForTimestampAsync(
        IReadOnlyCollection<TopicPartition> partitions, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        partitions.Count == 0 ? new Dictionary<TopicPartition, long>() : await ListOffsetsAsync(partitions, OffsetSpec.ForTimestamp(timestamp.ToUnixTimeMilliseconds()));

    /// <inheritdoc />
    public Task CreateTopicAsync(NewTopic topic, CancellationToken cancellationToken) =>
        admin.CreateTopicsAsync(
            [new TopicSpecification
            {
                Name = topic.Name,
                NumPartitions = topic.Partitions,
                ReplicationFactor = topic.ReplicationFactor,
                Configs = topic.Configs.ToDictionary(StringComparer.Ordinal),
            }],
            new CreateTopicsOptions { RequestTimeout = RequestTimeout, OperationTimeout = RequestTimeout });

    /// <inheritdoc />
    public Task DeleteTopicAsync(string topic, CancellationToken cancellationToken) =>
        admin.DeleteTopicsAsync([topic], new DeleteTopicsOptions { RequestTimeout = RequestTimeout, OperationTimeout = RequestTimeout });

    /// <inheritdoc />
    public Task CreatePartitionsAsync(string topic, int totalCount, CancellationToken cancellationToken) =>
        admin.CreatePartitionsAsync(
            [new PartitionsSpecification { Topic = topic, IncreaseTo = totalCount }],
            new CreatePartitionsOptions { RequestTimeout = RequestTimeout, OperationTimeout = RequestTimeout });

    /// <inheritdoc />
    public async Task<IReadOnlyList<ConfigValue>> DescribeConfigsAsync(ConfigTarget target, string name, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var resource = new ConfigResource { Type = target == ConfigTarget.Broker ? ResourceType.Broker : ResourceType.Topic, Name = name };
        var results = await admin.DescribeConfigsAsync([resource], new DescribeConfigsOptions { RequestTimeout = timeout ?? RequestTimeout });
        return results.SelectMany(r => r.Entries.Values)
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new ConfigValue(e.Name, e.IsSensitive ? null : e.Value, e.Source.ToString(), e.IsDefault, e.IsReadOnly, e.IsSensitive))
            .ToArray();
    }

    /// <inheritdoc />
    public Task AlterTopicConfigsAsync(string topic, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> delete, CancellationToken cancellationToken)
    {
        var entries = set.Select(kv => new ConfigEntry { Name = kv.Key, Value = kv.Value, IncrementalOperation = AlterConfigOpType.Set })
            .Concat(delete.Select(name => new ConfigEntry { Name = name, Value = "", IncrementalOperation = AlterConfigOpType.Delete }))
            .ToList();
        return admin.IncrementalAlterConfigsAsync(
            new Dictionary<ConfigResource, List<ConfigEntry>> { [new ConfigResource { Type = ResourceType.Topic, Name = topic }] = entries },
            new IncrementalAlterConfigsOptions { RequestTimeout = RequestTimeout });
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TopicPartitionOffset>> DeleteRecordsAsync(IReadOnlyCollection<TopicPartitionOffset> before, CancellationToken cancellationToken)
    {
        var results = await admin.DeleteRecordsAsync(before, new DeleteRecordsOptions { RequestTimeout = RequestTimeout, OperationTimeout = RequestTimeout });
        return results.Select(r => new TopicPartitionOffset(r.Topic, r.Partition, r.Offset)).ToArray();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken cancellationToken)
    {
        // NB: librdkafka's mock cluster crashes the process on ListGroups; only real clusters get here (see tests).
        var result = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = RequestTimeout });
        return result.Valid
            .OrderBy(g => g.GroupId, StringComparer.Ordinal)
            .Select(g => new GroupListing(g.GroupId, g.State.ToString(), g.IsSimpleConsumerGroup))
            .ToArray();
    }

    /// <inheritdoc />
    public async Task<GroupDescription> DescribeGroupAsync(string group, CancellationToken cancellationToken)
    {
        var result = await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { RequestTimeout = RequestTimeout });
        var description = result.ConsumerGroupDescriptions.Single();
        return new GroupDescription(
            description.GroupId,
            description.State.ToString(),
            string.IsNullOrEmpty(description.PartitionAssignor) ? null : description.PartitionAssignor,
            description.Coordinator?.Id,
            description.Members
                .Select(m => new GroupMember(m.ConsumerId, m.ClientId, m.Host, m.GroupInstanceId,
                    m.Assignment?.TopicPartitions?.ToArray() ?? []))
                .ToArray());
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<TopicPartition, long>> GetCommittedOffsetsAsync(
        string group, IReadOnlyCollection<TopicPartition>? partitions, CancellationToken cancellationToken)
    {
        var results = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(group, partitions?.ToList())],
            new ListConsumerGroupOffsetsOptions { RequestTimeout = RequestTimeout });
        return results.SelectMany(r => r.Partitions)
            .Where(p => p.Error.Code == ErrorCode.NoError && p.Offset.Value >= 0)
            .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
    }

    /// <inheritdoc />
    public Task CommitOffsetsAsync(string group, IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken) =>
        admin.AlterConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitionOffsets(group, offsets.ToList())],
            new AlterConsumerGroupOffsetsOptions { RequestTimeout = RequestTimeout });

    /// <inheritdoc />
    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) =>
        admin.DeleteGroupsAsync([group], new DeleteGroupsOptions { RequestTimeout = RequestTimeout, OperationTimeout = RequestTimeout });

    private async Task<Dictionary<TopicPartition, long>> ListOffsetsAsync(IReadOnlyCollection<TopicPartition> partitions, OffsetSpec spec)
    {
        var result = await admin.ListOffsetsAsync(
            partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = spec }),
            new ListOffsetsOptions { RequestTimeout = MetadataTimeout });
        return result.ResultInfos.ToDictionary(
            r => r.TopicPartitionOffsetError.TopicPartition,
            r => r.TopicPartitionOffsetError.Offset.Value);
    }
}
