using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;

namespace KafkaGateway.Producing;

/// <summary>
/// Maps Kafka delivery failures to HTTP answers that say exactly what happened: 503 when nothing was written
/// (retry safely), 504 when the record may have been written, 4xx when retrying cannot help, and 500
/// <c>partially_persisted</c> when some records of a batch are in Kafka and others are not.
/// </summary>
internal static class DeliveryOutcomes
{
    /// <summary>The answer for one record's delivery failure (<see cref="KafkaErrorMapper.MapDelivery"/>).</summary>
    public static GatewayError Classify(ErrorCode error, PersistenceStatus status) => KafkaErrorMapper.MapDelivery(error, status);

    public static string StatusName(PersistenceStatus status) => status switch
    {
        PersistenceStatus.Persisted => PersistedStatus,
        PersistenceStatus.PossiblyPersisted => "possibly_persisted",
        _ => NotPersistedStatus,
    };

    /// <summary>The per-record status of a record that is in Kafka.</summary>
    public const string PersistedStatus = "persisted";

    /// <summary>The per-record status of a record that was not written.</summary>
    public const string NotPersistedStatus = "not_persisted";

    /// <summary>The code of a batch of which some records are in Kafka and some are not (or may not be).</summary>
    public static string PartiallyPersisted => GatewayErrors.PartiallyPersisted.Code;

    /// <summary>
    /// Some records are in Kafka, others not or maybe not. No Retry-After: retrying the request would write the
    /// persisted records again; only the records marked <c>not_persisted</c> may be sent again.
    /// </summary>
    public static GatewayException PartialFailure(IReadOnlyList<RecordOutcome> outcomes, int persisted, int possiblyPersisted, string detail)
    {
        var notPersisted = outcomes.Count - persisted - possiblyPersisted;
        return new GatewayException(GatewayErrors.PartiallyPersisted,
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
        outcome.Status == NotPersistedStatus
        && (!Enum.TryParse<ErrorCode>(outcome.Error, out var code) || Classify(code, PersistenceStatus.NotPersisted).Status >= 500);

    public static GatewayException Failure(IReadOnlyList<RecordOutcome> outcomes, GatewayError worst, string detail) =>
        new(worst, detail)
        {
            Extensions = { ["records"] = outcomes },
        };
}
