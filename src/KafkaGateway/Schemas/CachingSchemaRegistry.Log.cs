namespace KafkaGateway.Schemas;

public sealed partial class CachingSchemaRegistry
{
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Schema registry unavailable; serving the cached latest schema of subject {Subject} (version {Version}, id {SchemaId}) fetched {AgeSeconds} s ago until it answers again")]
    private static partial void LogServingStaleLatest(
        ILogger logger, Exception exception, string subject, int version, int schemaId, long ageSeconds);
}
