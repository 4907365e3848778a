using Confluent.Kafka;

namespace KafkaGateway.Kafka;

/// <summary>Routes librdkafka's log lines into the gateway's logging with the right level.</summary>
internal static partial class KafkaLogBridge
{
    public static Action<T, LogMessage> Create<T>(ILoggerFactory factory, string client, KafkaClientErrors? errors = null)
    {
        var logger = factory.CreateLogger("KafkaGateway.Kafka.Librdkafka");
        return (_, message) =>
        {
            try
            {
                Forward(logger, client, errors, message);
            }
#pragma warning disable CA1031 // librdkafka calls this from its own threads: an exception escaping it would end the process.
            catch (Exception)
#pragma warning restore CA1031
            {
                // Logging must never take the process down (e.g. a log line arriving while the host disposes logging).
            }
        };
    }

    private static void Forward(ILogger logger, string client, KafkaClientErrors? errors, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        Log(logger, level, client, message.Facility, message.Message);
        if (errors is not null && message.Facility == "FAIL")
        {
            // Connection failures (TLS handshake, refused, closed by peer) are only logged, never raised as errors.
            errors.Record(client, new Error(ErrorCode.Local_Transport, message.Message));
        }
    }

    [LoggerMessage(Message = "librdkafka {Client} [{Facility}] {Text}")]
    private static partial void Log(ILogger logger, LogLevel level, string client, string facility, string text);
}
