using System.Text.Json.Serialization;

namespace KafkaGateway.Admin;

/// <summary>A topic in the list.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Number of partitions.</param>
/// <param name="ReplicationFactor">Replicas per partition.</param>
/// <param name="Internal">True for Kafka's internal topics (names starting with <c>__</c>).</param>
public sealed record TopicSummary(string Name, int Partitions, int ReplicationFactor, bool Internal);

/// <summary>A topic with its partitions, watermarks and (when the cluster can describe them) configs.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Internal">True for Kafka's internal topics.</param>
/// <param name="ReplicationFactor">Replicas per partition.</param>
/// <param name="MessageCount">Sum of the partitions' message counts.</param>
/// <param name="Partitions">Every partition.</param>
/// <param name="Configs">Topic configs (name to value); omitted when the cluster cannot describe them, see <paramref name="Notes"/>.</param>
/// <param name="Notes">Why parts of the answer are missing.</param>
/// <param name="Schemas">The value and key subjects, their latest schema id and version, and the records' format.</param>
public sealed record TopicDetail(
    string Name,
    bool Internal,
    int ReplicationFactor,
    long MessageCount,
    IReadOnlyList<PartitionDetail> Partitions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string?>? Configs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Notes,
    KafkaGateway.Schemas.TopicEncodings? Schemas = null);

/// <summary>A partition's replicas and watermarks.</summary>
/// <param name="Partition">Partition id.</param>
/// <param name="Leader">Leader broker id (-1 when leaderless).</param>
/// <param name="Replicas">Replica broker ids.</param>
/// <param name="Isr">In-sync replica broker ids.</param>
/// <param name="LowWatermark">Oldest offset still stored.</param>
/// <param name="HighWatermark">Offset the next record gets.</param>
/// <param name="MessageCount">High minus low watermark (an upper bound on compacted or transactional topics).</param>
public sealed record PartitionDetail(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr,
    long LowWatermark, long HighWatermark, long MessageCount);

/// <summary>Body of <c>POST /topics</c>.</summary>
/// <param name="Name">Topic name: 1-249 characters of <c>a-z A-Z 0-9 . _ -</c>, not <c>.</c> or <c>..</c>.</param>
/// <param name="Partitions">Number of partitions (at least 1; default 1).</param>
/// <param name="ReplicationFactor">Replicas per partition (at least 1), or -1 for the broker default (the default).</param>
/// <param name="Configs">Topic-level configs, e.g. <c>{"cleanup.policy":"compact"}</c>.</param>
public sealed record CreateTopicRequest(string? Name, int Partitions = 1, int ReplicationFactor = -1, Dictionary<string, string>? Configs = null);

/// <summary>Answer to <c>POST /topics</c>.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partitions requested.</param>
/// <param name="ReplicationFactor">Replication factor requested (-1: broker default).</param>
/// <param name="Configs">Configs set.</param>
/// <param name="Warnings">Advice that did not stop the creation, e.g. names that collide in metric names.</param>
public sealed record CreatedTopic(string Name, int Partitions, int ReplicationFactor, IReadOnlyDictionary<string, string> Configs, IReadOnlyList<string> Warnings);

/// <summary>A topic's or broker's configuration.</summary>
/// <param name="Resource">Topic name or broker id.</param>
/// <param name="Configs">Every entry, by name.</param>
public sealed record ConfigsResponse(string Resource, IReadOnlyList<ConfigValue> Configs);

/// <summary>
/// Body of <c>PATCH /topics/{topic}/configs</c>: an incremental change. Entries in <paramref name="Set"/> get the
/// given value, entries in <paramref name="Delete"/> return to their default; all other entries stay as they are.
/// </summary>
/// <param name="Set">Entries to set, e.g. <c>{"retention.ms":"86400000"}</c>.</param>
/// <param name="Delete">Entries to reset to the default, e.g. <c>["cleanup.policy"]</c>.</param>
public sealed record AlterTopicConfigsRequest(Dictionary<string, string>? Set = null, List<string>? Delete = null);

/// <summary>Body of <c>POST /topics/{topic}/partitions</c>.</summary>
/// <param name="Count">The new total number of partitions; must be larger than the current one.</param>
public sealed record CreatePartitionsRequest(int Count);

/// <summary>Answer to <c>POST /topics/{topic}/partitions</c>.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="PreviousCount">Partitions before.</param>
/// <param name="Count">Partitions now.</param>
public sealed record PartitionsIncreased(string Topic, int PreviousCount, int Count);

/// <summary>Body of <c>POST /topics/{topic}/delete-records</c>.</summary>
/// <param name="Partitions">Per partition, the offset before which records are deleted.</param>
public sealed record DeleteRecordsRequest(List<DeleteRecordsPartition>? Partitions);

/// <summary>Delete the records of <paramref name="Partition"/> before <paramref name="BeforeOffset"/> (-1: all records, up to the high watermark).</summary>
/// <param name="Partition">Partition id.</param>
/// <param name="BeforeOffset">Records with smaller offsets are deleted; -1 means the high watermark.</param>
public sealed record DeleteRecordsPartition(int Partition, long BeforeOffset);

/// <summary>Answer to <c>POST /topics/{topic}/delete-records</c>.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Partitions">The new low watermark of every partition.</param>
public sealed record RecordsDeleted(string Topic, IReadOnlyList<PartitionLowWatermark> Partitions);

/// <summary>A partition's low watermark after deleting records.</summary>
public sealed record PartitionLowWatermark(int Partition, long LowWatermark);
