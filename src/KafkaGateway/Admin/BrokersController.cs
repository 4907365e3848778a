using KafkaGateway.Security;
using Confluent.Kafka;
using KafkaGateway.Kafka;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Admin;

/// <summary>Brokers of the cluster.</summary>
[ApiController]
[Route("brokers")]
[Produces("application/json")]
[KafkaErrors]
public sealed class BrokersController(IKafkaAdminOperations operations) : ControllerBase
{
    /// <summary>Lists a broker's configuration entries with their source.</summary>
    /// <param name="id">Broker id (see <c>GET /cluster</c>).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The configs.</response>
    /// <response code="404">No such broker (<c>broker_not_found</c>).</response>
    /// <response code="501">The cluster cannot describe configs.</response>
    [GatewayAccess(GatewayPermission.Cluster, Global = true)]
    [HttpGet("{id:int}/configs")]
    [ProducesResponseType<ConfigsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status501NotImplemented)]
    public async Task<ConfigsResponse> GetBrokerConfigs(int id, CancellationToken cancellationToken)
    {
        var topology = await operations.GetTopologyAsync(cancellationToken);
        if (!topology.Brokers.Any(b => b.Id == id))
        {
            throw new KafkaException(new Error(ErrorCode.Local_UnknownBroker,
                $"Broker {id} is not in the cluster (brokers: {string.Join(", ", topology.Brokers.Select(b => b.Id))})."));
        }

        var resource = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ConfigsResponse(resource, await operations.DescribeConfigsAsync(ConfigTarget.Broker, resource, null, cancellationToken));
    }
}
