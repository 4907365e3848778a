using Confluent.Kafka;

namespace KafkaGateway.Streaming;

/// <summary>Log messages of the streaming feature.</summary>
internal static partial class StreamingLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "No topic id for {Topic}: {Code} {Reason}; its stream tokens carry none")]
    public static partial void TopicIdUnknown(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka did not describe topic {Topic} ({Code} {Reason}): stream tokens carry no topic id for a minute, so a recreated topic is not detected meanwhile")]
    public static partial void TopicIdsUnavailable(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "A stream of {Topic} resumed with a token of a previous topic of that name (topic id {TokenTopicId}, now {TopicId}): it starts at the earliest offsets")]
    public static partial void TopicRecreated(ILogger logger, string topic, Guid tokenTopicId, Guid topicId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream consumer for {Topic} started (shared live tail: {Shared}) on {Partitions} partitions")]
    public static partial void ConsumerStarted(ILogger logger, string topic, bool shared, int partitions);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream consumer for {Topic} closed (shared live tail: {Shared})")]
    public static partial void ConsumerClosed(ILogger logger, string topic, bool shared);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream consumer for {Topic} could not fix its start positions: {Code} {Reason}; retrying")]
    public static partial void StartFailed(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream consumer for {Topic} failed to consume: {Code} {Reason}")]
    public static partial void ConsumeFailed(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream consumer for {Topic}: Kafka error {Code} {Reason}")]
    public static partial void KafkaError(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream consumer for {Topic} ended unexpectedly")]
    public static partial void ConsumerFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream consumer for {Topic} did not close cleanly: {Code} {Reason}")]
    public static partial void CloseFailed(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream hub stopping: closing {Streams} streams and {Consumers} consumers")]
    public static partial void HubStopping(ILogger logger, int streams, int consumers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream hub stop timed out with {Open} consumers still closing")]
    public static partial void HubStopTimedOut(ILogger logger, int open);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream hub could not check live tails for new partitions: {Code} {Reason}")]
    public static partial void PartitionCheckFailed(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream of {Topic} for {Client} ended: {Reason}")]
    public static partial void StreamEnded(ILogger logger, string topic, string client, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Streams of {Topic} end: {Reason}")]
    public static partial void StreamsEnded(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream of {Topic} for {Client} caught up and moved onto the shared live tail")]
    public static partial void StreamHandedOver(ILogger logger, string topic, string client);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stream consumer of {Topic} partition {Partition}: position {Position} is out of the log's range; resuming at {ResumedAt}")]
    public static partial void PositionOutOfRange(ILogger logger, string topic, int partition, long position, long resumedAt);
}
