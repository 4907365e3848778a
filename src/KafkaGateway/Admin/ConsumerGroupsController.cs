using KafkaGateway.Security;
using FluentValidation;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Admin;

/// <summary>Consumer groups: list, describe with lag, delete, reset offsets.</summary>
[ApiController]
[Route("consumer-groups")]
[Produces("application/json")]
[KafkaErrors]
public sealed class ConsumerGroupsController(
    IKafkaAdminOperations operations, ConsumerGroupInspector inspector, ILogger<ConsumerGroupsController> logger) : ControllerBase
{
    /// <summary>Lists the consumer groups with their state.</summary>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The groups, by id.</response>
    /// <response code="501">The cluster cannot list groups (e.g. the embedded cluster).</response>
    [GatewayAccess(GatewayPermission.Cluster, Global = true)]
    [HttpGet("")]
    [ProducesResponseType<IReadOnlyList<GroupListing>>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public Task<IReadOnlyList<GroupListing>> ListGroups(CancellationToken cancellationToken) => operations.ListGroupsAsync(cancellationToken);

    /// <summary>Describes a group: state, protocol, members with their assignments, committed offsets and lag per partition and in total.</summary>
    /// <param name="group">Group id.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The group; where the cluster cannot describe groups, without members and with a note.</response>
    /// <response code="404">No such group (<c>group_not_found</c>).</response>
    [GatewayAccess(GatewayPermission.Cluster, Global = true)]
    [HttpGet("{group}")]
    [ProducesResponseType<ConsumerGroupDetail>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public Task<ConsumerGroupDetail> DescribeGroup(string group, CancellationToken cancellationToken) =>
        inspector.DescribeAsync(group, cancellationToken);

    /// <summary>Deletes a group and its committed offsets; the group must have no active members.</summary>
    /// <param name="group">Group id.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="204">Deleted.</response>
    /// <response code="404">No such group.</response>
    /// <response code="409">The group has active members (<c>group_not_empty</c>).</response>
    /// <response code="501">The cluster cannot delete groups.</response>
    [GatewayAccess(GatewayPermission.Admin, Global = true)]
    [HttpDelete("{group}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<IActionResult> DeleteGroup(string group, CancellationToken cancellationToken)
    {
        await operations.DeleteGroupAsync(group, cancellationToken);
        AdminLog.GroupDeleted(logger, group);
        return NoContent();
    }

    /// <summary>
    /// Resets the group's committed offsets on one topic to <c>earliest</c>, <c>latest</c>, a <c>timestamp</c> or explicit
    /// <c>offsets</c>. Only while the group has no active members. With <c>"dryRun": true</c> nothing is committed and
    /// the answer shows what would be.
    /// </summary>
    /// <param name="group">Group id.</param>
    /// <param name="request">Topic, target and options.</param>
    /// <param name="validator">Request validation.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Previous and new offset per partition.</response>
    /// <response code="400">Invalid request, or an explicit offset outside the partition's watermarks.</response>
    /// <response code="404">No such topic or partition.</response>
    /// <response code="409">The group has active members (<c>group_not_empty</c>).</response>
    /// <response code="501">Embedded cluster only: the group has had members, and the embedded cluster then refuses commits from outside the group (<c>not_supported_by_embedded_cluster</c>).</response>
    [GatewayAccess(GatewayPermission.Admin, Global = true)]
    [HttpPost("{group}/offsets")]
    [Consumes("application/json")]
    [ProducesResponseType<OffsetsReset>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<OffsetsReset> ResetOffsets(string group, ResetOffsetsRequest request,
        [FromServices] IValidator<ResetOffsetsRequest> validator, CancellationToken cancellationToken)
    {
        await validator.ValidateAndThrowProblemAsync(request, cancellationToken);
        var result = await inspector.ResetAsync(group, request, cancellationToken);
        if (!result.DryRun)
        {
            AdminLog.OffsetsReset(logger, group, result.Topic, request.To!.Value, result.Partitions.Count);
        }

        return result;
    }
}
