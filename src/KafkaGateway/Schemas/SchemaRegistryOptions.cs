using System.Text;

namespace KafkaGateway.Schemas;

/// <summary>
/// Configuration section <c>SchemaRegistry</c>, the only class that reads it: <see cref="Url"/> chooses between the
/// built-in registry (empty) and an external Confluent-compatible registry (Confluent Schema Registry, Karapace,
/// Apicurio's ccompat API, Redpanda, Hopsworks). The connection settings apply to the external registry, the
/// persistence settings (<see cref="Topic"/>, <see cref="DefaultCompatibility"/>, <see cref="MaxSchemaLength"/>) to
/// the built-in one.
/// </summary>
public sealed record SchemaRegistryOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "SchemaRegistry";

    /// <summary>
    /// <c>SchemaRegistry:Url</c> — base URL of the registry, or several comma-separated base URLs of the same
    /// registry cluster, tried in order when one cannot be reached. Empty selects the built-in registry.
    /// Credentials do not belong in the URL; use <see cref="BasicAuthUserInfo"/>.
    /// </summary>
    public string? Url { get; init; }

    /// <summary><c>SchemaRegistry:BasicAuthUserInfo</c> — HTTP basic credentials as <c>user:password</c>.</summary>
    public string? BasicAuthUserInfo { get; init; }

    /// <summary><c>SchemaRegistry:BasicAuthUsername</c> — HTTP basic user name (with <see cref="BasicAuthPassword"/>).</summary>
    public string? BasicAuthUsername { get; init; }

    /// <summary><c>SchemaRegistry:BasicAuthPassword</c> — HTTP basic password (with <see cref="BasicAuthUsername"/>).</summary>
    public string? BasicAuthPassword { get; init; }

    /// <summary><c>SchemaRegistry:BearerToken</c> — sent as <c>Authorization: Bearer</c>; excludes basic credentials.</summary>
    public string? BearerToken { get; init; }

    /// <summary><c>SchemaRegistry:Tls</c> — CA and client certificate for HTTPS registries.</summary>
    public SchemaRegistryTlsOptions Tls { get; init; } = new();

    /// <summary><c>SchemaRegistry:RequestTimeoutSeconds</c> — timeout of one HTTP attempt (1-300, default 5).</summary>
    public int RequestTimeoutSeconds { get; init; } = 5;

    /// <summary>
    /// <c>SchemaRegistry:MaxRetries</c> — retries after a connection failure, timeout, 5xx or 429 (0-10, default 2),
    /// with exponential backoff and jitter. 4xx answers are never retried.
    /// </summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary><c>SchemaRegistry:RetryBackoffMilliseconds</c> — first retry delay before jitter; doubles per retry (1-60000, default 200).</summary>
    public int RetryBackoffMilliseconds { get; init; } = 200;

    /// <summary>
    /// <c>SchemaRegistry:LatestCacheTtlSeconds</c> — how long "latest version of a subject" answers are reused
    /// (0-86400, default 60; 0 asks the registry every time). Stale answers still serve while the registry is down.
    /// </summary>
    public int LatestCacheTtlSeconds { get; init; } = 60;

    /// <summary><c>SchemaRegistry:MaxCachedSchemas</c> — bound of each schema cache (1-1000000, default 1000).</summary>
    public int MaxCachedSchemas { get; init; } = 1000;

    /// <summary><c>SchemaRegistry:ValueSubjectNameStrategy</c> — subject of record values (default TopicName).</summary>
    public SubjectNameStrategyKind ValueSubjectNameStrategy { get; init; } = SubjectNameStrategyKind.TopicName;

    /// <summary><c>SchemaRegistry:KeySubjectNameStrategy</c> — subject of record keys (default TopicName).</summary>
    public SubjectNameStrategyKind KeySubjectNameStrategy { get; init; } = SubjectNameStrategyKind.TopicName;

    /// <summary>
    /// <c>SchemaRegistry:Topic</c> — the compacted Kafka topic holding the built-in registry's schemas, configuration
    /// and deletions (Confluent's format); reserved for the registry either way (default <c>_schemas</c>).
    /// </summary>
    public string Topic { get; init; } = "_schemas";

    /// <summary>
    /// <c>SchemaRegistry:ReservedTopics</c> — the topics of other schema registries on the same cluster (another
    /// gateway's built-in registry with its own <c>SchemaRegistry:Topic</c>, a Confluent Schema Registry's
    /// <c>kafkastore.topic</c>), refused to every request like <see cref="Topic"/> (default none).
    /// </summary>
    public string[] ReservedTopics { get; init; } = [];

    /// <summary>
    /// <c>SchemaRegistry:DefaultCompatibility</c> — built-in registry: compatibility level applied when neither the
    /// subject nor the global configuration sets one (default BACKWARD).
    /// </summary>
    public string DefaultCompatibility { get; init; } = "BACKWARD";

    /// <summary><c>SchemaRegistry:MaxSchemaLength</c> — built-in registry: longest schema text, in characters (1024-16777216, default 262144).</summary>
    public int MaxSchemaLength { get; init; } = 256 * 1024;

    /// <summary><c>SchemaRegistry:ForwardTimeoutSeconds</c> — external registry: seconds a forwarded <c>/registry</c> request may take before 504 (1-300, default 30).</summary>
    public int ForwardTimeoutSeconds { get; init; } = 30;

    /// <summary>True when an external registry is configured (otherwise the built-in registry serves).</summary>
    public bool UsesExternalRegistry => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The base URLs in configured order, each ending with <c>/</c> so relative paths append.</summary>
    public IReadOnlyList<Uri> BaseUrls => (Url ?? string.Empty)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(url => new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute))
        .ToArray();

    /// <summary>The cache settings these options describe.</summary>
    public SchemaCacheSettings CacheSettings => new()
    {
        MaxEntries = MaxCachedSchemas,
        LatestTtl = TimeSpan.FromSeconds(LatestCacheTtlSeconds),
    };

    /// <summary>The strategy for keys or values.</summary>
    public SubjectNameStrategyKind SubjectNameStrategyFor(bool isKey) =>
        isKey ? KeySubjectNameStrategy : ValueSubjectNameStrategy;

    // Records print every property; credentials must never reach a log through an options dump.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Url = ").Append(Url)
            .Append(", BasicAuthUserInfo = ").Append(Redacted.Of(BasicAuthUserInfo))
            .Append(", BasicAuthUsername = ").Append(BasicAuthUsername)
            .Append(", BasicAuthPassword = ").Append(Redacted.Of(BasicAuthPassword))
            .Append(", BearerToken = ").Append(Redacted.Of(BearerToken))
            .Append(", Tls = ").Append(Tls)
            .Append(", RequestTimeoutSeconds = ").Append(RequestTimeoutSeconds)
            .Append(", MaxRetries = ").Append(MaxRetries)
            .Append(", RetryBackoffMilliseconds = ").Append(RetryBackoffMilliseconds)
            .Append(", LatestCacheTtlSeconds = ").Append(LatestCacheTtlSeconds)
            .Append(", MaxCachedSchemas = ").Append(MaxCachedSchemas)
            .Append(", ValueSubjectNameStrategy = ").Append(ValueSubjectNameStrategy)
            .Append(", KeySubjectNameStrategy = ").Append(KeySubjectNameStrategy)
            .Append(", Topic = ").Append(Topic)
            .Append(", ReservedTopics = [").AppendJoin(", ", ReservedTopics).Append(']')
            .Append(", DefaultCompatibility = ").Append(DefaultCompatibility)
            .Append(", MaxSchemaLength = ").Append(MaxSchemaLength)
            .Append(", ForwardTimeoutSeconds = ").Append(ForwardTimeoutSeconds);
        return true;
    }
}

