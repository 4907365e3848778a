using System.Security.Cryptography.X509Certificates;
using Confluent.Kafka;

namespace KafkaGateway.Kafka;

/// <summary>
/// TLS material in the form librdkafka takes it: PEM strings for <c>ssl.ca.pem</c>, <c>ssl.certificate.pem</c> and
/// <c>ssl.key.pem</c>. Produced by <see cref="KafkaTlsMaterialLoader.Load(KafkaTlsOptions, TimeProvider)"/>, whatever format the material came in.
/// </summary>
public sealed class KafkaTlsMaterial : IDisposable
{
    /// <summary>Material that leaves a client in plaintext: TLS is not configured.</summary>
    public static KafkaTlsMaterial Disabled { get; } = new() { IsEnabled = false };

    /// <summary>False when no TLS setting is present; <see cref="ApplyTo"/> then changes nothing.</summary>
    public bool IsEnabled { get; init; } = true;

    /// <summary>Trusted CA certificates (PEM, one or more); null to use the operating system's CA store.</summary>
    public string? CaPem { get; init; }

    /// <summary>Number of certificates in <see cref="CaPem"/>.</summary>
    public int CaCertificateCount { get; init; }

    /// <summary>Client certificate followed by its intermediates (PEM); null without mutual TLS.</summary>
    public string? CertificateChainPem { get; init; }

    /// <summary>Client private key as unencrypted PKCS#8 PEM (<c>PRIVATE KEY</c>); null without mutual TLS.</summary>
    public string? PrivateKeyPem { get; init; }

    /// <summary>The client (leaf) certificate, without its private key; null without mutual TLS.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>When the client certificate expires (UTC).</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Whole days from loading until the client certificate expires.</summary>
    public int? DaysUntilExpiry { get; init; }

    /// <summary>True when the client certificate expires within <see cref="KafkaTlsOptions.ExpiryWarningDays"/>.</summary>
    public bool ExpiresSoon { get; init; }

    /// <summary>Whether the broker host name is checked against its certificate.</summary>
    public bool EnableHostnameVerification { get; init; } = true;

    /// <summary>
    /// Points a Confluent.Kafka client configuration at this material.
    /// </summary>
    /// <remarks>
    /// Sets <c>security.protocol</c> to <c>ssl</c> (or <c>sasl_ssl</c> when SASL is already configured),
    /// <c>ssl.ca.pem</c> (librdkafka reads every certificate in it since 2.0), <c>ssl.certificate.pem</c> (the chain is
    /// sent to the broker since 2.8), <c>ssl.key.pem</c>, <c>enable.ssl.certificate.verification=true</c> and
    /// <c>ssl.endpoint.identification.algorithm=https</c> unless hostname verification is off.
    /// The TLS version floor is not set: librdkafka has no protocol-version property (an <c>ssl.protocols</c> key is
    /// rejected as unknown), and the OpenSSL 3 it bundles refuses TLS 1.0/1.1 at its default security level, so
    /// TLS 1.2 is the effective minimum.
    /// </remarks>
    public void ApplyTo(ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!IsEnabled)
            return;

        config.SecurityProtocol = config.SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl
            ? SecurityProtocol.SaslSsl
            : SecurityProtocol.Ssl;
        config.EnableSslCertificateVerification = true;
        config.SslEndpointIdentificationAlgorithm = EnableHostnameVerification
            ? SslEndpointIdentificationAlgorithm.Https
            : SslEndpointIdentificationAlgorithm.None;
        if (CaPem is not null)
            config.SslCaPem = CaPem;
        if (CertificateChainPem is not null && PrivateKeyPem is not null)
        {
            config.SslCertificatePem = CertificateChainPem;
            config.SslKeyPem = PrivateKeyPem;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Certificate?.Dispose();
}
