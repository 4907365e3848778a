namespace KafkaGateway.Security;

/// <summary>Who may call the gateway and how much: the configuration section <c>Security</c>.</summary>
public sealed record SecurityOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Security";

    /// <summary>
    /// <c>Security:AllowAnonymous</c> — requests without credentials act as the principal <c>anonymous</c>. Required
    /// (with a start-up warning) when no authentication is configured outside Development. Default <c>false</c>.
    /// </summary>
    public bool AllowAnonymous { get; init; }

    /// <summary><c>Security:Authentication</c>.</summary>
    public GatewayAuthenticationOptions Authentication { get; init; } = new();

    /// <summary><c>Security:Authorization</c>.</summary>
    public GatewayAuthorizationOptions Authorization { get; init; } = new();

    /// <summary><c>Security:Limits</c>.</summary>
    public RequestLimitOptions Limits { get; init; } = new();

    /// <summary><c>Security:Cors</c>.</summary>
    public CorsSettings Cors { get; init; } = new();

    /// <summary><c>Security:HstsMaxAgeDays</c> — HSTS max-age sent on HTTPS responses outside Development. Default 365; 0 turns HSTS off.</summary>
    public int HstsMaxAgeDays { get; init; } = 365;
}

/// <summary><c>Security:Authentication</c>: any combination of client certificates, API keys and JWT bearer tokens.</summary>
public sealed record GatewayAuthenticationOptions
{
    /// <summary><c>Security:Authentication:ClientCertificates</c>.</summary>
    public ClientCertificateSettings ClientCertificates { get; init; } = new();

    /// <summary><c>Security:Authentication:ApiKeys:N</c> — API keys, stored only as SHA-256 hashes.</summary>
    public IList<ApiKeySettings> ApiKeys { get; init; } = [];

    /// <summary><c>Security:Authentication:Jwt</c>.</summary>
    public JwtSettings Jwt { get; init; } = new();

    /// <summary>True when at least one scheme is configured.</summary>
    public bool AnyConfigured => ClientCertificates.IsEnabled || ApiKeys.Count > 0 || Jwt.IsEnabled;
}

/// <summary><c>Security:Authentication:ClientCertificates</c>: mutual TLS on the gateway's HTTPS listener.</summary>
public sealed record ClientCertificateSettings
{
    /// <summary><c>...:CaLocation</c> — PEM file with the CA certificate(s) client certificates must chain to. Setting it enables the scheme.</summary>
    public string? CaLocation { get; init; }

    /// <summary>
    /// <c>...:CrlLocation</c> — PEM or DER certificate revocation list signed by that CA; revoked certificates are
    /// refused. Without it no revocation check is made (no OCSP, no CRL download).
    /// </summary>
    public string? CrlLocation { get; init; }

    /// <summary>
    /// <c>...:PrincipalFrom</c> — where the principal name comes from: <c>cn</c> (subject common name, default),
    /// <c>san-dns</c>, <c>san-email</c> or <c>san-uri</c> (the first subject alternative name of that kind).
    /// </summary>
    public string PrincipalFrom { get; init; } = "cn";

    /// <summary>True when <see cref="CaLocation"/> is set.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(CaLocation);
}

/// <summary>One API key: <c>Security:Authentication:ApiKeys:N</c>.</summary>
public sealed record ApiKeySettings
{
    /// <summary><c>...:Name</c> — the principal name (and the HTTP Basic user name).</summary>
    public string Name { get; init; } = "";

    /// <summary><c>...:Sha256</c> — hex SHA-256 of the key (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; init; } = "";

    /// <summary><c>...:Roles</c> — roles authorization rules can name.</summary>
    public IList<string> Roles { get; init; } = [];
}

/// <summary><c>Security:Authentication:Jwt</c>: bearer tokens from an identity provider or signed with a static key.</summary>
public sealed record JwtSettings
{
    /// <summary><c>...:Authority</c> — OpenID Connect issuer; signing keys come from its discovery document (JWKS).</summary>
    public string? Authority { get; init; }

    /// <summary><c>...:MetadataAddress</c> — explicit discovery document URL (defaults to the Authority's).</summary>
    public string? MetadataAddress { get; init; }

    /// <summary><c>...:RequireHttpsMetadata</c> — refuse an http:// Authority. Default <c>true</c>.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary><c>...:SigningKey</c> — symmetric (HS256/384/512) secret, at least 32 bytes of UTF-8 text.</summary>
    public string? SigningKey { get; init; }

    /// <summary><c>...:PublicKeyPem</c> — RSA or EC public key (PEM text) for RS*/PS*/ES* tokens.</summary>
    public string? PublicKeyPem { get; init; }

    /// <summary><c>...:PublicKeyLocation</c> — path of a PEM file with that public key.</summary>
    public string? PublicKeyLocation { get; init; }

    /// <summary><c>...:Issuer</c> — required <c>iss</c> (required with static keys).</summary>
    public string? Issuer { get; init; }

    /// <summary><c>...:Audience</c> — required <c>aud</c>.</summary>
    public string? Audience { get; init; }

    /// <summary><c>...:ClockSkewSeconds</c> — tolerance for <c>exp</c>/<c>nbf</c>. Default 60.</summary>
    public int ClockSkewSeconds { get; init; } = 60;