/// <summary>
/// Configuration section <c>SchemaRegistry:Tls</c>: the same kinds of settings as the Kafka TLS options, read by the
/// same loader (<see cref="KafkaGateway.Tls.TlsMaterialLoader"/>), so one set of files can serve both. The
/// client certificate comes from PEM (<see cref="CertificateLocation"/> plus <see cref="KeyLocation"/>) or from a
/// PKCS#12 or JKS key store (<see cref="KeyStoreLocation"/>), never both.
/// </summary>
public sealed record SchemaRegistryTlsOptions
{
    // Not SectionName: these settings are a part of SchemaRegistryOptions, not a section of their own.
    private const string Section = SchemaRegistryOptions.SectionName + ":Tls";

    /// <summary>
    /// <c>SchemaRegistry:Tls:CaLocation</c> — PEM file with the CA certificate(s) that sign the registry's certificate.
    /// When set, only these CAs are trusted (as with librdkafka's <c>ssl.ca.location</c>); otherwise the system store.
    /// Mutually exclusive with <see cref="TrustStoreLocation"/>.
    /// </summary>
    public string? CaLocation { get; init; }

    /// <summary><c>SchemaRegistry:Tls:CertificateLocation</c> — PEM client certificate, optionally followed by its chain.</summary>
    public string? CertificateLocation { get; init; }

