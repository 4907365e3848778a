using Microsoft.Extensions.Options;

namespace KafkaGateway.Observability;

/// <summary>Metrics and tracing: the configuration section <c>Observability</c>.</summary>
public sealed record ObservabilityOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Observability";

    /// <summary><c>Observability:Metrics</c>.</summary>
    public MetricsSettings Metrics { get; init; } = new();

    /// <summary><c>Observability:Tracing</c>.</summary>
    public TracingSettings Tracing { get; init; } = new();
}

/// <summary><c>Observability:Metrics</c>: Prometheus text at <c>/metrics</c>.</summary>
public sealed record MetricsSettings
{
    /// <summary><c>...:MaxTopicLabels</c> — topics with their own series; the rest are <c>_other</c>. Default 100.</summary>
    public int MaxTopicLabels { get; init; } = 100;
}

/// <summary><c>Observability:Tracing</c>.</summary>
public sealed record TracingSettings
{
    /// <summary>
    /// <c>...:Exporter</c> — <c>none</c> (default) or <c>otlp</c>. Records get a <c>traceparent</c> header when traces
    /// are exported or the request carried its own trace context; otherwise the trace id would name nothing.
    /// </summary>
    public string Exporter { get; init; } = "none";

    /// <summary><c>...:OtlpEndpoint</c> — collector URL, e.g. <c>http://otel-collector:4317</c> (required for otlp).</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary><c>...:OtlpProtocol</c> — <c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; init; } = "grpc";
}

internal sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions options)
    {
        var failures = new List<string>();
        if (options.Metrics.MaxTopicLabels is < 0 or > 10_000)
        {
            failures.Add($"Observability:Metrics:MaxTopicLabels must be between 0 and 10000 (got {options.Metrics.MaxTopicLabels}).");
        }

        var tracing = options.Tracing;
        if (tracing.Exporter.ToLowerInvariant() is not ("none" or "otlp"))
        {
            failures.Add($"Observability:Tracing:Exporter: '{tracing.Exporter}' is not none or otlp.");
        }
        else if (tracing.Exporter.Equals("otlp", StringComparison.OrdinalIgnoreCase)
            && !Uri.TryCreate(tracing.OtlpEndpoint, UriKind.Absolute, out _))
        {
            failures.Add("Observability:Tracing:OtlpEndpoint must be an absolute URL such as http://otel-collector:4317 when Exporter is otlp.");
        }

        if (tracing.OtlpProtocol.ToLowerInvariant() is not ("grpc" or "http/protobuf"))
        {
            failures.Add($"Observability:Tracing:OtlpProtocol: '{tracing.OtlpProtocol}' is not grpc or http/protobuf.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
