using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Admin;

/// <summary>
/// Describes the cluster from metadata (every broker answers it) enriched by DescribeCluster (cluster id,
/// controller, racks) where the cluster implements it. Clusters that do not (old brokers, the mock) are remembered
/// so later calls don't wait for it again.
/// </summary>
public sealed class ClusterDescriber(IAdminClient admin, KafkaConnection connection, IOptions<KafkaOptions> options, KafkaBlockingCalls blockingCalls)
{
    private static readonly TimeSpan s_describeBudget = TimeSpan.FromSeconds(2);
    private volatile bool _describeUnsupported;

    /// <summary>The cluster; throws <see cref="KafkaException"/> when Kafka does not answer metadata.</summary>
    public async Task<ClusterInfo> DescribeAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.MetadataTimeoutSeconds);
        var metadata = await blockingCalls.RunAsync(() => admin.GetMetadata(timeout), cancellationToken);
        var brokers = metadata.Brokers.OrderBy(b => b.BrokerId).Select(b => new BrokerInfo(b.BrokerId, b.Host, b.Port, null)).ToArray();
        var brokerIds = brokers.Select(b => b.Id).ToHashSet();

        if (connection.EmbeddedCluster is { } embedded)
        {
            var (clusterId, controllerId) = await blockingCalls.RunAsync(() => embedded.DescribeCluster(timeout), cancellationToken);
            return new ClusterInfo(clusterId, connection.BootstrapServers, Embedded: true,
                controllerId is { } id && brokerIds.Contains(id) ? id : null, brokers);
        }

        if (!_describeUnsupported)
        {
            try
            {
                var description = await admin.DescribeClusterAsync(new DescribeClusterOptions
                {
                    RequestTimeout = timeout < s_describeBudget ? timeout : s_describeBudget,
                });
                return new ClusterInfo(
                    description.ClusterId,
                    connection.BootstrapServers,
                    Embedded: false,
                    description.Controller?.Id,
                    description.Nodes.OrderBy(n => n.Id).Select(n => new BrokerInfo(n.Id, n.Host, n.Port, n.Rack)).ToArray());
            }
            catch (KafkaException)
            {
                // Metadata answered but DescribeCluster did not: the cluster does not implement it.
                _describeUnsupported = true;
            }
        }

        return new ClusterInfo(null, connection.BootstrapServers, Embedded: false, null, brokers);
    }
}
