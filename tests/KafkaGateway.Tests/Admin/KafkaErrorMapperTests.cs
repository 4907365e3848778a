using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Kafka;

namespace KafkaGateway.Tests.Admin;

public sealed class KafkaErrorMapperTests
{
    [Theory]
    [InlineData(ErrorCode.TopicAlreadyExists, 409, "topic_already_exists")]
    [InlineData(ErrorCode.UnknownTopicOrPart, 404, "unknown_topic_or_partition")]
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
