using KafkaGateway.Security;
using Confluent.Kafka;
using KafkaGateway.Http;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Admin;

/// <summary>The Kafka cluster behind the gateway.</summary>
[ApiController]
[Route("cluster")]
[Produces("application/json")]
public sealed class ClusterController(ClusterDescriber describer) : ControllerBase
{
    /// <summary>Describes the cluster: id, controller, brokers and the bootstrap address for other Kafka clients.</summary>
    /// <response code="200">The cluster.</response>
    /// <response code="503">Kafka did not answer in time.</response>
    [GatewayAccess(GatewayPermission.Cluster, Global = true)]
    [HttpGet]
    [ProducesResponseType<ClusterInfo>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<ClusterInfo> GetCluster(CancellationToken cancellationToken)
    {
        try
        {
            return await describer.DescribeAsync(cancellationToken);
        }
        catch (KafkaException ex)
        {
            throw KafkaUnavailable(ex);
        }
    }

    private static GatewayException KafkaUnavailable(KafkaException ex) =>
        Kafka.KafkaErrorMapper.Unavailable($"Kafka did not answer: {ex.Error.Reason} ({ex.Error.Code}).", ex.Error, ex);
}
