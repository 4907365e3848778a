namespace KafkaGateway.Http;

/// <summary>
/// An error the gateway answers with a specific HTTP status and a stable machine-readable <see cref="Code"/>.
/// The exception handler turns it into RFC 9457 ProblemDetails.
/// </summary>
public class GatewayException(int statusCode, string code, string title, string detail, Exception? inner = null)
    : Exception(detail, inner)
{
    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>Stable error code, e.g. <c>kafka_unavailable</c>.</summary>
    public string Code { get; } = code;

    /// <summary>Short human summary.</summary>
    public string Title { get; } = title;

    /// <summary>Seconds the client should wait before retrying, sent as <c>Retry-After</c>.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Extra response headers (e.g. <c>Idempotent-Replayed</c>), written with the ProblemDetails body.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Extra members written into the ProblemDetails body.</summary>
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}
