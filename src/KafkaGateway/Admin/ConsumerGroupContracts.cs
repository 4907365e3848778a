using System.Text.Json.Serialization;

namespace KafkaGateway.Admin;

/// <summary>A consumer group with its members, committed offsets and lag.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="State">State (<c>Stable</c>, <c>Empty</c>, ...), <c>Unknown</c> when the cluster cannot describe groups.</param>
/// <param name="Protocol">Partition assignor, e.g. <c>range</c>.</param>
/// <param name="CoordinatorId">Broker coordinating the group.</param>
/// <param name="Members">Members and their assignments; omitted when the cluster cannot describe groups.</param>
/// <param name="Offsets">Committed offset and lag per partition.</param>
/// <param name="TotalLag">Sum of the partitions' lag.</param>
/// <param name="Notes">Why parts of the answer are missing.</param>
public sealed record ConsumerGroupDetail(
    string GroupId,
    string State,
    string? Protocol,
    int? CoordinatorId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ConsumerGroupMember>? Members,
    IReadOnlyList<CommittedPartitionOffset> Offsets,
    long TotalLag,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Notes);

/// <summary>A member of a consumer group.</summary>
/// <param name="MemberId">Member id given by the coordinator.</param>
/// <param name="ClientId">The client's <c>client.id</c>.</param>
/// <param name="Host">Host the member connected from.</param>
/// <param name="GroupInstanceId">Static membership id, when used.</param>
/// <param name="Assignment">Assigned partitions by topic.</param>
public sealed record ConsumerGroupMember(string MemberId, string ClientId, string Host, string? GroupInstanceId, IReadOnlyList<TopicPartitions> Assignment);

/// <summary>Partitions of one topic.</summary>
public sealed record TopicPartitions(string Topic, IReadOnlyList<int> Partitions);

/// <summary>A group's committed offset on one partition and how far behind it is.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="Partition">Partition id.</param>
/// <param name="CommittedOffset">The offset the group will read next.</param>
/// <param name="HighWatermark">The offset the next record gets.</param>
/// <param name="Lag">Records not yet consumed: high watermark minus committed offset.</param>
public sealed record CommittedPartitionOffset(string Topic, int Partition, long CommittedOffset, long HighWatermark, long Lag);

/// <summary>Where <c>POST /consumer-groups/{group}/offsets</c> moves the committed offsets.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OffsetResetTarget>))]
public enum OffsetResetTarget
{
    /// <summary>The oldest stored record (low watermark).</summary>
    Earliest,

    /// <summary>After the newest record (high watermark).</summary>
    Latest,

    /// <summary>The first record at or after <c>timestamp</c> (the high watermark when there is none).</summary>
    Timestamp,

    /// <summary>The explicit <c>offsets</c>.</summary>
    Offsets,
}

/// <summary>
/// Body of <c>POST /consumer-groups/{group}/offsets</c>: reset a group's committed offsets on one topic. Only
/// allowed while the group has no active members.
/// </summary>
/// <param name="Topic">The topic whose offsets are reset.</param>
/// <param name="To"><c>earliest</c>, <c>latest</c>, <c>timestamp</c> or <c>offsets</c>.</param>
/// <param name="Partitions">Partitions to reset (default: all; ignored with <c>offsets</c>).</param>
/// <param name="Timestamp">With <c>timestamp</c>: ISO-8601 instant.</param>
/// <param name="Offsets">With <c>offsets</c>: the offset per partition.</param>
/// <param name="DryRun">True: answer what would be committed without committing.</param>
public sealed record ResetOffsetsRequest(
    string? Topic,
    OffsetResetTarget? To,
    List<int>? Partitions = null,
    DateTimeOffset? Timestamp = null,
    List<PartitionOffset>? Offsets = null,
    bool DryRun = false);

/// <summary>An offset of a partition.</summary>
public sealed record PartitionOffset(int Partition, long Offset);

/// <summary>Answer to <c>POST /consumer-groups/{group}/offsets</c>.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Topic">The topic.</param>
/// <param name="DryRun">True when nothing was committed.</param>
/// <param name="Partitions">Previous and new committed offset per partition.</param>
public sealed record OffsetsReset(string GroupId, string Topic, bool DryRun, IReadOnlyList<PartitionOffsetChange> Partitions);

/// <summary>A partition's committed offset before and after the reset.</summary>
/// <param name="Partition">Partition id.</param>
/// <param name="PreviousOffset">Committed offset before (null: none).</param>
/// <param name="NewOffset">Committed offset after.</param>
public sealed record PartitionOffsetChange(int Partition, long? PreviousOffset, long NewOffset);
