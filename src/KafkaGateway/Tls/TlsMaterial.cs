using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KafkaGateway.Tls;

/// <summary>
/// What <see cref="TlsMaterialLoader"/> reads: where the CA certificates and the certificate with its key come
/// from, and the configuration key of every setting so that errors name what the operator wrote.
/// </summary>
/// <remarks>
/// The certificate comes either from PEM (<see cref="CertificateLocation"/>/<see cref="CertificatePem"/> plus
/// <see cref="KeyLocation"/>/<see cref="KeyPem"/>) or from a PKCS#12 or JKS key store (<see cref="KeyStoreLocation"/>),
/// never both; the CAs from PEM (<see cref="CaLocation"/>/<see cref="CaPem"/>) or a trust store
/// (<see cref="TrustStoreLocation"/>). <c>KafkaTlsOptions</c> documents each setting.
/// </remarks>
public sealed record TlsMaterialSource
{
    /// <summary>The configuration section the settings were bound from, e.g. <c>Kafka:Tls</c>.</summary>
    public required string Section { get; init; }

    public string? CaLocation { get; init; }

    public string? CaPem { get; init; }

    public string? CertificateLocation { get; init; }

    public string? CertificatePem { get; init; }

    public string? KeyLocation { get; init; }

    public string? KeyPem { get; init; }

    /// <summary>Password of an encrypted PEM key or of a JKS key entry (defaults to the store password there).</summary>
    public string? KeyPassword { get; init; }

    public string? KeyStoreLocation { get; init; }

    public string? KeyStorePassword { get; init; }

    /// <summary><c>PKCS12</c> or <c>JKS</c>; detected from the content when empty.</summary>
    public string? KeyStoreType { get; init; }

    public string? TrustStoreLocation { get; init; }

    public string? TrustStorePassword { get; init; }

    /// <summary>Days before expiry from which <see cref="TlsMaterial.ExpiresSoon"/> is true.</summary>
    public int ExpiryWarningDays { get; init; } = 30;

    /// <summary>How messages call the certificate: <c>client certificate</c> or <c>server certificate</c>.</summary>
    public string CertificateRole { get; init; } = "client certificate";

    /// <summary>
    /// Configuration keys that are not <c>{Section}:{property name}</c>, by property name (Kestrel's certificate
    /// section calls them <c>Path</c>, <c>KeyPath</c> and <c>Password</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? KeyNames { get; init; }

    /// <summary>The configuration key of the setting named <paramref name="property"/>.</summary>
    public string KeyOf(string property) =>
        KeyNames is not null && KeyNames.TryGetValue(property, out var key) ? key : $"{Section}:{property}";

    // Records print every property; passwords must never reach a log through a dump.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Section = ").Append(Section)
            .Append(", CaLocation = ").Append(CaLocation)
            .Append(", CertificateLocation = ").Append(CertificateLocation)
            .Append(", KeyLocation = ").Append(KeyLocation)
            .Append(", KeyPassword = ").Append(KeyPassword is null ? null : "***")
            .Append(", KeyStoreLocation = ").Append(KeyStoreLocation)
            .Append(", KeyStorePassword = ").Append(KeyStorePassword is null ? null : "***")
            .Append(", KeyStoreType = ").Append(KeyStoreType)
            .Append(", TrustStoreLocation = ").Append(TrustStoreLocation)
            .Append(", TrustStorePassword = ").Append(TrustStorePassword is null ? null : "***");
        return true;
    }
}

/// <summary>
/// Checked TLS material in DER form, whatever format it came in; <c>KafkaTlsMaterial</c> turns it into PEM for
/// librdkafka, <see cref="CreateCertificateWithKey"/> into what <c>SslStream</c> takes. Disposing zeroes the key.
/// </summary>
public sealed class TlsMaterial : IDisposable
{
    /// <summary>Trusted CA certificates (DER); null when none are configured (the system store decides).</summary>
    public IReadOnlyList<byte[]>? CaCertificates { get; init; }

    /// <summary>The certificate followed by its intermediates (DER); null without a certificate.</summary>
    public IReadOnlyList<byte[]>? CertificateChain { get; init; }

    /// <summary>The certificate's private key as unencrypted PKCS#8 DER; null without a certificate.</summary>
    public byte[]? PrivateKeyPkcs8 { get; init; }

    /// <summary>The (leaf) certificate without its key; null without a certificate.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>When the certificate expires (UTC).</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Whole days from loading until the certificate expires.</summary>
    public int? DaysUntilExpiry { get; init; }

    /// <summary>True when the certificate expires within <see cref="TlsMaterialSource.ExpiryWarningDays"/>.</summary>
    public bool ExpiresSoon { get; init; }

    /// <summary>The CA certificates as a collection the caller owns; null when none are configured.</summary>
    public X509Certificate2Collection? CreateCaCollection()
    {
        if (CaCertificates is null)
            return null;
        var collection = new X509Certificate2Collection();
        foreach (var der in CaCertificates)
            collection.Add(X509CertificateLoader.LoadCertificate(der));
        return collection;
    }

    /// <summary>The intermediates sent along with the certificate, as a collection the caller owns.</summary>
    public X509Certificate2Collection CreateIntermediates()
    {
        var collection = new X509Certificate2Collection();
        foreach (var der in CertificateChain?.Skip(1) ?? [])
            collection.Add(X509CertificateLoader.LoadCertificate(der));
        return collection;
    }

    /// <summary>
    /// The certificate with its private key, for <c>SslStream</c> (client or server side); the caller owns it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The material has no certificate.</exception>
    public X509Certificate2 CreateCertificateWithKey()
    {
        if (Certificate is null || PrivateKeyPkcs8 is null)
            throw new InvalidOperationException("the TLS material has no certificate");

        using var key = PrivateKeyPemReader.Import(PrivateKeyPkcs8, "(loaded material)");
        using var withKey = key switch
        {
            RSA rsa => Certificate.CopyWithPrivateKey(rsa),
            ECDsa ec => Certificate.CopyWithPrivateKey(ec),
            _ => throw new InvalidOperationException("the private key is neither RSA nor EC"),
        };
        // Keys imported from PKCS#8 are ephemeral; a PKCS#12 round trip gives SslStream a key it can use on every
        // platform (Windows' SChannel refuses ephemeral keys).
        var pkcs12 = withKey.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pkcs12, password: null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs12);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate?.Dispose();
        if (PrivateKeyPkcs8 is not null)
            CryptographicOperations.ZeroMemory(PrivateKeyPkcs8);
    }
}
