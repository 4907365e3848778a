using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;

namespace KafkaGateway.Admin;

/// <summary>
/// Admin operations against the embedded cluster (librdkafka's mock). It answers metadata, offsets and group commits;
/// topics are created through the mock's own API; everything else is refused at once with 501, because the mock
/// either never answers (waiting for a controller until the timeout), answers "unsupported", or (ListGroups) crashes
/// the process.
/// </summary>
public sealed class EmbeddedAdminOperations(IKafkaAdminOperations cluster, MockCluster embedded) : IKafkaAdminOperations
{
    /// <summary>The stable code of the 501 answer.</summary>
    public static string NotSupportedCode => EmbeddedClusterLimits.NotSupportedCode;

    /// <inheritdoc />
    public Task<ClusterTopology> GetTopologyAsync(CancellationToken cancellationToken) => cluster.GetTopologyAsync(cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<PartitionWatermarks>> GetWatermarksAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken) =>
        cluster.GetWatermarksAsync(partitions, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<TopicPartition, long>> GetOffsetsForTimestampAsync(
        IReadOnlyCollection<TopicPartition> partitions, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        cluster.GetOffsetsForTimestampAsync(partitions, timestamp, cancellationToken);

    /// <inheritdoc />
    public async Task CreateTopicAsync(NewTopic topic, CancellationToken cancellationToken)
    {
        if (topic.Configs.Count > 0)
        {
            throw NotSupported("creating topics with configs",
                "The embedded cluster cannot store topic configs; create the topic without 'configs'.");
        }

        var replicationFactor = topic.ReplicationFactor == -1 ? Math.Min(embedded.BrokerCount, 3) : topic.ReplicationFactor;
        if (replicationFactor > embedded.BrokerCount)
        {
            throw new KafkaException(new Error(ErrorCode.InvalidReplicationFactor,
                $"Replication factor {replicationFactor} is larger than the embedded cluster's {embedded.BrokerCount} brokers."));
        }

        var topology = await cluster.GetTopologyAsync(cancellationToken);
        if (topology.Find(topic.Name) is not null)
        {
            throw new KafkaException(new Error(ErrorCode.TopicAlreadyExists, $"Topic '{topic.Name}' already exists."));
        }

        embedded.CreateTopic(topic.Name, topic.Partitions, replicationFactor);
    }

    /// <inheritdoc />
    public Task DeleteTopicAsync(string topic, CancellationToken cancellationToken) => throw NotSupported("deleting topics");

    /// <inheritdoc />
    public Task CreatePartitionsAsync(string topic, int totalCount, CancellationToken cancellationToken) => throw NotSupported("adding partitions");

    /// <inheritdoc />
    public Task<IReadOnlyList<ConfigValue>> DescribeConfigsAsync(ConfigTarget target, string name, TimeSpan? timeout, CancellationToken cancellationToken) =>
        throw NotSupported(target == ConfigTarget.Broker ? "broker configs" : "topic configs");

    /// <inheritdoc />
    public Task AlterTopicConfigsAsync(string topic, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> delete, CancellationToken cancellationToken) =>
        throw NotSupported("changing topic configs");

    /// <inheritdoc />
    public Task<IReadOnlyList<TopicPartitionOffset>> DeleteRecordsAsync(IReadOnlyCollection<TopicPartitionOffset> before, CancellationToken cancellationToken) =>
        throw NotSupported("deleting records");

    /// <inheritdoc />
    public Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken cancellationToken) => throw NotSupported("listing consumer groups");

    /// <inheritdoc />
    public Task<GroupDescription> DescribeGroupAsync(string group, CancellationToken cancellationToken) =>
        throw NotSupported("describing consumer groups (state and members)");

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<TopicPartition, long>> GetCommittedOffsetsAsync(
        string group, IReadOnlyCollection<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        cluster.GetCommittedOffsetsAsync(group, partitions, cancellationToken);

    /// <inheritdoc />
    public async Task CommitOffsetsAsync(string group, IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        try
        {
            await cluster.CommitOffsetsAsync(group, offsets, cancellationToken);
        }
        catch (KafkaException ex) when (EmbeddedClusterLimits.IsUnknownMember(ex))
        {
            throw EmbeddedClusterLimits.GroupHadMembers("resetting the offsets of a consumer group that has had members", group);
        }
    }

    /// <inheritdoc />
    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) => throw NotSupported("deleting consumer groups");

    /// <summary>The 501 answer for an operation the embedded cluster cannot do.</summary>
    public static GatewayException NotSupported(string operation, string? hint = null) => EmbeddedClusterLimits.NotSupported(operation, hint);
}
