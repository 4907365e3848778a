namespace KafkaGateway.Security;

internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information,
        Message = "Audit: {Principal} {Action} {Target}: {Outcome} ({StatusCode})")]
    public static partial void Audit(ILogger logger, string principal, string action, string target, string outcome, int statusCode);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning,
        Message = "Security:AllowAnonymous is true: requests without credentials are served as principal 'anonymous'. Configure Security:Authentication and turn it off outside local development")]
    public static partial void AnonymousAllowed(ILogger logger);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning,
        Message = "No Security:Authorization:Rules: every principal that gets in may produce, consume, administer and write schemas on every topic")]
    public static partial void NoRules(ILogger logger);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information,
        Message = "Authentication: client certificates {ClientCertificates}, API keys {ApiKeyCount}, JWT {Jwt}; {RuleCount} authorization rule(s)")]
    public static partial void Configured(ILogger logger, bool clientCertificates, int apiKeyCount, bool jwt, int ruleCount);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning,
        Message = "Security:Authentication:ClientCertificates: no CRL configured, client certificates are not checked for revocation")]
    public static partial void NoRevocationCheck(ILogger logger);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning,
        Message = "The client certificate CRL was due for renewal at {NextUpdate:O}; revocations after that are unknown to the gateway")]
    public static partial void CrlStale(ILogger logger, DateTimeOffset nextUpdate);

    /// <summary>The framework authorization middleware's Debug line (same category and template).</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Policy authentication schemes {policyName} did not succeed")]
    public static partial void PolicySchemesFailed(ILogger logger, IReadOnlyList<string> policyName);
}
