using Confluent.Kafka;
using KafkaGateway.Http;

namespace KafkaGateway.Producing;

/// <summary>
/// Maps Kafka delivery failures to HTTP answers that say exactly what happened: 503 when nothing was written
/// (retry safely), 504 when the record may have been written, 4xx when retrying cannot help.
/// </summary>
internal static class DeliveryOutcomes
{
    public static (int Status, string Code, string Title, int? RetryAfter) Classify(ErrorCode error, PersistenceStatus status) => error switch
    {
        ErrorCode.Local_QueueFull => (503, "producer_queue_full", "The producer queue is full", 1),
        ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic => (404, "topic_not_found", "Unknown topic or partition", null),
        ErrorCode.Local_UnknownPartition => (404, "partition_not_found", "Unknown partition", null),
        ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.SaslAuthenticationFailed
            => (403, "kafka_authorization_failed", "Kafka refused the gateway's identity", null),
        ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge
            => (413, "record_too_large", "The record is too large for Kafka", null),
        ErrorCode.InvalidRecord or ErrorCode.InvalidMsg or ErrorCode.InvalidTimestamp
            => (422, "invalid_record", "Kafka refused the record", null),
        _ when status == PersistenceStatus.PossiblyPersisted
            => (504, "delivery_unknown", "The record may have been written", null),
        _ => (503, "not_persisted", "The record was not written", 5),
    };

    public static string StatusName(PersistenceStatus status) => status switch
    {
        PersistenceStatus.Persisted => "persisted",
        PersistenceStatus.PossiblyPersisted => "possibly_persisted",
        _ => "not_persisted",
    };

    public static GatewayException Failure(IReadOnlyList<RecordOutcome> outcomes, (int Status, string Code, string Title, int? RetryAfter) worst, string detail) =>
        new(worst.Status, worst.Code, worst.Title, detail)
        {
            RetryAfterSeconds = worst.RetryAfter,
            Extensions = { ["records"] = outcomes },
        };
}
