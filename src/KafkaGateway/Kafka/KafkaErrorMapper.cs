using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Http;

namespace KafkaGateway.Kafka;

/// <summary>
/// The one place Kafka errors become catalogue answers (<see cref="GatewayErrors"/>): admin and metadata calls
/// through <see cref="Map"/>, delivery reports through <see cref="MapDelivery"/>, "Kafka did not answer" through
/// <see cref="Unavailable"/>. The Kafka error name travels in <c>kafkaError</c>. Admin results nest the real error per
/// topic, partition or group; <see cref="Unwrap"/> finds it.
/// </summary>
public static class KafkaErrorMapper
{
    /// <summary>The answer for <paramref name="code"/>, whichever route met it.</summary>
    public static GatewayError Map(ErrorCode code) => code switch
    {
        ErrorCode.TopicAlreadyExists => GatewayErrors.TopicAlreadyExists,
        // Kafka's UNKNOWN_TOPIC_OR_PARTITION names a topic in every request the gateway sends (metadata, produce, admin).
        ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.UnknownTopicId => GatewayErrors.TopicNotFound,
        ErrorCode.Local_UnknownPartition => GatewayErrors.PartitionNotFound,
        ErrorCode.GroupIdNotFound or ErrorCode.Local_UnknownGroup => GatewayErrors.GroupNotFound,
        ErrorCode.Local_UnknownBroker => GatewayErrors.BrokerNotFound,
        ErrorCode.InvalidReplicationFactor => GatewayErrors.InvalidReplicationFactor,
        ErrorCode.InvalidPartitions => GatewayErrors.InvalidPartitions,
        ErrorCode.InvalidReplicaAssignment => GatewayErrors.InvalidReplicaAssignment,
        ErrorCode.InvalidConfig => GatewayErrors.InvalidConfig,
        ErrorCode.InvalidRequest or ErrorCode.Local_InvalidArg => GatewayErrors.InvalidRequest,
        ErrorCode.OffsetOutOfRange => GatewayErrors.OffsetOutOfRange,
        ErrorCode.PolicyViolation => GatewayErrors.PolicyViolation,
        ErrorCode.TopicDeletionDisabled => GatewayErrors.TopicDeletionDisabled,
        ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge => GatewayErrors.RecordTooLarge,
        ErrorCode.InvalidRecord or ErrorCode.InvalidMsg or ErrorCode.InvalidTimestamp => GatewayErrors.InvalidRecord,
        ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed
            or ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Authentication
            => GatewayErrors.KafkaAuthorizationFailed,
        ErrorCode.NonEmptyGroup or ErrorCode.UnknownMemberId or ErrorCode.GroupSubscribedToTopic => GatewayErrors.GroupNotEmpty,
        ErrorCode.ReassignmentInProgress or ErrorCode.RebalanceInProgress => GatewayErrors.KafkaConflict,
        ErrorCode.Local_QueueFull => GatewayErrors.ProducerQueueFull,
        ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut or ErrorCode.Local_TimedOutQueue => GatewayErrors.KafkaTimeout,
        ErrorCode.BrokerNotAvailable or ErrorCode.LeaderNotAvailable or ErrorCode.NotController or ErrorCode.NotLeaderForPartition
            or ErrorCode.GroupCoordinatorNotAvailable or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress
            or ErrorCode.NetworkException or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown
            or ErrorCode.Local_WaitCoord or ErrorCode.NotEnoughReplicas or ErrorCode.ThrottlingQuotaExceeded => GatewayErrors.KafkaUnavailable,
        ErrorCode.Local_UnsupportedFeature or ErrorCode.UnsupportedVersion or ErrorCode.Local_NotImplemented
            or ErrorCode.SecurityDisabled => GatewayErrors.NotSupportedByCluster,
        _ => GatewayErrors.KafkaError,
    };

    /// <summary>
    /// The answer for one record's delivery failure. An error about the record itself (where it goes, what it is,
    /// who sends it, the full local queue) keeps its own answer, whatever the report says about persistence: a retry
    /// meets it again, or (queue full) nothing was written. Every other failure is answered by what the report says:
    /// 504 <c>delivery_unknown</c> when the record may have been written, else 503 <c>not_persisted</c> (retry).
    /// </summary>
    public static GatewayError MapDelivery(ErrorCode code, PersistenceStatus status) => code switch
    {
        ErrorCode.Local_QueueFull or ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition
            or ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.SaslAuthenticationFailed
            or ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge
            or ErrorCode.InvalidRecord or ErrorCode.InvalidMsg or ErrorCode.InvalidTimestamp => Map(code),
        _ when status == PersistenceStatus.PossiblyPersisted => GatewayErrors.DeliveryUnknown,
        _ => GatewayErrors.NotPersisted,
    };

    /// <summary>The ProblemDetails-ready exception for a Kafka failure.</summary>
    public static GatewayException ToGatewayException(KafkaException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return ToGatewayException(Unwrap(exception), exception);
    }

    /// <summary>The ProblemDetails-ready exception for <paramref name="error"/>.</summary>
    public static GatewayException ToGatewayException(Error error, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var reason = string.IsNullOrWhiteSpace(error.Reason) ? error.Code.ToString() : error.Reason;
        return new GatewayException(Map(error.Code), $"Kafka answered {error.Code}: {reason}", inner)
        {
            Extensions = { ["kafkaError"] = error.Code.ToString() },
        };
    }

    /// <summary>
    /// 503 <c>kafka_unavailable</c> for a request Kafka did not answer (metadata, a read, a describe) whatever the
    /// error was: nothing was done, and the client may retry after <c>Retry-After</c>.
    /// </summary>
    /// <param name="detail">What did not happen, for the client.</param>
    /// <param name="error">Kafka's error, named in <c>kafkaError</c> when known.</param>
    /// <param name="inner">The exception, for the logs.</param>
    public static GatewayException Unavailable(string detail, Error? error = null, Exception? inner = null)
    {
        var unavailable = new GatewayException(GatewayErrors.KafkaUnavailable, detail, inner);
        if (error is not null)
        {
            unavailable.Extensions["kafkaError"] = error.Code.ToString();
        }

        return unavailable;
    }

    /// <summary>
    /// The most specific error: admin operations report <see cref="ErrorCode.Local_Partial"/> on top and the real
    /// error per topic, partition or group inside their results.
    /// </summary>
    public static Error Unwrap(KafkaException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        IEnumerable<Error> inner = exception switch
        {
            CreateTopicsException e => e.Results.Select(r => r.Error),
            DeleteTopicsException e => e.Results.Select(r => r.Error),
            CreatePartitionsException e => e.Results.Select(r => r.Error),
            DescribeConfigsException e => e.Results.Select(r => r.Error),
            IncrementalAlterConfigsException e => e.Results.Select(r => r.Error),
            DeleteRecordsException e => e.Results.Select(r => r.Error),
            DescribeConsumerGroupsException e => e.Results.ConsumerGroupDescriptions.Select(r => r.Error),
            DeleteGroupsException e => e.Results.Select(r => r.Error),
            ListConsumerGroupOffsetsException e => e.Results.SelectMany(r => r.Partitions.Select(p => p.Error).Prepend(r.Error)),
            AlterConsumerGroupOffsetsException e => e.Results.SelectMany(r => r.Partitions.Select(p => p.Error).Prepend(r.Error)),
            ListOffsetsException e => e.Result.ResultInfos.Select(r => r.TopicPartitionOffsetError.Error),
            _ => [],
        };
        return inner.FirstOrDefault(e => e is not null && e.Code != ErrorCode.NoError) ?? exception.Error;
    }
}
