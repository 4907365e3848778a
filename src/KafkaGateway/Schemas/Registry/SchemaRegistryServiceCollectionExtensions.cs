using KafkaGateway.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>The registry API under <c>/registry</c>: built in, or forwarded to <c>SchemaRegistry:Url</c>.</summary>
public static class SchemaRegistryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the built-in Confluent-compatible registry (served when <c>SchemaRegistry:Url</c> is empty; then it is
    /// also the <see cref="ISchemaRegistry"/>) and the forwarding of <c>/registry</c> when the URL is set.
    /// </summary>
    public static WebApplicationBuilder AddSchemaRegistry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // SchemaRegistryOptions (the whole SchemaRegistry section) is bound and validated by AddSchemaRegistryClient.
        services.TryAddSingleton<RegistryTopic>();
        // Reserved whether the registry is built in or external: a Confluent registry on the cluster reads it too.
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;
            return new Kafka.ReservedTopics(options.Topic, options.ReservedTopics);
        });
        services.TryAddSingleton(sp => new BuiltInSchemaRegistry(
            sp.GetRequiredService<RegistryTopic>(),
            sp.GetRequiredService<IOptions<SchemaRegistryOptions>>(),
            sp.GetRequiredService<ILogger<BuiltInSchemaRegistry>>()));
        // Decided on the final configuration (test hosts add settings after Program's code ran): an external
        // registry through the caching HTTP client, or the built-in one in-process (no cache needed; codecs are
        // cached by id in AvroCodecCache, and a cache of "latest" would hide new registrations).
        services.TryAddSingleton<ISchemaRegistry>(sp =>
        {
            var client = sp.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;
            return client.UsesExternalRegistry
                ? sp.GetRequiredService<CachingSchemaRegistry>()
                : sp.GetRequiredService<BuiltInSchemaRegistry>();
        });

        services.TryAddSingleton<TopicSchemaDescriber>();
        services.AddHostedService<BuiltInRegistryStarter>();
        services.AddHealthChecks().AddCheck<RegistryReadinessCheck>("schema-registry", tags: [HealthTags.Ready]);

        RegistryForwarding.AddRegistryForwarding(services);

        // Confluent clients send application/vnd.schemaregistry.v1+json bodies.
        services.PostConfigure<MvcOptions>(mvc =>
        {
            foreach (var formatter in mvc.InputFormatters.OfType<SystemTextJsonInputFormatter>())
            {
                formatter.SupportedMediaTypes.Add(RegistryMediaTypes.V1);
                formatter.SupportedMediaTypes.Add(RegistryMediaTypes.Unversioned);
            }
        });
        return builder;
    }

    /// <summary>Starts the built-in registry's loader only when the registry is built in (decided on the final configuration).</summary>
    /// <remarks>
    /// Start-up waits (up to 10 s) for the topic to be read, so a healthy gateway answers registry requests and
    /// readiness from its first request; when Kafka is down it starts anyway and keeps loading in the background.
    /// </remarks>
    private sealed class BuiltInRegistryStarter(IServiceProvider services, IOptions<SchemaRegistryOptions> options) : IHostedService
    {
        private static readonly TimeSpan s_startupWait = TimeSpan.FromSeconds(10);

        private RegistryLoader? _loader;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.UsesExternalRegistry)
            {
                return Task.CompletedTask;
            }

            _loader = ActivatorUtilities.CreateInstance<RegistryLoader>(services);
            return StartLoaderAsync(_loader, cancellationToken);
        }

        private async Task StartLoaderAsync(RegistryLoader loader, CancellationToken cancellationToken)
        {
            await loader.StartAsync(cancellationToken);
            var loaded = services.GetRequiredService<BuiltInSchemaRegistry>().Loaded;
            await Task.WhenAny(loaded, Task.Delay(s_startupWait, cancellationToken));
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_loader is not null)
            {
                await _loader.StopAsync(cancellationToken);
                _loader.Dispose();
            }
        }
    }
}
