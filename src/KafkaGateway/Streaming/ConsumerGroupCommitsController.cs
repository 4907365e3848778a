using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FluentValidation;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>The body of <c>POST /consumer-groups/{group}/commits</c>.</summary>
/// <param name="Topic">The topic the stream read.</param>
/// <param name="ResumeToken">The <c>id</c> of the last event the client has processed (or of <c>caught-up</c>/<c>end</c>).</param>
public sealed record CommitRequest(string? Topic, string? ResumeToken);

/// <summary>What was committed.</summary>
/// <param name="Group">The consumer group.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Offsets">The committed offset (the next one the group reads) per partition.</param>
public sealed record CommitResult(string Group, string Topic, IReadOnlyList<CommittedOffset> Offsets);

/// <summary>One partition's committed offset.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The next offset the group reads.</param>
public sealed record CommittedOffset(int Partition, long Offset);

/// <summary>Validates <see cref="CommitRequest"/>.</summary>
internal sealed class CommitRequestValidator : AbstractValidator<CommitRequest>
{
    public CommitRequestValidator()
    {
        RuleFor(r => r.Topic).NotEmpty().WithMessage("topic is required.");
        RuleFor(r => r.ResumeToken).NotEmpty().WithMessage("resumeToken is required: the id of the last processed event.");
    }
}

/// <summary>Commits a stream's progress for a consumer group: at-least-once over HTTP without state in the gateway.</summary>
[ApiController]
[Route("consumer-groups/{group}/commits")]
[Produces("application/json")]
[KafkaErrors]
public sealed class ConsumerGroupCommitsController(
    IAdminClient admin, TopicPartitionLookup lookup, AccessPolicy access, IValidator<CommitRequest> validator,
    IOptions<KafkaOptions> kafkaOptions, KafkaConnection connection) : ControllerBase
{
    /// <summary>Commits the offsets of a stream resume token for a consumer group.</summary>
    /// <remarks>
    /// Send the <c>id</c> of the last event you have processed from <c>GET /topics/{topic}/stream?group={group}</c>;
    /// the group's committed offsets become exactly the token's next offsets, so the next stream with
    /// <c>group=</c> (on any replica) and any Kafka consumer of the group continue after that event: at least once.
    /// Needs <c>consume</c> on the topic. Kafka accepts such commits only while the group has no active members
    /// (409 <c>group_not_empty</c> otherwise). The embedded cluster refuses them for any group a consumer has ever
    /// joined, even an empty one (501 <c>not_supported_by_embedded_cluster</c>).
    ///
    ///     curl -X POST https://gateway:8443/consumer-groups/billing/commits -H 'Content-Type: application/json' \
    ///       -d '{"topic": "orders", "resumeToken": "AQzN9tQ0dKtwAwABAgEDAQ"}'
    /// </remarks>
    /// <param name="group">The consumer group id.</param>
    /// <param name="request">The topic and the resume token.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">Committed; the offsets per partition.</response>
    /// <response code="400">Invalid body, a malformed token (<c>invalid_resume_token</c>) or one of another topic, or of a previous topic of the same name (<c>resume_token_topic_mismatch</c>).</response>
    /// <response code="403">No <c>consume</c> permission on the topic.</response>
    /// <response code="404">The topic does not exist (<c>topic_not_found</c>).</response>
    /// <response code="409">The group has active members (<c>group_not_empty</c>).</response>
    /// <response code="501">Embedded cluster only: the group has had members, and the embedded cluster then refuses commits from outside the group (<c>not_supported_by_embedded_cluster</c>).</response>
    /// <response code="503">Kafka did not answer (<c>kafka_unavailable</c>).</response>
    // The topic is in the body: the action checks consume on it before touching Kafka.
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpPost("")]
    [Consumes("application/json")]
    [ProducesResponseType<CommitResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public async Task<CommitResult> Commit(string group, CommitRequest request, CancellationToken cancellationToken)
    {
        await validator.ValidateAndThrowProblemAsync(request, cancellationToken);
        var topic = request.Topic!;
        TopicNames.EnsureValid(topic);
        access.EnsureAllowed(User, GatewayPermission.Consume, topic);
        var token = TopicStreamController.ParseToken(topic, request.ResumeToken!, "resumeToken");
        var topicIdLookup = lookup.GetTopicIdAsync(topic, cancellationToken);
        var partitions = await lookup.GetPartitionsAsync(topic, cancellationToken);
        TopicStreamController.RequireExisting(token.NextOffsets.Keys.ToHashSet(), partitions, "resumeToken");
        if (token.IsOfRecreatedTopic(await topicIdLookup))
        {
            // Its offsets are positions in the deleted topic's log: committed, the group would skip records of the new one.
            throw new GatewayException(GatewayErrors.ResumeTokenTopicMismatch,
                $"The resumeToken was issued for a previous topic named '{topic}', deleted and created again since (another topic id); nothing was committed.");
        }

        var offsets = token.NextOffsets.OrderBy(p => p.Key).Select(p => new TopicPartitionOffset(topic, p.Key, p.Value)).ToList();
        var timeout = TimeSpan.FromSeconds(Math.Max(5, kafkaOptions.Value.MetadataTimeoutSeconds));
        try
        {
            await admin.AlterConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitionOffsets(group, offsets)], new AlterConsumerGroupOffsetsOptions { RequestTimeout = timeout });
        }
        catch (KafkaException ex) when (connection.IsEmbedded && EmbeddedClusterLimits.IsUnknownMember(ex))
        {
            // The embedded cluster refuses commits from outside a group that ever had members, even an empty one.
            throw EmbeddedClusterLimits.GroupHadMembers("committing for a consumer group that has had members", group);
        }
        catch (AlterConsumerGroupOffsetsException ex)
            when (ex.Results.SelectMany(r => r.Partitions).FirstOrDefault(p => p.Error.IsError) is { } failed)
        {
            // The per-partition error says why (e.g. UNKNOWN_MEMBER_ID: the group has active members).
            throw new KafkaException(failed.Error);
        }

        return new CommitResult(group, topic, offsets.Select(o => new CommittedOffset(o.Partition.Value, o.Offset.Value)).ToArray());
    }
}
