using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Http;

namespace KafkaGateway.Kafka;

/// <summary>How one Kafka error is answered over HTTP.</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Code">Stable gateway error code (ProblemDetails <c>code</c>).</param>
/// <param name="Title">Short human summary (ProblemDetails <c>title</c>).</param>
/// <param name="RetryAfterSeconds">Seconds to wait before retrying, for transient failures.</param>
public sealed record KafkaErrorMapping(int Status, string Code, string Title, int? RetryAfterSeconds = null);

/// <summary>
/// The one place Kafka errors become HTTP answers: status, stable <c>code</c>, and the Kafka error name in
/// <c>kafkaError</c>. Admin results nest the real error per topic, partition or group; <see cref="Unwrap"/> finds it.
/// </summary>
public static class KafkaErrorMapper
{
    private static readonly KafkaErrorMapping s_unavailable = new(StatusCodes.Status503ServiceUnavailable, "kafka_unavailable", "Kafka is unavailable", 5);
    private static readonly KafkaErrorMapping s_forbidden = new(StatusCodes.Status403Forbidden, "kafka_authorization_failed", "Kafka refused the gateway's credentials for this operation");
    private static readonly KafkaErrorMapping s_notSupported = new(StatusCodes.Status501NotImplemented, "not_supported_by_cluster", "The Kafka cluster does not support this operation");
    private static readonly KafkaErrorMapping s_timeout = new(StatusCodes.Status504GatewayTimeout, "kafka_timeout", "Kafka did not answer in time", 5);
    private static readonly KafkaErrorMapping s_fallback = new(StatusCodes.Status502BadGateway, "kafka_error", "Kafka reported an error");

    /// <summary>The HTTP answer for <paramref name="code"/>.</summary>
    public static KafkaErrorMapping Map(ErrorCode code) => code switch
    {
        ErrorCode.TopicAlreadyExists => new(StatusCodes.Status409Conflict, "topic_already_exists", "The topic already exists"),
        ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition or ErrorCode.UnknownTopicId
            => new(StatusCodes.Status404NotFound, "unknown_topic_or_partition", "No such topic or partition"),
        ErrorCode.GroupIdNotFound or ErrorCode.Local_UnknownGroup => new(StatusCodes.Status404NotFound, "group_not_found", "No such consumer group"),
        ErrorCode.Local_UnknownBroker => new(StatusCodes.Status404NotFound, "broker_not_found", "No such broker"),
        ErrorCode.InvalidReplicationFactor => new(StatusCodes.Status400BadRequest, "invalid_replication_factor", "Invalid replication factor"),
        ErrorCode.InvalidPartitions => new(StatusCodes.Status400BadRequest, "invalid_partitions", "Invalid number of partitions"),
        ErrorCode.InvalidReplicaAssignment => new(StatusCodes.Status400BadRequest, "invalid_replica_assignment", "Invalid replica assignment"),
        ErrorCode.InvalidConfig => new(StatusCodes.Status400BadRequest, "invalid_config", "Invalid configuration"),
        ErrorCode.InvalidRequest or ErrorCode.Local_InvalidArg => new(StatusCodes.Status400BadRequest, "invalid_request", "Kafka rejected the request"),
        ErrorCode.OffsetOutOfRange => new(StatusCodes.Status400BadRequest, "offset_out_of_range", "Offset out of range"),
        ErrorCode.PolicyViolation => new(StatusCodes.Status422UnprocessableEntity, "policy_violation", "The cluster's policy rejected the request"),
        ErrorCode.TopicDeletionDisabled => new(StatusCodes.Status422UnprocessableEntity, "topic_deletion_disabled", "Topic deletion is disabled on the cluster"),
        ErrorCode.TopicAuthorizationFailed or ErrorCode.GroupAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed
            or ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Authentication => s_forbidden,
        ErrorCode.NonEmptyGroup or ErrorCode.UnknownMemberId or ErrorCode.GroupSubscribedToTopic
            => new(StatusCodes.Status409Conflict, "group_not_empty", "The consumer group has active members"),
        ErrorCode.ReassignmentInProgress or ErrorCode.RebalanceInProgress => new(StatusCodes.Status409Conflict, "kafka_conflict", "Kafka is busy with a conflicting operation", 5),
        ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut or ErrorCode.Local_TimedOutQueue => s_timeout,
        ErrorCode.BrokerNotAvailable or ErrorCode.LeaderNotAvailable or ErrorCode.NotController or ErrorCode.NotLeaderForPartition
            or ErrorCode.GroupCoordinatorNotAvailable or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress
            or ErrorCode.NetworkException or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown
            or ErrorCode.Local_WaitCoord or ErrorCode.NotEnoughReplicas or ErrorCode.ThrottlingQuotaExceeded => s_unavailable,
        ErrorCode.Local_UnsupportedFeature or ErrorCode.UnsupportedVersion or ErrorCode.Local_NotImplemented
            or ErrorCode.SecurityDisabled => s_notSupported,
        _ => s_fallback,
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
        var mapping = Map(error.Code);
        var reason = string.IsNullOrWhiteSpace(error.Reason) ? error.Code.ToString() : error.Reason;
        return new GatewayException(mapping.Status, mapping.Code, mapping.Title, $"Kafka answered {error.Code}: {reason}", inner)
        {
            RetryAfterSeconds = mapping.RetryAfterSeconds,
            Extensions = { ["kafkaError"] = error.Code.ToString() },
        };
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
