using System.Diagnostics;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace KafkaGateway.Observability;

/// <summary>
/// Traces, decided when the host starts from the final configuration (test hosts add settings after Program ran).
/// With <c>Observability:Tracing:Exporter=otlp</c>: an OpenTelemetry tracer provider — the ASP.NET Core request span
/// (not for <c>/health</c> and <c>/metrics</c>) and the gateway's <c>produce</c>/<c>serialize</c> spans, sampled
/// parent-based (roots always), batch-exported over OTLP.
/// </summary>
/// <remarks>
/// Without an exporter nothing is recorded, so no tracer: one registered anyway (as <c>WithTracing</c> did) sampled
/// every request (a trace-id string per request), received hosting's diagnostic events through the instrumentation's
/// listener to drop them, and had the produce path ask it about a span it then did not create (profile in
/// docs/benchmarks, session 6). What the request activity must still do without an exporter — a W3C trace id for
/// ProblemDetails and logs, a caller's <c>traceparent</c> continued to Kafka — needs only hosting's activity to come
/// from its <c>ActivitySource</c>: that is what marks the caller's context as the remote parent (an activity hosting
/// builds without a listener is not marked, and the produce path continues only remote or exported traces). The
/// <see cref="RemoteParentListener"/> keeps that, and keeps the caller's sampled flag, as the parent-based sampler did.
/// </remarks>
internal sealed class GatewayTracing(IOptions<ObservabilityOptions> options) : IHostedService, IDisposable
{
    /// <summary>The source ASP.NET Core hosting creates its request activity from.</summary>
    internal const string HostingSourceName = "Microsoft.AspNetCore";

    private IDisposable? _tracing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Tracing;
        _tracing = settings.Exporter.Equals("otlp", StringComparison.OrdinalIgnoreCase)
            ? ExportingTracer(settings)
            : new RemoteParentListener();
        return Task.CompletedTask;
    }

    /// <summary>Flushes what the exporter still holds.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _tracing, null)?.Dispose();
    }

    private static TracerProvider ExportingTracer(TracingSettings settings)
    {
        var exporter = new OtlpTraceExporter(new OtlpExporterOptions
        {
            Endpoint = new Uri(settings.OtlpEndpoint!),
            Protocol = settings.OtlpProtocol.Equals("http/protobuf", StringComparison.OrdinalIgnoreCase)
                ? OtlpExportProtocol.HttpProtobuf
                : OtlpExportProtocol.Grpc,
        });
        return Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(ObservabilityServiceCollectionExtensions.ServiceName))
            .AddSource(GatewayTelemetry.ActivitySourceName)
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
                !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
                && !context.Request.Path.StartsWithSegments(ObservabilityServiceCollectionExtensions.MetricsPath, StringComparison.OrdinalIgnoreCase))
            .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
            .AddProcessor(new BatchActivityExportProcessor(exporter))
            .Build();
    }

    /// <summary>
    /// Hosting's request activity without a tracer: created from hosting's source (so a caller's context is its
    /// remote parent), recorded exactly when the caller's context says sampled, otherwise carrying only the ids.
    /// </summary>
    internal sealed class RemoteParentListener : IDisposable
    {
        private readonly ActivityListener _listener = new()
        {
            ShouldListenTo = source => source.Name == HostingSourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> creation) =>
                creation.Parent.IsRemote && (creation.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
        };

        public RemoteParentListener() => ActivitySource.AddActivityListener(_listener);

        public void Dispose() => _listener.Dispose();
    }
}
