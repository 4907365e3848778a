using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas;

/// <summary>The HTTP client to an external Confluent-compatible schema registry.</summary>
public static class SchemaRegistryClientServiceCollectionExtensions
{
    /// <summary>Adds the external registry's client from the builder's configuration (see the overload).</summary>
    public static WebApplicationBuilder AddSchemaRegistryClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddSchemaRegistryClient(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Adds <see cref="SchemaRegistryOptions"/> (validated at start-up), the registry's named
    /// <see cref="HttpClient"/> and <see cref="HttpSchemaRegistryClient"/>, used as <see cref="ISchemaRegistry"/>
    /// (behind a <see cref="CachingSchemaRegistry"/>) when <c>SchemaRegistry:Url</c> is set.
    /// </summary>
    public static IServiceCollection AddSchemaRegistryClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SchemaRegistryOptions>()
            .Bind(configuration.GetSection(SchemaRegistryOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<SchemaRegistryOptions>, SchemaRegistryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();

        services.AddHttpClient(HttpSchemaRegistryClient.HttpClientName)
            .ConfigureHttpClient((provider, client) =>
                Configure(client, provider.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value))
            .ConfigurePrimaryHttpMessageHandler(provider =>
                SchemaRegistryHttpHandler.Create(
                    provider.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value.Tls,
                    provider.GetRequiredService<TimeProvider>()))
            // Authorization (and anything a proxy adds) must never reach the logs, whatever their level.
            .RedactLoggedHeaders(_ => true);

        // Which registry serves ISchemaRegistry (this client or the built-in one) is decided from the final
        // configuration when it is first resolved: see SchemaRegistryServiceCollectionExtensions.AddSchemaRegistry.
        services.TryAddSingleton<HttpSchemaRegistryClient>();
        services.TryAddSingleton(provider => new CachingSchemaRegistry(
            provider.GetRequiredService<HttpSchemaRegistryClient>(),
            provider.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value.CacheSettings,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<CachingSchemaRegistry>>(),
            provider.GetRequiredService<IMeterFactory>()));

        return services;
    }

    private static void Configure(HttpClient client, SchemaRegistryOptions options)
    {
        // Attempts are timed by the registry client itself, per URL; an overall timeout would cut failover short.
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.Accept.ParseAdd("application/vnd.schemaregistry.v1+json");
        client.DefaultRequestHeaders.Accept.ParseAdd("application/vnd.schemaregistry+json; q=0.9");
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json; q=0.5");
        client.DefaultRequestHeaders.UserAgent.ParseAdd("KafkaGateway");
        client.DefaultRequestHeaders.Authorization = AuthorizationHeader(options);
    }

    /// <summary>The registry credentials as an Authorization header (bearer token or HTTP Basic), or null.</summary>
    internal static AuthenticationHeaderValue? AuthorizationHeader(SchemaRegistryOptions options)
    {
        if (!string.IsNullOrEmpty(options.BearerToken))
        {
            return new AuthenticationHeaderValue("Bearer", options.BearerToken);
        }

        var userInfo = !string.IsNullOrEmpty(options.BasicAuthUserInfo) ? options.BasicAuthUserInfo
            : !string.IsNullOrEmpty(options.BasicAuthUsername) ? $"{options.BasicAuthUsername}:{options.BasicAuthPassword}"
            : null;
        return userInfo is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userInfo)));
    }
}
