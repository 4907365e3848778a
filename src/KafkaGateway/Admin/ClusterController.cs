using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Admin;

/// <summary>The Kafka cluster behind the gateway.</summary>
[ApiController]
[Route("cluster")]
[Produces("application/json")]
public sealed class ClusterController(IAdminClient admin, KafkaConnection connection, IOptions<KafkaOptions> options) : ControllerBase
{
    /// <summary>Describes the cluster: id, controller, brokers and the bootstrap address for other Kafka clients.</summary>
    /// <response code="200">The cluster.</response>
    /// <response code="503">Kafka did not answer in time.</response>
    [HttpGet]
    [ProducesResponseType<ClusterInfo>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<ClusterInfo> GetCluster(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.MetadataTimeoutSeconds);
        try
        {
            if (connection.EmbeddedCluster is { } embedded)
            {
                // The embedded mock has no DescribeCluster API: brokers from metadata, id from the mock itself.
                var metadata = await Task.Run(() => admin.GetMetadata(timeout), cancellationToken);
                var (clusterId, controllerId) = await Task.Run(() => embedded.DescribeCluster(timeout), cancellationToken);
                var brokerIds = metadata.Brokers.Select(b => b.BrokerId).ToHashSet();
                return new ClusterInfo(
                    clusterId,
                    connection.BootstrapServers,
                    Embedded: true,
                    controllerId is { } id && brokerIds.Contains(id) ? id : null,
                    metadata.Brokers.OrderBy(b => b.BrokerId).Select(b => new BrokerInfo(b.BrokerId, b.Host, b.Port, null)).ToArray());
            }

            var description = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = timeout });
            return new ClusterInfo(
                description.ClusterId,
                connection.BootstrapServers,
                Embedded: false,
                description.Controller?.Id,
                description.Nodes.OrderBy(n => n.Id).Select(n => new BrokerInfo(n.Id, n.Host, n.Port, n.Rack)).ToArray());
        }
        catch (KafkaException ex)
        {
            throw KafkaUnavailable(ex);
        }
    }

    private static GatewayException KafkaUnavailable(KafkaException ex) =>
        new(StatusCodes.Status503ServiceUnavailable, "kafka_unavailable", "Kafka is unavailable",
            $"Kafka did not answer: {ex.Error.Reason} ({ex.Error.Code}).", ex)
        {
            RetryAfterSeconds = 5,
            Extensions = { ["kafkaError"] = ex.Error.Code.ToString() },
        };
}
