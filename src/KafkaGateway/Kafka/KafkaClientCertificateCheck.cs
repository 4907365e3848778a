using KafkaGateway.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>
/// Days until the Kafka client certificate expires: Healthy above <see cref="KafkaTlsOptions.ExpiryWarningDays"/>,
/// Degraded below it (still serving, but an operator must rotate), Unhealthy once expired.
/// </summary>
internal sealed class KafkaClientCertificateCheck(KafkaTlsMaterialProvider provider, IOptions<KafkaTlsOptions> options, TimeProvider time)
    : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var material = provider.Current;
        if (!material.IsEnabled || material.Certificate is null || material.NotAfter is not { } notAfter)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No Kafka client certificate configured."));
        }

        var days = (int)Math.Floor((notAfter - time.GetUtcNow()).TotalDays);
        var data = new Dictionary<string, object>
        {
            ["subject"] = material.Certificate.Subject,
            ["notAfter"] = notAfter.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["daysUntilExpiry"] = days,
        };
        var result = days < 0
            ? HealthCheckResult.Unhealthy($"The Kafka client certificate expired on {notAfter:O}.", data: data)
            : days < options.Value.ExpiryWarningDays
                ? HealthCheckResult.Degraded($"The Kafka client certificate expires in {days} day(s); rotate it.", data: data)
                : HealthCheckResult.Healthy($"The Kafka client certificate is valid for {days} more day(s).", data);
        return Task.FromResult(result);
    }
}
