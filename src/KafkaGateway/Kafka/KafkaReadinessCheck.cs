using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>Ready when a Kafka broker answers a metadata request within <see cref="KafkaOptions.MetadataTimeoutSeconds"/>.</summary>
internal sealed class KafkaReadinessCheck(IAdminClient admin, KafkaConnection connection, IOptions<KafkaOptions> options, KafkaClientErrors errors,
    KafkaBlockingCalls blockingCalls)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.MetadataTimeoutSeconds);
        var data = new Dictionary<string, object>
        {
            ["bootstrapServers"] = connection.BootstrapServers,
            ["embedded"] = connection.IsEmbedded,
        };
        try
        {
            // GetMetadata blocks its thread for up to the timeout; keep it off the request thread.
            var metadata = await blockingCalls.RunAsync(() => admin.GetMetadata(timeout), cancellationToken);
            data["brokers"] = metadata.Brokers.Count;
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy("Kafka metadata answered.", data)
                : HealthCheckResult.Unhealthy("Kafka answered metadata without brokers.", data: data);
        }
        catch (KafkaException ex)
        {
            var cause = errors.Recent() is { } recent ? $" Last Kafka client error: {recent.Reason}" : "";
            return HealthCheckResult.Unhealthy(
                $"Kafka metadata did not answer within {timeout.TotalSeconds:0}s: {ex.Error.Reason}.{cause}", data: data);
        }
    }
}
