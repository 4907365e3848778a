namespace KafkaGateway.Http;

/// <summary>
/// An answer the gateway gives with one <see cref="GatewayError"/> of the catalogue (<see cref="GatewayErrors"/>): its
/// status, code and title come from the entry, the <c>detail</c> from this occurrence. <see cref="GatewayProblemWriter"/>
/// writes it as RFC 9457 ProblemDetails.
/// </summary>
public class GatewayException(GatewayError error, string detail, Exception? inner = null)
    : Exception(detail, inner)
{
    /// <summary>The catalogue entry this exception answers with.</summary>
    public GatewayError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));

    /// <summary>The HTTP status code (<see cref="GatewayError.Status"/>).</summary>
    public int StatusCode => Error.Status;

    /// <summary>Stable error code (<see cref="GatewayError.Code"/>), e.g. <c>kafka_unavailable</c>.</summary>
    public string Code => Error.Code;

    /// <summary>Short human summary (<see cref="GatewayError.Title"/>).</summary>
    public string Title => Error.Title;

    /// <summary>Seconds the client should wait before retrying, sent as <c>Retry-After</c>; the entry's default unless set.</summary>
    public int? RetryAfterSeconds { get; init; } = error?.RetryAfterSeconds;

    /// <summary>Extra response headers (e.g. <c>Idempotent-Replayed</c>), written with the ProblemDetails body.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Extra members written into the ProblemDetails body.</summary>
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}

/// <summary>
/// An exception of a feature that knows its catalogue answer. The one exception handler asks it rather than knowing
/// every feature's exception types, so the shared HTTP plumbing depends on no feature.
/// </summary>
public interface IGatewayFailure
{
    /// <summary>The catalogue answer (<see cref="GatewayErrors"/>) for this failure.</summary>
    GatewayException ToGatewayException();
}
