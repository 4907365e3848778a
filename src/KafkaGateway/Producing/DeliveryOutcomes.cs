using Confluent.Kafka;
using KafkaGateway.Http;

namespace KafkaGateway.Producing;

/// <summary>
/// Maps Kafka delivery failures to HTTP answers that say exactly what happened: 503 when nothing was written
/// (retry safely), 504 when the record may have been written, 4xx when retrying cannot help, and 500
/// <c>partially_persisted</c> when some records of a batch are in Kafka and others are not.
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

    /// <summary>The code of a batch of which some records are in Kafka and some are not (or may not be).</summary>
    public const string PartiallyPersisted = "partially_persisted";

    /// <summary>
    /// Some records are in Kafka, others not or maybe not. No Retry-After: retrying the request would write the
    /// persisted records again; only the records marked <c>not_persisted</c> may be sent again.
    /// </summary>
    public static GatewayException PartialFailure(IReadOnlyList<RecordOutcome> outcomes, int persisted, int possiblyPersisted, string detail)
    {
        var notPersisted = outcomes.Count - persisted - possiblyPersisted;
        return new GatewayException(StatusCodes.Status500InternalServerError, PartiallyPersisted, "Only some records were written",
            $"{persisted} of {outcomes.Count} record(s) are in Kafka, {notPersisted} not written, {possiblyPersisted} may have been written; " +
            $"each record's outcome is in 'records'. Do not retry the request: send again only the records marked not_persisted. {detail}")
        {
            Extensions = { ["records"] = outcomes },
        };
    }

    /// <summary>
    /// Whether sending <paramref name="outcome"/>'s record again can succeed without writing it twice: it was not
    /// written, and not for a reason that a retry meets again (too large, invalid, not authorized, unknown topic).
    /// </summary>
    public static bool IsRetriable(RecordOutcome outcome) =>
        outcome.Status == "not_persisted"
        && (!Enum.TryParse<ErrorCode>(outcome.Error, out var code) || Classify(code, PersistenceStatus.NotPersisted).Status >= 500);

    public static GatewayException Failure(IReadOnlyList<RecordOutcome> outcomes, (int Status, string Code, string Title, int? RetryAfter) worst, string detail) =>
        new(worst.Status, worst.Code, worst.Title, detail)
        {
            RetryAfterSeconds = worst.RetryAfter,
            Extensions = { ["records"] = outcomes },
        };
}
