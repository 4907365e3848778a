using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using FluentValidation.Results;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using KafkaGateway.Producing;
using KafkaGateway.Streaming;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.ApiDocument;

/// <summary>
/// Error examples built by the code that answers the error (Kafka error mapping, embedded-cluster limits, validation,
/// resume tokens, reserved topics) or from the error catalogue (<see cref="GatewayErrors"/>), turned into the body by
/// <see cref="GatewayProblemWriter"/>, so a renamed <c>code</c> shows up in the document too.
/// </summary>
internal static class ProblemExamples
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>The ProblemDetails example of <paramref name="status"/> for <paramref name="operationId"/>.</summary>
    public static JsonNode For(string operationId, int status, LiveExamples live, string? embeddedLimit)
    {
        var t = live.Topic;
        ProblemDetails problem = status switch
        {
            400 when operationId.StartsWith("TopicStream.", StringComparison.Ordinal) || operationId == "ConsumerGroupCommits.Commit"
                => Thrown(() => TopicStreamController.ParseToken(t, ResumeToken.For("another-topic", new Dictionary<int, long> { [0] = 0 }).Encode(), "cursor")),
            400 when operationId == "Topics.CreatePartitions" => Kafka(ErrorCode.InvalidPartitions, $"Topic '{t}' has {live.Partitions} partitions; 'count' must be larger (partitions can only be added)."),
            400 when operationId == "Topics.DeleteRecords" => Kafka(ErrorCode.OffsetOutOfRange, "The offset is beyond the partition's high watermark."),
            400 when operationId == "Topics.CreateTopic" => Gateway(ValidationProblems.ToException([new ValidationFailure("Partitions", "partitions must be at least 1.")])),
            400 => Gateway(ValidationProblems.ToException([new ValidationFailure("", "A JSON body is required.")])),
            403 => Thrown(() => new ReservedTopics("_schemas").EnsureNotReserved("_schemas", "delete")),
            404 when operationId.StartsWith("Topics.", StringComparison.Ordinal) => Kafka(ErrorCode.UnknownTopicOrPart, $"Topic '{t}-missing' does not exist."),
            404 when operationId.StartsWith("ConsumerGroups.", StringComparison.Ordinal) => Kafka(ErrorCode.GroupIdNotFound, "Group 'billing-missing' does not exist."),
            404 when operationId.StartsWith("Brokers.", StringComparison.Ordinal) => Kafka(ErrorCode.Local_UnknownBroker, "Broker 7 is not in the cluster (brokers: 1, 2, 3)."),
            404 => Gateway(GatewayErrors.TopicNotFound.ToException($"Topic '{t}-missing' does not exist.")),
            409 when operationId == "Topics.CreateTopic" => Kafka(ErrorCode.TopicAlreadyExists, $"Topic '{t}' already exists."),
            409 when operationId == "Produce.Produce" => Gateway(GatewayErrors.IdempotencyInProgress.ToException(
                "A request with this Idempotency-Key is still being written; retry with the same key.")),
            409 => Kafka(ErrorCode.NonEmptyGroup, "The group has active members."),
            413 => Gateway(GatewayErrors.PayloadTooLarge.ToException("Request body too large.")),
            422 when operationId == "Produce.Produce" => Gateway(RecordProducer.Invalid([new ProduceError(0, "$.records[0].value.value", "expected double, got string \"warm\"")])),
            422 => Kafka(ErrorCode.PolicyViolation, "The cluster's create-topic policy refused the request."),
            429 when operationId == "TopicStream.Records" => Gateway(GatewayErrors.TooManyBrowses.ToException("Too many browse requests at once; retry later.")),
            429 => Gateway(GatewayErrors.TooManyStreams.ToException("Too many open streams for this client; retry later.")),
            500 => Gateway(GatewayErrors.PartiallyPersisted.ToException("1 of 2 record(s) persisted; send again only the records marked not_persisted.")),
            501 => Gateway(EmbeddedClusterLimits.NotSupported(embeddedLimit ?? "this operation")),
            503 => Gateway(KafkaErrorMapper.ToGatewayException(new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"))),
            504 => Gateway(KafkaErrorMapper.ToGatewayException(new Error(ErrorCode.Local_TimedOut, "Local: Timed out"))),
            _ => Gateway(GatewayErrors.ForStatus(status).ToException("The request failed.")),
        };
        problem.Extensions["traceId"] = OperationExamples.ExampleTraceId;
        return JsonSerializer.SerializeToNode(problem, s_json)!;
    }

    private static ProblemDetails Kafka(ErrorCode code, string reason) => Gateway(KafkaErrorMapper.ToGatewayException(new Error(code, reason)));

    private static ProblemDetails Gateway(GatewayException exception) => GatewayProblemWriter.Create(exception);

    private static ProblemDetails Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (GatewayException exception)
        {
            return Gateway(exception);
        }

        throw new InvalidOperationException("The example's failure did not happen.");
    }
}
