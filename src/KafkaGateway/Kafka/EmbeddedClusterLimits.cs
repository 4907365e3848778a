using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Http;

namespace KafkaGateway.Kafka;

/// <summary>
/// What the embedded cluster (librdkafka's mock) cannot do, as 501 answers shared by every area that talks to it
/// (admin operations, stream commits).
/// </summary>
public static class EmbeddedClusterLimits
{
    /// <summary>The stable code of the 501 answer.</summary>
    public static string NotSupportedCode => GatewayErrors.NotSupportedByEmbeddedCluster.Code;

    /// <summary>The 501 answer for an operation the embedded cluster cannot do.</summary>
    public static GatewayException NotSupported(string operation, string? hint = null) =>
        new(GatewayErrors.NotSupportedByEmbeddedCluster,
            $"The embedded Kafka cluster (librdkafka's in-memory mock) does not support {operation}. " +
            (hint ?? "Point Kafka:BootstrapServers at a real Kafka cluster to use this endpoint."))
        {
            Extensions = { ["operation"] = operation },
        };

    /// <summary>
    /// True when a group offset commit from outside the group (no member id, generation -1) was refused with
    /// UNKNOWN_MEMBER_ID, at the top level or for a group or partition of an AlterConsumerGroupOffsets call.
    /// </summary>
    public static bool IsUnknownMember(KafkaException ex) =>
        ex.Error.Code == ErrorCode.UnknownMemberId
        || (ex is AlterConsumerGroupOffsetsException alter
            && alter.Results.Any(r => r.Error.Code == ErrorCode.UnknownMemberId
                || r.Partitions.Any(p => p.Error.Code == ErrorCode.UnknownMemberId)));

    /// <summary>
    /// The 501 answer for a commit from outside the group refused by the embedded cluster. The mock keeps a group
    /// for the cluster's lifetime once a consumer joined it, and then accepts commits only from a current member with
    /// its generation: the admin commit that real Kafka accepts for an empty group is refused with UNKNOWN_MEMBER_ID,
    /// minutes after the last consumer left. It cannot describe groups either, so the gateway cannot tell that case
    /// from live members; real Kafka keeps the 409 <c>group_not_empty</c> answer.
    /// </summary>
    /// <param name="operation">What was refused, e.g. "resetting the offsets of a consumer group that has had members".</param>
    /// <param name="group">The consumer group.</param>
    public static GatewayException GroupHadMembers(string operation, string group) =>
        NotSupported(operation,
            $"It keeps consumer group '{group}' for its lifetime once a consumer joined it, and then accepts commits only " +
            "from the group's current members, so it refuses this commit even when the group is empty now (Kafka error " +
            "UnknownMemberId). A group no consumer has joined yet accepts it; alternatively seek and commit from the " +
            "group's own consumer, or point Kafka:BootstrapServers at a real Kafka cluster, which accepts commits for empty groups.");
}
