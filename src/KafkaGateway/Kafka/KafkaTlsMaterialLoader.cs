using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.Tls;

namespace KafkaGateway.Kafka;

/// <summary>
/// Turns <see cref="KafkaTlsOptions"/> into <see cref="KafkaTlsMaterial"/>: <see cref="TlsMaterialLoader"/> reads and
/// checks the material, this re-encodes it as PEM for librdkafka.
/// </summary>
public static class KafkaTlsMaterialLoader
{
    /// <summary>Loads and validates the configured TLS material.</summary>
    /// <param name="options">The <c>Kafka:Tls</c> settings.</param>
    /// <param name="time">Clock for the certificate validity check and <see cref="KafkaTlsMaterial.DaysUntilExpiry"/>.</param>
    /// <exception cref="TlsConfigurationException">A setting is missing, contradictory or points at unusable material.</exception>
    public static KafkaTlsMaterial Load(KafkaTlsOptions options, TimeProvider time) =>
        Load(options, time, KafkaTlsOptions.SectionName);

    /// <summary>Same, for settings bound from <paramref name="section"/> (a <c>Kafka:Identities:&lt;name&gt;</c>).</summary>
    internal static KafkaTlsMaterial Load(KafkaTlsOptions options, TimeProvider time, string section)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (!options.IsTlsEnabled)
            return KafkaTlsMaterial.Disabled;

        using var material = TlsMaterialLoader.Load(ToSource(options, section), time);
        return new KafkaTlsMaterial
        {
            CaPem = material.CaCertificates is { } cas ? TlsMaterialLoader.ToPem(cas) : null,
            CaCertificateCount = material.CaCertificates?.Count ?? 0,
            CertificateChainPem = material.CertificateChain is { } chain ? TlsMaterialLoader.ToPem(chain) : null,
            PrivateKeyPem = material.PrivateKeyPkcs8 is { } pkcs8 ? PemEncoding.WriteString("PRIVATE KEY", pkcs8) : null,
            // A copy: the material's own is disposed with it.
            Certificate = material.Certificate is { } leaf ? X509CertificateLoader.LoadCertificate(leaf.RawData) : null,
            NotAfter = material.NotAfter,
            DaysUntilExpiry = material.DaysUntilExpiry,
            ExpiresSoon = material.ExpiresSoon,
            EnableHostnameVerification = options.EnableHostnameVerification,
        };
    }

    private static TlsMaterialSource ToSource(KafkaTlsOptions o, string section) => new()
    {
        Section = section,
        CaLocation = o.CaLocation,
        CaPem = o.CaPem,
        CertificateLocation = o.CertificateLocation,
        CertificatePem = o.CertificatePem,
        KeyLocation = o.KeyLocation,
        KeyPem = o.KeyPem,
        KeyPassword = o.KeyPassword,
        KeyStoreLocation = o.KeyStoreLocation,
        KeyStorePassword = o.KeyStorePassword,
        KeyStoreType = o.KeyStoreType,
        TrustStoreLocation = o.TrustStoreLocation,
        TrustStorePassword = o.TrustStorePassword,
        ExpiryWarningDays = o.ExpiryWarningDays,
    };
}
