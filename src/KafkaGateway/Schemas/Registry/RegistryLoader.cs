using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// Reads the registry topic to its end after start-up, retrying while Kafka is unreachable, so the gateway starts
/// (and reports not-ready) even when Kafka is down; registry requests wait for the load.
/// </summary>
internal sealed partial class RegistryLoader(BuiltInSchemaRegistry registry, ILogger<RegistryLoader> logger) : BackgroundService
{
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await registry.LoadAsync(stoppingToken);
                return;
            }
            catch (KafkaException ex)
            {
                LogLoadFailed(logger, registry.TopicName, ex.Error.Reason, s_retryDelay.TotalSeconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(s_retryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        LogStopped(logger, registry.TopicName);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading schema registry topic {Topic} failed ({Reason}); retrying in {Seconds}s.")]
    private static partial void LogLoadFailed(ILogger logger, string topic, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry loader stopped before topic {Topic} was read (shutdown).")]
    private static partial void LogStopped(ILogger logger, string topic);
}

/// <summary>Ready once the built-in registry has read its topic to the end.</summary>
internal sealed class RegistryReadinessCheck(BuiltInSchemaRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["topic"] = registry.TopicName };
        if (!registry.IsLoaded)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The built-in schema registry is still reading topic {registry.TopicName}.", data: data));
        }

        data["records"] = registry.LoadedRecords;
        return Task.FromResult(HealthCheckResult.Healthy("The built-in schema registry has read its topic.", data));
    }
}
