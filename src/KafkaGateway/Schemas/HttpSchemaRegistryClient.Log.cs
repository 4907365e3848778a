namespace KafkaGateway.Schemas;

// Templates carry methods, paths (subjects, ids) and base URLs, which never hold credentials: the options
// validator rejects user info in SchemaRegistry:Url and authentication travels only in headers.
public sealed partial class HttpSchemaRegistryClient
{
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Schema registry request {Method} /{Path} failed ({Reason}); retry {Attempt} of {MaxRetries} in {DelayMilliseconds} ms")]
    private static partial void LogRetrying(
        ILogger logger, string method, string path, string reason, int attempt, int maxRetries, long delayMilliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema registry at {BaseUrl} failed {Method} /{Path}: {Reason}")]
    private static partial void LogUrlFailed(ILogger logger, Uri baseUrl, string method, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema registry requests now go to {BaseUrl}")]
    private static partial void LogFailedOver(ILogger logger, Uri baseUrl);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Schema registry unavailable for {Method} /{Path} after {Attempts} attempt(s): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string reason, int attempts);
}
