using KafkaGateway.Security;
using Confluent.Kafka;
using FluentValidation;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Admin;

/// <summary>Topic administration: list, describe, create, delete, configs, partitions, record deletion.</summary>
/// <remarks>Only explicit templates: producing and browsing records under <c>/topics/{topic}</c> live in other controllers.</remarks>
[ApiController]
[Route("topics")]
[Produces("application/json")]
[KafkaErrors]
public sealed class TopicsController(
    IKafkaAdminOperations operations,
    ReservedTopics reserved,
    IOptions<AdminOptions> options,
    ILogger<TopicsController> logger) : ControllerBase
{
    /// <summary>Lists the topics with their partition count and replication factor.</summary>
    /// <param name="includeInternal">Also list Kafka's internal topics (<c>__consumer_offsets</c>, ...).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The topics, by name.</response>
    /// <response code="503">Kafka is unavailable.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("")]
    [ProducesResponseType<IReadOnlyList<TopicSummary>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<IReadOnlyList<TopicSummary>> ListTopics([FromQuery] bool includeInternal, CancellationToken cancellationToken)
    {
        var topology = await operations.GetTopologyAsync(cancellationToken);
        return topology.Topics
            .Where(t => includeInternal || !t.Internal)
            .Select(t => new TopicSummary(t.Name, t.Partitions.Count, t.ReplicationFactor, t.Internal))
            .ToArray();
    }

    /// <summary>Describes a topic: per partition the leader, replicas, in-sync replicas, watermarks and message count; its configs where the cluster can describe them; and its value/key subjects with their latest schema id, version and format.</summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="schemas">The topic's subjects and schemas.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The topic.</response>
    /// <response code="404">No such topic (<c>topic_not_found</c>).</response>
    [GatewayAccess(AccessKind.Describe)]
    [HttpGet("{topic}")]
    [ProducesResponseType<TopicDetail>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<TopicDetail> DescribeTopic(string topic, [FromServices] KafkaGateway.Schemas.TopicSchemaDescriber schemas, CancellationToken cancellationToken)
    {
        var layout = await RequireTopicAsync(topic, cancellationToken);
        var watermarksTask = operations.GetWatermarksAsync(
            layout.Partitions.Select(p => new TopicPartition(topic, p.Partition)).ToArray(), cancellationToken);
        var configsTask = TryDescribeConfigsAsync(topic, cancellationToken);
        var encodingsTask = schemas.DescribeAsync(topic, cancellationToken);
        var watermarks = (await watermarksTask).ToDictionary(w => w.Partition);
        var (configs, note) = await configsTask;
        var encodings = await encodingsTask;

        var partitions = layout.Partitions.Select(p =>
        {
            var w = watermarks.GetValueOrDefault(p.Partition) ?? new PartitionWatermarks(topic, p.Partition, 0, 0);
            return new PartitionDetail(p.Partition, p.Leader, p.Replicas, p.Isr, w.Low, w.High, Math.Max(0, w.High - w.Low));
        }).ToArray();
        return new TopicDetail(topic, layout.Internal, layout.ReplicationFactor, partitions.Sum(p => p.MessageCount), partitions,
            configs?.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal), note is null ? null : [note], encodings);
    }

    /// <summary>Creates a topic. The answer carries <c>warnings</c> for legal but risky names (with '.' or '_').</summary>
    /// <param name="request">Name, partitions (default 1), replication factor (default -1: broker default) and topic configs.</param>
    /// <param name="validator">Request validation.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="201">Created; <c>Location</c> is the topic.</response>
    /// <response code="400">Invalid name, partitions, replication factor or config name (<c>validation_failed</c>), or Kafka refused them.</response>
    /// <response code="409">The topic exists (<c>topic_already_exists</c>).</response>
    /// <response code="422">The cluster's create-topic policy refused it.</response>
    /// <response code="501">The embedded cluster cannot create topics with configs.</response>
    [GatewayAccess(GatewayPermission.Admin, Global = true)]
    [HttpPost("")]
    [Consumes("application/json")]
    [ProducesResponseType<CreatedTopic>(StatusCodes.Status201Created)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<ActionResult<CreatedTopic>> CreateTopic(
        CreateTopicRequest request, [FromServices] IValidator<CreateTopicRequest> validator, CancellationToken cancellationToken)
    {
        await validator.ValidateAndThrowProblemAsync(request, cancellationToken);
        var configs = request.Configs ?? [];
        var name = request.Name!;
        await operations.CreateTopicAsync(new NewTopic(name, request.Partitions, (short)request.ReplicationFactor, configs), cancellationToken);
        AdminLog.TopicCreated(logger, name, request.Partitions, request.ReplicationFactor);
        return Created($"/topics/{Uri.EscapeDataString(name)}",
            new CreatedTopic(name, request.Partitions, request.ReplicationFactor, configs, TopicNameRules.Warnings(name)));
    }

    /// <summary>Deletes a topic and all its records.</summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="204">Deleted.</response>
    /// <response code="403"><c>reserved_topic</c>: the schema registry's topic or an internal (<c>__</c>) topic, whatever the rules grant.</response>
    /// <response code="404">No such topic.</response>
    /// <response code="422">Topic deletion is disabled on the cluster.</response>
    /// <response code="501">The embedded cluster cannot delete topics.</response>
    [GatewayAccess(GatewayPermission.Admin)]
    [HttpDelete("{topic}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<IActionResult> DeleteTopic(string topic, CancellationToken cancellationToken)
    {
        reserved.EnsureNotReserved(topic, "delete");
        await operations.DeleteTopicAsync(topic, cancellationToken);
        AdminLog.TopicDeleted(logger, topic);
        return NoContent();
    }

    /// <summary>Lists a topic's configuration entries with their source (default, dynamic, ...).</summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The configs.</response>
    /// <response code="404">No such topic.</response>
    /// <response code="501">The cluster cannot describe configs.</response>
    [GatewayAccess(AccessKind.Describe)]
    [HttpGet("{topic}/configs")]
    [ProducesResponseType<ConfigsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<ConfigsResponse> GetTopicConfigs(string topic, CancellationToken cancellationToken)
    {
        await RequireTopicAsync(topic, cancellationToken);
        return new ConfigsResponse(topic, await operations.DescribeConfigsAsync(ConfigTarget.Topic, topic, null, cancellationToken));
    }

    /// <summary>
    /// Changes a topic's configs incrementally: <c>{"set":{"retention.ms":"86400000"},"delete":["cleanup.policy"]}</c>
    /// sets the entries in <c>set</c>, returns those in <c>delete</c> to their defaults and leaves every other entry alone.
    /// </summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="request">Entries to set and to delete.</param>
    /// <param name="validator">Request validation.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The configs after the change.</response>
    /// <response code="403"><c>reserved_topic</c>: the schema registry's topic or an internal (<c>__</c>) topic, whatever the rules grant.</response>
    /// <response code="400">Unknown config names (with the closest known name) or values Kafka refused.</response>
    /// <response code="404">No such topic.</response>
    /// <response code="501">The cluster cannot change configs.</response>
    [GatewayAccess(GatewayPermission.Admin)]
    [HttpPatch("{topic}/configs")]
    [Consumes("application/json")]
    [ProducesResponseType<ConfigsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<ConfigsResponse> AlterTopicConfigs(string topic, AlterTopicConfigsRequest request,
        [FromServices] IValidator<AlterTopicConfigsRequest> validator, CancellationToken cancellationToken)
    {
        reserved.EnsureNotReserved(topic, "change the configs of");
        await validator.ValidateAndThrowProblemAsync(request, cancellationToken);
        await RequireTopicAsync(topic, cancellationToken);
        var set = request.Set ?? [];
        var delete = request.Delete ?? [];
        await operations.AlterTopicConfigsAsync(topic, set, delete, cancellationToken);
        AdminLog.TopicConfigsAltered(logger, topic, set.Keys, delete);
        return new ConfigsResponse(topic, await operations.DescribeConfigsAsync(ConfigTarget.Topic, topic, null, cancellationToken));
    }

    /// <summary>Increases a topic's partition count to <c>count</c> (partitions can only be added; keyed records may move to other partitions).</summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="request">The new total partition count.</param>
    /// <param name="validator">Request validation.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Increased.</response>
    /// <response code="403"><c>reserved_topic</c>: the schema registry's topic or an internal (<c>__</c>) topic, whatever the rules grant.</response>
    /// <response code="400">The count is not larger than the current one (<c>invalid_partitions</c>).</response>
    /// <response code="404">No such topic.</response>
    /// <response code="501">The embedded cluster cannot add partitions.</response>
    [GatewayAccess(GatewayPermission.Admin)]
    [HttpPost("{topic}/partitions")]
    [Consumes("application/json")]
    [ProducesResponseType<PartitionsIncreased>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<PartitionsIncreased> CreatePartitions(string topic, CreatePartitionsRequest request,
        [FromServices] IValidator<CreatePartitionsRequest> validator, CancellationToken cancellationToken)
    {
        reserved.EnsureNotReserved(topic, "add partitions to");
        await validator.ValidateAndThrowProblemAsync(request, cancellationToken);
        var layout = await RequireTopicAsync(topic, cancellationToken);
        if (request.Count <= layout.Partitions.Count)
        {
            throw new KafkaException(new Error(ErrorCode.InvalidPartitions,
                $"Topic '{topic}' has {layout.Partitions.Count} partitions; 'count' must be larger (partitions can only be added)."));
        }

        await operations.CreatePartitionsAsync(topic, request.Count, cancellationToken);
        AdminLog.PartitionsIncreased(logger, topic, layout.Partitions.Count, request.Count);
        return new PartitionsIncreased(topic, layout.Partitions.Count, request.Count);
    }

    /// <summary>Deletes the records of the given partitions before <c>beforeOffset</c> (-1: all records); answers the new low watermarks.</summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="request">Partitions and offsets.</param>
    /// <param name="validator">Request validation.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Deleted.</response>
    /// <response code="403"><c>reserved_topic</c>: the schema registry's topic or an internal (<c>__</c>) topic, whatever the rules grant.</response>
    /// <response code="400">Invalid partitions or offsets beyond the high watermark (<c>offset_out_of_range</c>).</response>
    /// <response code="404">No such topic or partition.</response>
    /// <response code="501">The cluster cannot delete records.</response>
    [GatewayAccess(GatewayPermission.Admin)]
    [HttpPost("{topic}/delete-records")]
    [Consumes("application/json")]
    [ProducesResponseType<RecordsDeleted>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<RecordsDeleted> DeleteRecords(string topic, DeleteRecordsRequest request,
        [FromServices] IValidator<DeleteRecordsRequest> validator, CancellationToken cancellationToken)
    {
        reserved.EnsureNotReserved(topic, "delete records of");
        await validator.ValidateAndThrowProblemAsync(request, cancellationToken);
        var layout = await RequireTopicAsync(topic, cancellationToken);
        var existing = layout.Partitions.Select(p => p.Partition).ToHashSet();
        if (request.Partitions!.FirstOrDefault(p => !existing.Contains(p.Partition)) is { } missing)
        {
            throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPart, $"Topic '{topic}' has no partition {missing.Partition}."));
        }

        var deleted = await operations.DeleteRecordsAsync(
            request.Partitions!.Select(p => new TopicPartitionOffset(topic, p.Partition, p.BeforeOffset)).ToArray(), cancellationToken);
        AdminLog.RecordsDeleted(logger, topic, deleted.Count);
        return new RecordsDeleted(topic, deleted
            .OrderBy(d => d.Partition.Value)
            .Select(d => new PartitionLowWatermark(d.Partition.Value, d.Offset.Value))
            .ToArray());
    }

    private async Task<TopicLayout> RequireTopicAsync(string topic, CancellationToken cancellationToken)
    {
        var topology = await operations.GetTopologyAsync(cancellationToken);
        return topology.Find(topic)
            ?? throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPart, $"Topic '{topic}' does not exist."));
    }

    private async Task<(IReadOnlyList<ConfigValue>? Configs, string? Note)> TryDescribeConfigsAsync(string topic, CancellationToken cancellationToken)
    {
        try
        {
            var budget = TimeSpan.FromSeconds(options.Value.DescribeConfigsBudgetSeconds);
            return (await operations.DescribeConfigsAsync(ConfigTarget.Topic, topic, budget, cancellationToken), null);
        }
        catch (Exception ex) when (ex is KafkaException or GatewayException)
        {
            var reason = ex is KafkaException kafka ? KafkaErrorMapper.Unwrap(kafka).ToString() : ex.Message;
            AdminLog.TopicConfigsOmitted(logger, topic, reason);
            return (null, $"Configs omitted: the cluster did not describe them (DescribeConfigs): {reason}");
        }
    }
}
