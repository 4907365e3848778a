using KafkaGateway.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

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

    /// <summary>Hosting's up-down counter of requests in flight, exported without labels.</summary>
    internal const string ActiveRequestsInstrument = "http.server.active_requests";

    /// <summary>Adds metrics and tracing; the exporter choice is read from the final configuration when the host starts.</summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>());
        services.TryAddSingleton<TopicLabels>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(AspNetCoreMeters)
                // Requests in flight as one number: hosting measures +1 and -1 on every request, and with its method
                // and scheme labels each measurement hashed both to find its series (~1 % of the health probe's CPU,
                // docs/benchmarks session 7); without labels both go to the one series directly.
                .AddView(ActiveRequestsInstrument, new MetricStreamConfiguration { TagKeys = [] })
                .AddMeter(GatewayTelemetry.MeterNames)
                // The runtime's own meter (GC, allocation, thread pool, CPU): read at scrape time, nothing per request.
                .AddMeter("System.Runtime")
                .AddPrometheusExporter());
        // Not WithTracing: its tracer listens to every request whether or not anything is exported (see GatewayTracing).
        services.AddHostedService<GatewayTracing>();
        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (endpoint <c>metrics</c>: permission <c>cluster</c>, overridable by name).</summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithName("metrics").RequireGatewayAccess(GatewayPermission.Cluster);
        return app;
    }

    /// <summary>The <c>service.name</c> of metrics and traces.</summary>
    internal const string ServiceName = "kafkagateway";
}
