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
    public const string NotSupportedCode = "not_supported_by_embedded_cluster";

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
        catch (KafkaException ex) when (IsUnknownMember(ex))
        {
            // The mock keeps a group for the cluster's lifetime once a consumer joined it, and then accepts commits
            // only from a current member with its generation: the admin commit (no member, generation -1) that real
            // Kafka accepts for an empty group is refused with UNKNOWN_MEMBER_ID, minutes after the last consumer
            // left. It cannot describe groups either, so the gateway cannot tell that case from live members.
            throw NotSupported("resetting the offsets of a consumer group that has had members",
                $"It keeps consumer group '{group}' for its lifetime once a consumer joined it, and then accepts commits only " +
                "from the group's current members, so it refuses this reset even when the group is empty now (Kafka error " +
                "UnknownMemberId). A group no consumer has joined yet can be reset; alternatively seek and commit from the " +
                "group's own consumer, or point Kafka:BootstrapServers at a real Kafka cluster, which resets empty groups.");
        }
    }

    private static bool IsUnknownMember(KafkaException ex) =>
        ex.Error.Code == ErrorCode.UnknownMemberId
        || (ex is Confluent.Kafka.Admin.AlterConsumerGroupOffsetsException alter
            && alter.Results.Any(r => r.Error.Code == ErrorCode.UnknownMemberId
                || r.Partitions.Any(p => p.Error.Code == ErrorCode.UnknownMemberId)));

    /// <inheritdoc />
    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) => throw NotSupported("deleting consumer groups");

    /// <summary>The 501 answer for an operation the embedded cluster cannot do.</summary>
    public static GatewayException NotSupported(string operation, string? hint = null) =>
        new(StatusCodes.Status501NotImplemented, NotSupportedCode, "Not supported by the embedded cluster",
            $"The embedded Kafka cluster (librdkafka's in-memory mock) does not support {operation}. " +
            (hint ?? "Point Kafka:BootstrapServers at a real Kafka cluster to use this endpoint."))
        {
            Extensions = { ["operation"] = operation },
        };
}
