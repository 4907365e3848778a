using Confluent.Kafka;

namespace KafkaGateway.Admin;

/// <summary>
/// The Kafka admin primitives the admin endpoints are built from. Failures are thrown as <see cref="KafkaException"/>
/// (answered through <see cref="Kafka.KafkaErrorMapper"/>) or as <see cref="Http.GatewayException"/> when the gateway
/// itself refuses (e.g. the embedded cluster cannot do it). Tests substitute this where the mock broker cannot reach.
/// </summary>
public interface IKafkaAdminOperations
{
    /// <summary>Brokers and every topic's partition layout, from metadata.</summary>
    Task<ClusterTopology> GetTopologyAsync(CancellationToken cancellationToken);

    /// <summary>Low and high watermarks of <paramref name="partitions"/>.</summary>
    Task<IReadOnlyList<PartitionWatermarks>> GetWatermarksAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken);

    /// <summary>The earliest offset whose timestamp is at or after <paramref name="timestamp"/>; -1 when there is none.</summary>
    Task<IReadOnlyDictionary<TopicPartition, long>> GetOffsetsForTimestampAsync(
        IReadOnlyCollection<TopicPartition> partitions, DateTimeOffset timestamp, CancellationToken cancellationToken);

    /// <summary>Creates a topic.</summary>
    Task CreateTopicAsync(NewTopic topic, CancellationToken cancellationToken);

    /// <summary>Deletes a topic.</summary>
    Task DeleteTopicAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Increases the partition count of a topic to <paramref name="totalCount"/>.</summary>
    Task CreatePartitionsAsync(string topic, int totalCount, CancellationToken cancellationToken);

    /// <summary>Configuration of a topic or broker; <paramref name="timeout"/> overrides the admin request timeout.</summary>
    Task<IReadOnlyList<ConfigValue>> DescribeConfigsAsync(ConfigTarget target, string name, TimeSpan? timeout, CancellationToken cancellationToken);

    /// <summary>Sets and removes (back to the default) topic configuration entries, leaving the others alone.</summary>
    Task AlterTopicConfigsAsync(string topic, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> delete, CancellationToken cancellationToken);

    /// <summary>Deletes records before the given offsets; returns the new low watermarks.</summary>
    Task<IReadOnlyList<TopicPartitionOffset>> DeleteRecordsAsync(IReadOnlyCollection<TopicPartitionOffset> before, CancellationToken cancellationToken);

    /// <summary>Every consumer group the cluster knows.</summary>
    Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken cancellationToken);

    /// <summary>State, protocol and members of a group.</summary>
    Task<GroupDescription> DescribeGroupAsync(string group, CancellationToken cancellationToken);

    /// <summary>Committed offsets of a group: of <paramref name="partitions"/>, or all when null.</summary>
    Task<IReadOnlyDictionary<TopicPartition, long>> GetCommittedOffsetsAsync(
        string group, IReadOnlyCollection<TopicPartition>? partitions, CancellationToken cancellationToken);

    /// <summary>Commits offsets for a group (the broker refuses while the group has active members).</summary>
    Task CommitOffsetsAsync(string group, IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken);

    /// <summary>Deletes a group (the broker refuses while it has active members).</summary>
    Task DeleteGroupAsync(string group, CancellationToken cancellationToken);
}

/// <summary>Which kind of resource a configuration belongs to.</summary>
public enum ConfigTarget
{
    /// <summary>A topic, by name.</summary>
    Topic,

    /// <summary>A broker, by id.</summary>
    Broker,
}

/// <summary>Brokers and topics from cluster metadata.</summary>
public sealed record ClusterTopology(IReadOnlyList<BrokerInfo> Brokers, IReadOnlyList<TopicLayout> Topics)
{
    /// <summary>The topic named <paramref name="name"/>, or null.</summary>
    public TopicLayout? Find(string name) => Topics.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}

/// <summary>A topic's partitions as metadata reports them.</summary>
public sealed record TopicLayout(string Name, IReadOnlyList<PartitionLayout> Partitions)
{
    /// <summary>Kafka's internal topics (<c>__consumer_offsets</c>, <c>__transaction_state</c>) start with two underscores.</summary>
    public bool Internal => Name.StartsWith("__", StringComparison.Ordinal);

    /// <summary>Replicas of the first partition: Kafka creates every partition of a topic with the same factor.</summary>
    public int ReplicationFactor => Partitions.Count == 0 ? 0 : Partitions.MinBy(p => p.Partition)!.Replicas.Count;
}

/// <summary>A partition's leader and replicas.</summary>
public sealed record PartitionLayout(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr);

/// <summary>Oldest and next offsets of a partition.</summary>
public sealed record PartitionWatermarks(string Topic, int Partition, long Low, long High);

/// <summary>A topic to create; <paramref name="ReplicationFactor"/> -1 means the broker default.</summary>
public sealed record NewTopic(string Name, int Partitions, short ReplicationFactor, IReadOnlyDictionary<string, string> Configs);

/// <summary>One configuration entry.</summary>
/// <param name="Name">Config name, e.g. <c>retention.ms</c>.</param>
/// <param name="Value">Value; null for sensitive entries.</param>
/// <param name="Source">Where the value comes from, e.g. <c>DynamicTopicConfig</c> or <c>DefaultConfig</c>.</param>
/// <param name="IsDefault">True when the value is the default.</param>
/// <param name="IsReadOnly">True when it cannot be changed.</param>
/// <param name="IsSensitive">True for secrets (the value is not shown).</param>
public sealed record ConfigValue(string Name, string? Value, string Source, bool IsDefault, bool IsReadOnly, bool IsSensitive);

/// <summary>A consumer group in a listing.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="State">State, e.g. <c>Stable</c>, <c>Empty</c>.</param>
/// <param name="Simple">True for groups that only commit offsets (no group protocol).</param>
public sealed record GroupListing(string GroupId, string State, bool Simple);

/// <summary>A consumer group's state and members.</summary>
public sealed record GroupDescription(string GroupId, string State, string? Protocol, int? CoordinatorId, IReadOnlyList<GroupMember> Members);

/// <summary>A member of a consumer group and the partitions assigned to it.</summary>
public sealed record GroupMember(string MemberId, string ClientId, string Host, string? GroupInstanceId, IReadOnlyList<TopicPartition> Assignment);
