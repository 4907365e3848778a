using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Kafka;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaErrorMapperTests
{
    [Theory]
    [InlineData(ErrorCode.TopicAlreadyExists, 409, "topic_already_exists")]
    [InlineData(ErrorCode.UnknownTopicOrPart, 404, "topic_not_found")]
    [InlineData(ErrorCode.Local_UnknownPartition, 404, "partition_not_found")]
    [InlineData(ErrorCode.MsgSizeTooLarge, 413, "record_too_large")]
    [InlineData(ErrorCode.GroupIdNotFound, 404, "group_not_found")]
    [InlineData(ErrorCode.InvalidReplicationFactor, 400, "invalid_replication_factor")]
    [InlineData(ErrorCode.InvalidPartitions, 400, "invalid_partitions")]
    [InlineData(ErrorCode.InvalidConfig, 400, "invalid_config")]
    [InlineData(ErrorCode.PolicyViolation, 422, "policy_violation")]
    [InlineData(ErrorCode.TopicAuthorizationFailed, 403, "kafka_authorization_failed")]
    [InlineData(ErrorCode.GroupAuthorizationFailed, 403, "kafka_authorization_failed")]
    [InlineData(ErrorCode.NonEmptyGroup, 409, "group_not_empty")]
    [InlineData(ErrorCode.Local_TimedOut, 504, "kafka_timeout")]
    [InlineData(ErrorCode.RequestTimedOut, 504, "kafka_timeout")]
    [InlineData(ErrorCode.BrokerNotAvailable, 503, "kafka_unavailable")]
    [InlineData(ErrorCode.Local_AllBrokersDown, 503, "kafka_unavailable")]
    [InlineData(ErrorCode.Local_UnsupportedFeature, 501, "not_supported_by_cluster")]
    [InlineData(ErrorCode.UnsupportedVersion, 501, "not_supported_by_cluster")]
    [InlineData(ErrorCode.Unknown, 502, "kafka_error")]
    public void Map_KafkaError_StatusAndCode(ErrorCode error, int status, string code)
    {
        var mapping = KafkaErrorMapper.Map(error);

        Assert.Equal(status, mapping.Status);
        Assert.Equal(code, mapping.Code);
    }

    [Theory]
    [InlineData(ErrorCode.Local_QueueFull, PersistenceStatus.NotPersisted, 503, "producer_queue_full", 1)]
    [InlineData(ErrorCode.UnknownTopicOrPart, PersistenceStatus.PossiblyPersisted, 404, "topic_not_found", null)]
    [InlineData(ErrorCode.Local_UnknownPartition, PersistenceStatus.NotPersisted, 404, "partition_not_found", null)]
    [InlineData(ErrorCode.TopicAuthorizationFailed, PersistenceStatus.NotPersisted, 403, "kafka_authorization_failed", null)]
    [InlineData(ErrorCode.MsgSizeTooLarge, PersistenceStatus.NotPersisted, 413, "record_too_large", null)]
    [InlineData(ErrorCode.InvalidTimestamp, PersistenceStatus.NotPersisted, 422, "invalid_record", null)]
    [InlineData(ErrorCode.Local_MsgTimedOut, PersistenceStatus.PossiblyPersisted, 504, "delivery_unknown", null)]
    [InlineData(ErrorCode.Local_MsgTimedOut, PersistenceStatus.NotPersisted, 503, "not_persisted", 5)]
    // Errors that an admin request answers with their own code are, in a delivery report, about persistence only.
    [InlineData(ErrorCode.BrokerNotAvailable, PersistenceStatus.NotPersisted, 503, "not_persisted", 5)]
    [InlineData(ErrorCode.RequestTimedOut, PersistenceStatus.PossiblyPersisted, 504, "delivery_unknown", null)]
    [InlineData(ErrorCode.GroupAuthorizationFailed, PersistenceStatus.NotPersisted, 503, "not_persisted", 5)]
    public void MapDelivery_DeliveryFailure_AnswersWhatTheReportSays(ErrorCode error, PersistenceStatus status, int httpStatus, string code, int? retryAfter)
    {
        var mapped = KafkaErrorMapper.MapDelivery(error, status);

        Assert.Equal(httpStatus, mapped.Status);
        Assert.Equal(code, mapped.Code);
        Assert.Equal(retryAfter, mapped.RetryAfterSeconds);
    }

    [Fact]
    public void ToGatewayException_AdminPartialFailure_UsesTheNestedErrorAndNamesIt()
    {
        var exception = new CreateTopicsException([new CreateTopicReport { Topic = "t", Error = new Error(ErrorCode.TopicAlreadyExists, "Topic 't' already exists.") }]);

        var mapped = KafkaErrorMapper.ToGatewayException(exception);

        Assert.Equal(409, mapped.StatusCode);
        Assert.Equal("TopicAlreadyExists", mapped.Extensions["kafkaError"]);
        Assert.Contains("already exists", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToGatewayException_Unavailable_SetsRetryAfter() =>
        Assert.Equal(5, KafkaErrorMapper.ToGatewayException(new Error(ErrorCode.BrokerNotAvailable)).RetryAfterSeconds);
}
