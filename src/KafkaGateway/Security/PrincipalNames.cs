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
    public static bool IsQualified(string configured, char separator = ':') => SchemeLength(configured, separator) > 0;

    /// <summary>
    /// The length of the scheme prefix <paramref name="configured"/> starts with (followed by
    /// <paramref name="separator"/> and at least one character), or 0. A loop, not LINQ: rules and Kafka identities
    /// match principals with it on every request.
    /// </summary>
    private static int SchemeLength(string configured, char separator)
    {
        foreach (var scheme in s_schemes)
        {
            if (configured.Length > scheme.Length + 1 && configured.StartsWith(scheme, StringComparison.Ordinal) && configured[scheme.Length] == separator)
            {
                return scheme.Length;
            }
        }

        return 0;
    }

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
        // Compared in place (principal == Of(scheme, rest) and, bare, principal's part after ':' == configured):
        // no strings built per check.
        var scheme = SchemeLength(configured, separator);
        if (scheme > 0)
        {
            return principal.Length == configured.Length
                && principal.AsSpan(0, scheme).SequenceEqual(configured.AsSpan(0, scheme))
                && principal[scheme] == ':'
                && principal.AsSpan(scheme + 1).SequenceEqual(configured.AsSpan(scheme + 1));
        }

        var colon = principal.IndexOf(':', StringComparison.Ordinal);
        return bareNamesAllowed && colon > 0 && principal.AsSpan(colon + 1).SequenceEqual(configured);
    }
}
