using Microsoft.Extensions.Logging;

namespace KafkaGateway.Kafka;

internal static partial class KafkaTlsLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning,
        Message = "Kafka client certificate {Subject} expires on {NotAfter:O}, in {DaysUntilExpiry} days; renew it before the brokers refuse it")]
    public static partial void ClientCertificateExpiresSoon(ILogger logger, string subject, DateTimeOffset notAfter, int daysUntilExpiry);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information,
        Message = "Kafka TLS enabled: {CaCertificateCount} CA certificate(s), client certificate {Subject} valid until {NotAfter:O}, hostname verification {HostnameVerification}")]
    public static partial void TlsEnabled(ILogger logger, int caCertificateCount, string subject, DateTimeOffset? notAfter, bool hostnameVerification);
}
