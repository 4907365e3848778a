namespace KafkaGateway.Http;

/// <summary>
/// Tags of the health checks features register: checks tagged <see cref="Ready"/> make up <c>/health/ready</c>.
/// Here, below every feature, so a feature tags its check without knowing who maps the endpoint.
/// </summary>
public static class HealthTags
{
    /// <summary>The check decides readiness.</summary>
    public const string Ready = "ready";
}