    /// <summary><c>...:NameClaim</c> — claim holding the principal name. Default <c>sub</c>.</summary>
    public string NameClaim { get; init; } = "sub";

    /// <summary><c>...:RoleClaim</c> — claim holding roles. Default <c>roles</c>.</summary>
    public string RoleClaim { get; init; } = "roles";

    /// <summary>True when an authority or a key is configured.</summary>
    public bool IsEnabled =>
        !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress) || !string.IsNullOrWhiteSpace(SigningKey)
        || !string.IsNullOrWhiteSpace(PublicKeyPem) || !string.IsNullOrWhiteSpace(PublicKeyLocation);
}

/// <summary><c>Security:Authorization</c>: who may do what, on which topics, and which paths are open.</summary>
public sealed record GatewayAuthorizationOptions
{
    /// <summary>
    /// <c>Security:Authorization:Rules:N</c> — grants. Without any rule every authenticated principal (and
    /// <c>anonymous</c> when allowed) may do everything, with a start-up warning.
    /// </summary>
    public IList<AccessRuleSettings> Rules { get; init; } = [];

    /// <summary>
    /// <c>Security:Authorization:Endpoints:&lt;endpoint name&gt;</c> — replaces the access an endpoint declares
    /// (<c>anonymous</c>, <c>authenticated</c>, <c>describe</c> or a permission; the topic still comes from where the
    /// endpoint says), e.g. <c>Endpoints:metrics=anonymous</c> for a scraper without credentials. Names are the
    /// endpoints' names (<c>Topics.CreateTopic</c>, <c>health.ready</c>, <c>swagger</c>, ...); an unknown name fails the start.
    /// </summary>
    public IDictionary<string, string> Endpoints { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>One grant: <c>Security:Authorization:Rules:N</c>.</summary>
public sealed record AccessRuleSettings
{
    /// <summary><c>...:Principal</c> — principal name (<c>anonymous</c> for unauthenticated requests, <c>*</c> for any authenticated one).</summary>
    public string? Principal { get; init; }

    /// <summary><c>...:Role</c> — role instead of a principal.</summary>
    public string? Role { get; init; }

    /// <summary><c>...:Topics</c> — topic patterns: literal, prefix (<c>orders.*</c>) or <c>*</c>. Default <c>*</c>.</summary>
    public IList<string> Topics { get; init; } = [];

    /// <summary><c>...:Permissions</c> — <c>produce</c>, <c>consume</c>, <c>admin</c>, <c>schemas:write</c>, <c>cluster</c>.</summary>
    public IList<string> Permissions { get; init; } = [];
}

/// <summary><c>Security:Limits</c>: protection against large, deep, slow and too many requests.</summary>
public sealed record RequestLimitOptions
{
    /// <summary><c>...:MaxRequestBodyBytes</c> — larger bodies are answered 413. Default 10 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary><c>...:MaxJsonDepth</c> — deeper JSON bodies are answered 400. Default 32.</summary>
    public int MaxJsonDepth { get; init; } = 32;

    /// <summary><c>...:MaxRequestHeaderCount</c> — Kestrel answers 431 beyond it. Default 100.</summary>
    public int MaxRequestHeaderCount { get; init; } = 100;

    /// <summary><c>...:MaxRequestHeadersTotalBytes</c> — Kestrel answers 431 beyond it. Default 32 KiB.</summary>
    public int MaxRequestHeadersTotalBytes { get; init; } = 32 * 1024;

    /// <summary><c>...:RequestHeadersTimeoutSeconds</c> — time a client has to send its headers. Default 30.</summary>
    public int RequestHeadersTimeoutSeconds { get; init; } = 30;

    /// <summary><c>...:MinRequestBodyBytesPerSecond</c> — slower uploads are cut (after a 5 s grace). Default 240; 0 turns it off.</summary>
    public int MinRequestBodyBytesPerSecond { get; init; } = 240;

    /// <summary><c>...:RequestsPerSecondPerClient</c> — token-bucket refill per principal (or IP when anonymous); 0 turns it off. Default 0.</summary>
    public int RequestsPerSecondPerClient { get; init; }

    /// <summary><c>...:RequestBurstPerClient</c> — bucket size. Default: twice the rate.</summary>
    public int? RequestBurstPerClient { get; init; }
}

/// <summary><c>Security:Cors</c>: cross-origin browser access; off unless origins are listed.</summary>
public sealed record CorsSettings
{
    /// <summary><c>...:AllowedOrigins</c> — e.g. <c>https://console.example.com</c>; <c>*</c> for any (not with credentials).</summary>
    public IList<string> AllowedOrigins { get; init; } = [];

    /// <summary><c>...:AllowedMethods</c> — default GET, POST, PUT, PATCH, DELETE.</summary>
    public IList<string> AllowedMethods { get; init; } = [];

    /// <summary><c>...:AllowedHeaders</c> — default Authorization, Content-Type, X-API-Key, Idempotency-Key, Last-Event-ID, traceparent.</summary>
    public IList<string> AllowedHeaders { get; init; } = [];

    /// <summary><c>...:AllowCredentials</c> — default <c>false</c>.</summary>
    public bool AllowCredentials { get; init; }
}
