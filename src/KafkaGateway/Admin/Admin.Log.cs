namespace KafkaGateway.Admin;

/// <summary>Log messages of the admin endpoints: every change to the cluster is logged.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} created with {Partitions} partitions, replication factor {ReplicationFactor}")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions, int replicationFactor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Topic {Topic} deleted")]
    public static partial void TopicDeleted(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} configs changed: set {Set}, deleted {Deleted}")]
    public static partial void TopicConfigsAltered(ILogger logger, string topic, IEnumerable<string> set, IEnumerable<string> deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} partitions increased from {Previous} to {Count}")]
    public static partial void PartitionsIncreased(ILogger logger, string topic, int previous, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Records deleted from topic {Topic} on {PartitionCount} partition(s)")]
    public static partial void RecordsDeleted(ILogger logger, string topic, int partitionCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer group {Group} deleted")]
    public static partial void GroupDeleted(ILogger logger, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer group {Group} offsets on {Topic} reset to {Target} ({PartitionCount} partitions)")]
    public static partial void OffsetsReset(ILogger logger, string group, string topic, OffsetResetTarget target, int partitionCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Configs of topic {Topic} omitted: {Reason}")]
    public static partial void TopicConfigsOmitted(ILogger logger, string topic, string reason);
}
