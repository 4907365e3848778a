using KafkaGateway.Admin;
using KafkaGateway.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Admin;

/// <summary>Topic, consumer group and broker administration.</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>Adds the admin operations (embedded-aware), the consumer group inspector, the cluster describer and <see cref="AdminOptions"/>.</summary>
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>());
        services.TryAddSingleton<KafkaAdminOperations>();
        services.TryAddSingleton<IKafkaAdminOperations>(sp =>
        {
            var cluster = sp.GetRequiredService<KafkaAdminOperations>();
            return sp.GetRequiredService<KafkaConnection>().EmbeddedCluster is { } embedded
                ? new EmbeddedAdminOperations(cluster, embedded)
                : cluster;
        });
        services.TryAddSingleton<ConsumerGroupInspector>();
        services.TryAddSingleton<ClusterDescriber>();
        return builder;
    }
}
