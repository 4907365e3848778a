using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// Tails the registry topic for as long as the gateway runs: reads it to its end after start-up (registry requests
/// wait for that, readiness says not-ready until then), then applies what any gateway writes. Restarts the tail
/// where it stopped when Kafka fails it, so the gateway starts even when Kafka is down.
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
                // Returns only when the tail is cancelled.
                await registry.RunTailAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (KafkaException ex)
            {
                registry.LastLoadError = $"{ex.Error.Code}: {ex.Error.Reason}";
                LogLoadFailed(logger, registry.TopicName, ex.Error.Reason, s_retryDelay.TotalSeconds);
            }
            catch (Exception ex)
            {
                // Whatever else failed (a bug, a record that slipped through), the loader logs it and tries again
                // rather than ending silently and leaving registry requests waiting for good.
                registry.LastLoadError = $"{ex.GetType().Name}: {ex.Message}";
                LogLoadCrashed(logger, ex, registry.TopicName, s_retryDelay.TotalSeconds);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading schema registry topic {Topic} failed unexpectedly; retrying in {Seconds}s.")]
    private static partial void LogLoadCrashed(ILogger logger, Exception exception, string topic, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry tail of topic {Topic} stopped (shutdown).")]
    private static partial void LogStopped(ILogger logger, string topic);
}

/// <summary>
/// Ready once the gateway's schema registry can answer: the built-in registry when it has read its topic to the end,
/// an external registry (<c>SchemaRegistry:Url</c>) while it answers the gateway. In external mode the built-in
/// registry is not loaded at all, so its state must not decide readiness.
/// </summary>
internal sealed class RegistryReadinessCheck(IServiceProvider services, IOptions<SchemaRegistryOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (options.Value.UsesExternalRegistry)
        {
            var client = services.GetRequiredService<HttpSchemaRegistryClient>();
            var external = new Dictionary<string, object> { ["url"] = client.CurrentBaseUrl.GetLeftPart(UriPartial.Path) };
            var problem = await client.ProbeAsync(cancellationToken);
            return problem is null
                ? HealthCheckResult.Healthy("The external schema registry answers.", external)
                : HealthCheckResult.Unhealthy(problem, data: external);
        }

        var registry = services.GetRequiredService<BuiltInSchemaRegistry>();
        var data = new Dictionary<string, object> { ["topic"] = registry.TopicName };
        if ((registry.LastLoadError ?? registry.LastTailError) is { } error)
        {
            data["lastError"] = error;
        }

        if (!registry.IsLoaded)
        {
            var why = (registry.LastLoadError ?? registry.LastTailError) is { } failure ? $" (last attempt failed: {failure})" : "";
            return HealthCheckResult.Unhealthy($"The built-in schema registry is still reading topic {registry.TopicName}{why}.", data: data);
        }

        data["records"] = registry.LoadedRecords;
        data["skippedRecords"] = registry.SkippedRecords;
        // Records another writer lost a race with (first in the log wins); informative, they do no harm.
        data["conflictingRecords"] = registry.ConflictingRecords;
        data["appliedOffset"] = registry.AppliedOffset;
        data["transactionalId"] = registry.TransactionalId;
        if (registry.SkippedRecords > 0)
        {
            // Usable, but somebody wrote records the registry cannot use: worth an operator's look.
            data["lastSkipped"] = registry.LastSkipped!;
            return HealthCheckResult.Degraded(
                $"The built-in schema registry has read its topic; it skipped {registry.SkippedRecords} record(s) it cannot use (see the log).", data: data);
        }

        return HealthCheckResult.Healthy("The built-in schema registry has read its topic.", data);
    }
}