    /// <summary>
    /// <c>SchemaRegistry:Tls:KeyLocation</c> — PEM private key of the client certificate, in any encoding
    /// <c>Kafka:Tls:KeyLocation</c> accepts (PKCS#8, PKCS#1, SEC1, encrypted or OpenSSL legacy encrypted).
    /// </summary>
    public string? KeyLocation { get; init; }

    /// <summary>
    /// <c>SchemaRegistry:Tls:KeyPassword</c> — password of an encrypted PEM private key, or of the key entry of a JKS
    /// key store (defaults to <see cref="KeyStorePassword"/> there).
    /// </summary>
    public string? KeyPassword { get; init; }

    /// <summary>
    /// <c>SchemaRegistry:Tls:KeyStoreLocation</c> — PKCS#12 (.p12/.pfx) or Java KeyStore (JKS) file with the client key
    /// and certificate; the type is detected from the content.
    /// </summary>
    public string? KeyStoreLocation { get; init; }

    /// <summary><c>SchemaRegistry:Tls:KeyStorePassword</c> — password of <see cref="KeyStoreLocation"/> (required for JKS).</summary>
    public string? KeyStorePassword { get; init; }

    /// <summary>
    /// <c>SchemaRegistry:Tls:TrustStoreLocation</c> — JKS or PKCS#12 trust store with the CA certificates that sign the
    /// registry's certificate (the Hopsworks layout: keyStore.jks + trustStore.jks). Mutually exclusive with
    /// <see cref="CaLocation"/>.
    /// </summary>
    public string? TrustStoreLocation { get; init; }

    /// <summary><c>SchemaRegistry:Tls:TrustStorePassword</c> — password of <see cref="TrustStoreLocation"/>.</summary>
    public string? TrustStorePassword { get; init; }

    /// <summary>
    /// <c>SchemaRegistry:Tls:EnableHostnameVerification</c> — check that the registry's certificate names the host
    /// (default true; turn off only for registries reached through an address their certificate does not list).
    /// </summary>
    public bool EnableHostnameVerification { get; init; } = true;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("CaLocation = ").Append(CaLocation)
            .Append(", CertificateLocation = ").Append(CertificateLocation)
            .Append(", KeyLocation = ").Append(KeyLocation)
            .Append(", KeyPassword = ").Append(Redacted.Of(KeyPassword))
            .Append(", KeyStoreLocation = ").Append(KeyStoreLocation)
            .Append(", KeyStorePassword = ").Append(Redacted.Of(KeyStorePassword))
            .Append(", TrustStoreLocation = ").Append(TrustStoreLocation)
            .Append(", TrustStorePassword = ").Append(Redacted.Of(TrustStorePassword))
            .Append(", EnableHostnameVerification = ").Append(EnableHostnameVerification);
        return true;
    }

    /// <summary>True when any certificate, key or trust setting is present.</summary>
    internal bool HasMaterial =>
        !string.IsNullOrWhiteSpace(CaLocation) || !string.IsNullOrWhiteSpace(CertificateLocation)
        || !string.IsNullOrWhiteSpace(KeyLocation) || !string.IsNullOrWhiteSpace(KeyStoreLocation)
        || !string.IsNullOrWhiteSpace(TrustStoreLocation);

    /// <summary>These settings as the shared TLS loader reads them; errors name <c>SchemaRegistry:Tls:*</c> keys.</summary>
    internal KafkaGateway.Tls.TlsMaterialSource ToMaterialSource() => new()
    {
        Section = Section,
        CaLocation = CaLocation,
        CertificateLocation = CertificateLocation,
        // Without KeyLocation the key is read from the certificate file, as X509Certificate2.CreateFromPemFile did.
        KeyLocation = string.IsNullOrWhiteSpace(KeyLocation) ? CertificateLocation : KeyLocation,
        KeyPassword = KeyPassword,
        KeyStoreLocation = KeyStoreLocation,
        KeyStorePassword = KeyStorePassword,
        TrustStoreLocation = TrustStoreLocation,
        TrustStorePassword = TrustStorePassword,
    };
}

/// <summary>How secrets appear when options are printed.</summary>
internal static class Redacted
{
    public const string Marker = "***";

    public static string? Of(string? secret) => string.IsNullOrEmpty(secret) ? secret : Marker;
}
