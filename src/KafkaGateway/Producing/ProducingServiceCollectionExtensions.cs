using KafkaGateway.Schemas;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>The produce endpoint, the producer pool and its shutdown flush.</summary>
public static class ProducingServiceCollectionExtensions
{
    /// <summary>Adds producing.</summary>
    public static WebApplicationBuilder AddProducing(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Development defaults first, so configured values (bound next) win over them.
        services.AddOptions<ProducerOptions>()
            .Configure<IHostEnvironment>((o, environment) =>
            {
                o.AutoRegisterSchemas = environment.IsDevelopment();
                o.AutoCreateTopics = environment.IsDevelopment();
            })
            .BindConfiguration(ProducerOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProducerOptions>, ProducerOptionsValidator>());
        services.AddTopicFormats();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AvroCodecCache>();
        // Kafka:Identities: which certificate a principal produces with (only the producer pool uses it).
        services.AddOptions<Producing.KafkaIdentityOptions>().BindConfiguration(Producing.KafkaIdentityOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Producing.KafkaIdentityOptions>, Producing.KafkaIdentityOptionsValidator>());
        services.TryAddSingleton<Producing.KafkaIdentities>();
        services.TryAddSingleton<ProducerPool>();
        services.TryAddSingleton<TopicSchemaResolver>();
        services.TryAddSingleton<IdempotencyCache>();
        services.TryAddSingleton<ProducingMetrics>();
        services.TryAddSingleton<Observability.TopicLabels>();
        services.AddOptions<Observability.ObservabilityOptions>();
        services.TryAddSingleton<ProduceAuthorization>();
        services.TryAddSingleton<ProduceTopics>();
        services.TryAddSingleton<ProduceAdmission>();
        services.TryAddSingleton<DeliveryDeadlines>();
        services.TryAddSingleton<RecordProducer>();
        services.TryAddSingleton<ValuesIngestion>();
        services.AddHostedService<ProducerShutdown>();
        return builder;
    }
}

/// <summary>
/// At shutdown (after Kestrel stopped taking requests and in-flight requests finished) flushes every producer, so
/// every record answered 2xx is in Kafka and queued ones get their delivery reports.
/// </summary>
internal sealed partial class ProducerShutdown(ProducerPool pool, IOptions<ProducerOptions> options, ILogger<ProducerShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var left = pool.FlushAll(TimeSpan.FromMilliseconds(options.Value.MessageTimeoutMilliseconds));
        LogFlushed(logger, pool.Count, left);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutdown: flushed {Producers} producer(s), {Left} record(s) left undelivered")]
    private static partial void LogFlushed(ILogger logger, int producers, int left);
}
