namespace KafkaGateway.Security;

/// <summary>
/// Principal names carry the scheme that authenticated them — <c>apikey:&lt;name&gt;</c>, <c>cert:&lt;CN or SAN&gt;</c>,
/// <c>jwt:&lt;sub&gt;</c> — so a client certificate or token naming itself like an API key does not inherit that key's
/// rules or Kafka identity. Configuration may name a principal without its scheme (<c>alice</c>) only while exactly
/// one authentication scheme is configured; with several, the start-up refuses bare names.
/// </summary>
public static class PrincipalNames
{
    /// <summary>Scheme prefix of API key principals.</summary>
    public const string ApiKey = "apikey";

    /// <summary>Scheme prefix of client certificate principals.</summary>
    public const string Certificate = "cert";

    /// <summary>Scheme prefix of JWT principals.</summary>
    public const string Jwt = "jwt";

    private static readonly string[] s_schemes = [ApiKey, Certificate, Jwt];

    /// <summary>The principal name for <paramref name="name"/> authenticated by <paramref name="scheme"/>.</summary>
    public static string Of(string scheme, string name) => scheme + ":" + name;

    /// <summary>True when <paramref name="configured"/> starts with a scheme prefix (<c>apikey:</c>, <c>cert:</c>, <c>jwt:</c>), or <paramref name="separator"/> instead of ':'.</summary>
    public static bool IsQualified(string configured, char separator = ':') =>
        s_schemes.Any(s => configured.Length > s.Length + 1 && configured.StartsWith(s, StringComparison.Ordinal) && configured[s.Length] == separator);

    /// <summary>Whether names without a scheme are unambiguous: at most one authentication scheme is configured.</summary>
    public static bool BareNamesAllowed(GatewayAuthenticationOptions authentication)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        var schemes = (authentication.ApiKeys.Count > 0 ? 1 : 0) + (authentication.ClientCertificates.IsEnabled ? 1 : 0) + (authentication.Jwt.IsEnabled ? 1 : 0);
        return schemes <= 1;
    }

    /// <summary>
    /// Whether the configured name <paramref name="configured"/> (qualified with ':' — or with
    /// <paramref name="separator"/> where ':' cannot be written, as in configuration keys — or bare) names
    /// <paramref name="principal"/> (always qualified).
    /// </summary>
    public static bool Matches(string configured, string principal, bool bareNamesAllowed, char separator = ':')
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(principal);
        if (IsQualified(configured, separator))
        {
            var scheme = configured[..configured.IndexOf(separator, StringComparison.Ordinal)];
            return string.Equals(principal, Of(scheme, configured[(scheme.Length + 1)..]), StringComparison.Ordinal);
        }

        var colon = principal.IndexOf(':', StringComparison.Ordinal);
        return bareNamesAllowed && colon > 0 && string.Equals(principal[(colon + 1)..], configured, StringComparison.Ordinal);
    }
}
