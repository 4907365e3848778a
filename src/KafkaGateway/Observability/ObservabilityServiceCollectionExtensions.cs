using System.Diagnostics;
using KafkaGateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace KafkaGateway.Observability;

/// <summary>OpenTelemetry metrics (Prometheus text at <c>/metrics</c>) and traces (optionally exported over OTLP).</summary>
public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The ASP.NET Core meters exported. Not the instrumentation package's list of every built-in meter: routing
    /// (<c>aspnetcore.routing.match_attempts</c>), authentication, authorization and rate limiting each record one to
    /// four measurements on every request that <c>http.server.request.duration</c> already tells (route, 401/403,
    /// 429), and the memory pool counts every buffer Kestrel rents. Hosting (request duration, active requests),
    /// Kestrel (per connection) and Diagnostics (handled exceptions) stay.
    /// </summary>
    internal static readonly string[] AspNetCoreMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics"];

    /// <summary>Adds metrics and tracing; the exporter choice is read from the final configuration when the tracer starts.</summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>());
        services.TryAddSingleton<TopicLabels>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("kafkagateway"))
            .WithMetrics(metrics => metrics
                .AddMeter(AspNetCoreMeters)
                .AddMeter(GatewayTelemetry.MeterNames)
                // The runtime's own meter (GC, allocation, thread pool, CPU): read at scrape time, nothing per request.
                .AddMeter("System.Runtime")
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
                    && !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase))
                .SetSampler(provider => CreateSampler(provider.GetRequiredService<IOptions<ObservabilityOptions>>().Value.Tracing))
                .AddProcessor(provider => CreateExportProcessor(provider.GetRequiredService<IOptions<ObservabilityOptions>>().Value.Tracing)));
        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (endpoint <c>metrics</c>: permission <c>cluster</c>, overridable by name).</summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithName("metrics").RequireGatewayAccess(GatewayPermission.Cluster);
        return app;
    }

    private static BaseProcessor<Activity> CreateExportProcessor(TracingSettings settings)
    {
        if (!settings.Exporter.Equals("otlp", StringComparison.OrdinalIgnoreCase))
        {
            return new NoExport();
        }

        var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = new Uri(settings.OtlpEndpoint!),
            Protocol = settings.OtlpProtocol.Equals("http/protobuf", StringComparison.OrdinalIgnoreCase)
                ? OtlpExportProtocol.HttpProtobuf
                : OtlpExportProtocol.Grpc,
        });
        return new BatchActivityExportProcessor(exporter);
    }

    /// <summary>
    /// Without an exporter a recorded span goes nowhere, so root spans are not recorded: the activities still exist
    /// (trace ids for ProblemDetails and logs, a caller's <c>traceparent</c> continued to Kafka) but carry no tags, which
    /// the instrumentation then does not build per request. A request whose caller sampled its trace is still recorded.
    /// </summary>
    private static ParentBasedSampler CreateSampler(TracingSettings settings) =>
        settings.Exporter.Equals("otlp", StringComparison.OrdinalIgnoreCase)
            ? new ParentBasedSampler(new AlwaysOnSampler())
            : new ParentBasedSampler(new AlwaysOffSampler());

    /// <summary>No exporter: recorded spans (those a caller sampled) go nowhere.</summary>
    private sealed class NoExport : BaseProcessor<Activity>;
}
