namespace KafkaGateway.Kafka;

/// <summary>
/// TLS material for the Kafka clients, bound from the configuration section <c>Kafka:Tls</c>.
/// The client certificate comes either from PEM (<see cref="CertificateLocation"/>/<see cref="CertificatePem"/> plus
/// <see cref="KeyLocation"/>/<see cref="KeyPem"/>) or from a key store (<see cref="KeyStoreLocation"/>), never both;
/// the trusted CAs come either from PEM (<see cref="CaLocation"/>/<see cref="CaPem"/>) or from a trust store
/// (<see cref="TrustStoreLocation"/>). Everything is converted to PEM in memory and handed to librdkafka as
/// <c>ssl.ca.pem</c>, <c>ssl.certificate.pem</c> and <c>ssl.key.pem</c>; nothing is written to disk.
/// </summary>
public sealed record KafkaTlsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Kafka:Tls";

    /// <summary>
    /// <c>Kafka:Tls:Enabled</c> — turns TLS on even when no material is configured (the brokers' certificates are
    /// then verified against the operating system's CA store). TLS is also on whenever any certificate, key or
    /// store setting below is present. Default <c>false</c>.
    /// </summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:CaLocation</c> — path of a PEM file with one or more CA certificates used to verify the brokers.
    /// Mutually exclusive with <see cref="CaPem"/> and <see cref="TrustStoreLocation"/>.
    /// </summary>
    public string? CaLocation { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:CaPem</c> — inline PEM text with one or more CA certificates (for secrets injected as
    /// environment variables). Mutually exclusive with <see cref="CaLocation"/> and <see cref="TrustStoreLocation"/>.
    /// </summary>
    public string? CaPem { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:CertificateLocation</c> — path of a PEM file with the client certificate first, optionally
    /// followed by its intermediate CA certificates (they are sent to the broker). Requires
    /// <see cref="KeyLocation"/> or <see cref="KeyPem"/>; mutually exclusive with <see cref="CertificatePem"/> and
    /// <see cref="KeyStoreLocation"/>.
    /// </summary>
    public string? CertificateLocation { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:CertificatePem</c> — inline PEM text of the client certificate, optionally followed by its
    /// chain. Same rules as <see cref="CertificateLocation"/>.
    /// </summary>
    public string? CertificatePem { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:KeyLocation</c> — path of the client's private key as PEM: PKCS#8 (<c>PRIVATE KEY</c>),
    /// encrypted PKCS#8 (<c>ENCRYPTED PRIVATE KEY</c>, needs <see cref="KeyPassword"/>), PKCS#1 RSA
    /// (<c>RSA PRIVATE KEY</c>) or SEC1 EC (<c>EC PRIVATE KEY</c>), the last two also in OpenSSL's legacy encrypted
    /// form (<c>Proc-Type: 4,ENCRYPTED</c>, needs <see cref="KeyPassword"/>). RSA and EC keys are supported.
    /// Mutually exclusive with <see cref="KeyPem"/>.
    /// </summary>
    public string? KeyLocation { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:KeyPem</c> — inline PEM text of the client's private key, in any encoding
    /// <see cref="KeyLocation"/> accepts.
    /// </summary>
    public string? KeyPem { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:KeyPassword</c> — password of an encrypted PEM private key, or of the private-key entry in a
    /// JKS key store. For JKS it defaults to <see cref="KeyStorePassword"/> (the usual convention, e.g. Hopsworks'
    /// keyStore.jks + trustStore.jks with one password). Ignored for PKCS#12, whose keys share the store password.
    /// </summary>
    public string? KeyPassword { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:KeyStoreLocation</c> — path of a key store holding exactly one private key with its certificate
    /// chain: PKCS#12 (.p12/.pfx, made by openssl or keytool) or Java KeyStore (JKS). Mutually exclusive with the
    /// PEM certificate and key settings.
    /// </summary>
    public string? KeyStoreLocation { get; init; }

    /// <summary><c>Kafka:Tls:KeyStorePassword</c> — password of <see cref="KeyStoreLocation"/> (required for JKS).</summary>
    public string? KeyStorePassword { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:KeyStoreType</c> — <c>PKCS12</c> or <c>JKS</c>. When omitted the type is detected from the
    /// content: JKS starts with the magic number 0xFEEDFEED, PKCS#12 with a DER SEQUENCE. JCEKS is not supported.
    /// The type of <see cref="TrustStoreLocation"/> is always detected this way.
    /// </summary>
    public string? KeyStoreType { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:TrustStoreLocation</c> — path of a JKS or PKCS#12 trust store whose trusted certificates are the
    /// CAs used to verify the brokers (keytool's <c>trustedCertEntry</c> entries). Mutually exclusive with
    /// <see cref="CaLocation"/> and <see cref="CaPem"/>.
    /// </summary>
    public string? TrustStoreLocation { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:TrustStorePassword</c> — password of <see cref="TrustStoreLocation"/>. A JKS trust store may be
    /// read without it (as Java does), in which case its integrity check is skipped.
    /// </summary>
    public string? TrustStorePassword { get; init; }

    /// <summary>
    /// <c>Kafka:Tls:EnableHostnameVerification</c> — verify that the broker's certificate matches the host name
    /// the client connected to (librdkafka <c>ssl.endpoint.identification.algorithm=https</c>). Default
    /// <c>true</c>; turn it off only for brokers whose certificates lack the advertised host names.
    /// </summary>
    public bool EnableHostnameVerification { get; init; } = true;

    /// <summary>
    /// <c>Kafka:Tls:ExpiryWarningDays</c> — warn at start-up when the client certificate expires within this many
    /// days. Default 30.
    /// </summary>
    public int ExpiryWarningDays { get; init; } = 30;

    /// <summary>True when TLS is on: <see cref="Enabled"/> is set or any TLS material is configured.</summary>
    public bool IsTlsEnabled =>
        Enabled
        || HasValue(CaLocation) || HasValue(CaPem)
        || HasValue(CertificateLocation) || HasValue(CertificatePem)
        || HasValue(KeyLocation) || HasValue(KeyPem)
        || HasValue(KeyStoreLocation) || HasValue(TrustStoreLocation);

    internal static bool HasValue(string? value) => !string.IsNullOrWhiteSpace(value);
}
