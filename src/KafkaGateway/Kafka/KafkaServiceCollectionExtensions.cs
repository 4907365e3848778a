using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>Kafka connection, the embedded cluster, the shared admin client and Kafka readiness.</summary>
public static class KafkaServiceCollectionExtensions
{
    /// <summary>Adds the Kafka connection and its readiness check.</summary>
    public static WebApplicationBuilder AddKafka(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        services.AddKafkaTls();
        services.TryAddSingleton<KafkaConnection>();
        services.TryAddSingleton<KafkaBlockingCalls>();
        services.AddHostedService<KafkaConnectionStarter>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KafkaClientErrors>();
        services.TryAddSingleton<IAdminClient>(sp =>
            new AdminClientBuilder(new AdminClientConfig(sp.GetRequiredService<KafkaConnection>().CreateClientConfig()))
                .SetLogHandler(KafkaLogBridge.Create<IAdminClient>(sp.GetRequiredService<ILoggerFactory>(), "admin", sp.GetRequiredService<KafkaClientErrors>()))
                .SetErrorHandler(sp.GetRequiredService<KafkaClientErrors>().Handler<IAdminClient>("admin"))
                .Build());
        services.TryAddSingleton<TopicMetadataCache>();
        services.AddHealthChecks()
            .AddCheck<KafkaReadinessCheck>("kafka", tags: [HealthTags.Ready])
            .AddCheck<KafkaClientCertificateCheck>("kafka-client-certificate", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>
    /// Starts the connection (and the embedded cluster) with the host rather than at the first request. When the host
    /// has stopped (every hosted service, the web server included), it waits until no blocking Kafka call is running,
    /// so the container never disposes a shared client under one.
    /// </summary>
    private sealed class KafkaConnectionStarter(KafkaConnection connection, KafkaBlockingCalls blockingCalls) : IHostedLifecycleService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = connection.BootstrapServers;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StoppedAsync(CancellationToken cancellationToken)
        {
            try
            {
                await blockingCalls.WaitIdleAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's shutdown timeout is the limit.
            }
        }
    }
}
