using Confluent.Kafka;
using KafkaGateway.Admin;

namespace KafkaGateway.IntegrationTests.Admin;

/// <summary>
/// Stands in for the cluster where the harness cannot reach: librdkafka's mock broker implements no CreateTopics,
/// DeleteTopics, CreatePartitions, configs, DeleteRecords, ListGroups, DescribeGroups or DeleteGroups. Records the
/// calls it gets; <see cref="Failure"/> makes every operation throw.
/// </summary>
internal sealed class SubstituteAdminOperations : IKafkaAdminOperations
{
    public Exception? Failure { get; set; }

    public List<string> Calls { get; } = [];

    public ClusterTopology Topology { get; set; } = new(
        [new(1, "localhost", 9092, null)],
        [new TopicLayout("orders", [new(0, 1, [1], [1]), new(1, 1, [1], [1])])]);

    public GroupDescription Group { get; set; } = new("billing", "Stable", "range", 1,
        [new("m-1", "billing-1", "/10.0.0.7", null, [new TopicPartition("orders", 0), new TopicPartition("orders", 1)])]);

    public Task<ClusterTopology> GetTopologyAsync(CancellationToken cancellationToken) => Answer("topology", Topology);

    public Task<IReadOnlyList<PartitionWatermarks>> GetWatermarksAsync(IReadOnlyCollection<TopicPartition> partitions, CancellationToken cancellationToken) =>
        Answer<IReadOnlyList<PartitionWatermarks>>("watermarks", partitions.Select(p => new PartitionWatermarks(p.Topic, p.Partition.Value, 0, 10)).ToArray());

    public Task<IReadOnlyDictionary<TopicPartition, long>> GetOffsetsForTimestampAsync(
        IReadOnlyCollection<TopicPartition> partitions, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        Answer<IReadOnlyDictionary<TopicPartition, long>>("timestamp", partitions.ToDictionary(p => p, _ => 5L));

    public Task CreateTopicAsync(NewTopic topic, CancellationToken cancellationToken) => Answer($"create {topic.Name} {topic.Partitions} {topic.ReplicationFactor} {string.Join(',', topic.Configs.Keys)}", 0);

    public Task DeleteTopicAsync(string topic, CancellationToken cancellationToken) => Answer($"delete {topic}", 0);

    public Task CreatePartitionsAsync(string topic, int totalCount, CancellationToken cancellationToken) => Answer($"partitions {topic} {totalCount}", 0);

    public Task<IReadOnlyList<ConfigValue>> DescribeConfigsAsync(ConfigTarget target, string name, TimeSpan? timeout, CancellationToken cancellationToken) =>
        Answer<IReadOnlyList<ConfigValue>>($"configs {target} {name}",
            [new("cleanup.policy", "delete", "DefaultConfig", true, false, false), new("retention.ms", "1000", "DynamicTopicConfig", false, false, false)]);

    public Task AlterTopicConfigsAsync(string topic, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> delete, CancellationToken cancellationToken) =>
        Answer($"alter {topic} set={string.Join(',', set.Select(kv => kv.Key + "=" + kv.Value))} delete={string.Join(',', delete)}", 0);

    public Task<IReadOnlyList<TopicPartitionOffset>> DeleteRecordsAsync(IReadOnlyCollection<TopicPartitionOffset> before, CancellationToken cancellationToken) =>
        Answer<IReadOnlyList<TopicPartitionOffset>>("delete-records", before.Select(b => new TopicPartitionOffset(b.TopicPartition, b.Offset.Value < 0 ? 10 : b.Offset)).ToArray());

    public Task<IReadOnlyList<GroupListing>> ListGroupsAsync(CancellationToken cancellationToken) =>
        Answer<IReadOnlyList<GroupListing>>("list-groups", [new("billing", "Stable", false), new("audit", "Empty", true)]);

    public Task<GroupDescription> DescribeGroupAsync(string group, CancellationToken cancellationToken) => Answer($"describe-group {group}", Group);

    public Task<IReadOnlyDictionary<TopicPartition, long>> GetCommittedOffsetsAsync(
        string group, IReadOnlyCollection<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        Answer<IReadOnlyDictionary<TopicPartition, long>>("committed", new Dictionary<TopicPartition, long> { [new("orders", 0)] = 4, [new("orders", 1)] = 10 });

    public Task CommitOffsetsAsync(string group, IReadOnlyCollection<TopicPartitionOffset> offsets, CancellationToken cancellationToken) => Answer($"commit {group}", 0);

    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken) => Answer($"delete-group {group}", 0);

    private Task<T> Answer<T>(string call, T value)
    {
        lock (Calls)
        {
            Calls.Add(call);
        }

        return Failure is { } failure ? Task.FromException<T>(failure) : Task.FromResult(value);
    }
}
