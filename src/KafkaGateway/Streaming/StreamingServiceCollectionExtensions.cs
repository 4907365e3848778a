using KafkaGateway.Schemas;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>Event streams and record browsing: <c>GET /topics/{topic}/stream</c> and <c>GET /topics/{topic}/records</c>.</summary>
public static class StreamingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the stream hub (a hosted service), the record decoder and the browser. Avro decoding uses the
    /// <see cref="ISchemaRegistry"/> registered by the schema feature; without one, Avro records become error events.
    /// </summary>
    public static WebApplicationBuilder AddStreaming(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StreamingOptions>, StreamingOptionsValidator>());
        services.AddTopicFormats();
        // A factory, not a type registration: Development's ValidateOnBuild must not demand an ISchemaRegistry that
        // only the schema feature registers (without one, Avro records become error events).
        services.TryAddSingleton(sp => new AvroCodecCache(sp.GetRequiredService<ISchemaRegistry>()));
        services.TryAddSingleton<RecordDecoder>();
        services.TryAddSingleton<TopicPartitionLookup>();
        services.TryAddSingleton<RecordBrowser>();
        services.TryAddSingleton<EventStreamResponder>();
        services.TryAddSingleton<StreamingMetrics>();
        services.TryAddSingleton<Observability.TopicLabels>();
        // After AddProblemDetails' own writer: used only for the requests that one declines.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, EventStreamProblemDetailsWriter>());
        services.TryAddSingleton<StreamHub>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamHub>());
        return builder;
    }
}
