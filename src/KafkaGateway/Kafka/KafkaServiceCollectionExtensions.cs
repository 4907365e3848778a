using Confluent.Kafka;
using KafkaGateway.Hosting;
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
        services.AddHostedService<KafkaConnectionStarter>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KafkaClientErrors>();
        services.TryAddSingleton<IAdminClient>(sp =>
            new AdminClientBuilder(new AdminClientConfig(sp.GetRequiredService<KafkaConnection>().CreateClientConfig()))
                .SetLogHandler(KafkaLogBridge.Create<IAdminClient>(sp.GetRequiredService<ILoggerFactory>(), "admin", sp.GetRequiredService<KafkaClientErrors>()))
                .SetErrorHandler(sp.GetRequiredService<KafkaClientErrors>().Handler<IAdminClient>("admin"))
                .Build());
        services.TryAddSingleton<Admin.ClusterDescriber>();
        services.AddHealthChecks()
            .AddCheck<KafkaReadinessCheck>("kafka", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<KafkaClientCertificateCheck>("kafka-client-certificate", tags: [HealthEndpoints.ReadyTag]);
        return builder;
    }

    /// <summary>Starts the connection (and the embedded cluster) with the host rather than at the first request.</summary>
    private sealed class KafkaConnectionStarter(KafkaConnection connection) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = connection.BootstrapServers;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
