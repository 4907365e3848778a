using KafkaGateway.Kafka;
using KafkaGateway.Security;
using KafkaGateway.Tests.Tls;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaTlsMaterialLoaderTests
{
    // Inside every non-expired test certificate's validity (they are issued for 3650 days when the script runs).
    private static readonly TimeProvider s_now = TimeProvider.System;

    public static TheoryData<string, string?> ClientKeyStores => new()
    {
        { "keystore.openssl.p12", null },
        { "keystore.keytool.p12", null },
        { "keystore.jks", null },
        { "keystore.jks", "JKS" },
        { "keystore.openssl.p12", "PKCS12" },
    };

    [Fact]
    public void Load_PemFiles_ReturnsLeafKeyAndCaBundle()
    {
        var options = new KafkaTlsOptions
        {
            CaLocation = PathOf("ca-bundle.pem"),
            CertificateLocation = PathOf("client.crt"),
            KeyLocation = PathOf("client.key"),
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.Equal(Thumbprint("client.crt"), material.Certificate!.Thumbprint);
        Assert.Equal([Thumbprint("client.crt")], Thumbprints(material.CertificateChainPem!));
        Assert.Equal([Thumbprint("root-ca.crt"), Thumbprint("other-ca.crt")], Thumbprints(material.CaPem!));
        Assert.Equal(2, material.CaCertificateCount);
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", material.PrivateKeyPem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InlinePemWithChain_KeepsLeafThenIntermediate()
    {
        var options = new KafkaTlsOptions
        {
            CaPem = Text("root-ca.crt"),
            CertificatePem = Text("client-chain.pem"),
            KeyPem = Text("client.key"),
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.Equal([Thumbprint("client.crt"), Thumbprint("intermediate-ca.crt")], Thumbprints(material.CertificateChainPem!));
        Assert.Equal([Thumbprint("root-ca.crt")], Thumbprints(material.CaPem!));
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
    }

    [Theory]
    [InlineData("client.encrypted.key", KeyPassword)]
    [InlineData("client.encrypted-pbes1.key", KeyPassword)]
    [InlineData("client.pkcs1.key", null)]
    [InlineData("client.legacy-aes.key", KeyPassword)]
    [InlineData("client.legacy-des3.key", KeyPassword)]
    public void Load_OtherRsaKeyEncodings_ReturnsUnencryptedPkcs8(string keyFile, string? keyPassword)
    {
        var options = new KafkaTlsOptions
        {
            CertificateLocation = PathOf("client.crt"),
            KeyLocation = PathOf(keyFile),
            KeyPassword = keyPassword,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", material.PrivateKeyPem, StringComparison.Ordinal);
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
        Assert.Null(material.CaPem);
    }

    [Fact]
    public void Load_Sec1EcKey_ReturnsUnencryptedPkcs8()
    {
        var options = new KafkaTlsOptions
        {
            CertificateLocation = PathOf("client-ec.crt"),
            KeyLocation = PathOf("client-ec.sec1.key"),
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", material.PrivateKeyPem, StringComparison.Ordinal);
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client-ec.crt"));
    }

    [Fact]
    public void Load_LegacyEncryptedEcKey_ReturnsUnencryptedPkcs8()
    {
        var options = new KafkaTlsOptions
        {
            CertificateLocation = PathOf("client-ec.crt"),
            KeyLocation = PathOf("client-ec.legacy-aes.key"),
            KeyPassword = KeyPassword,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", material.PrivateKeyPem, StringComparison.Ordinal);
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client-ec.crt"));
    }

    [Fact]
    public void Load_InlineLegacyEncryptedKey_ReturnsUnencryptedPkcs8()
    {
        var options = new KafkaTlsOptions
        {
            CertificatePem = Text("client.crt"),
            KeyPem = Text("client.legacy-aes.key"),
            KeyPassword = KeyPassword,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
    }

    [Theory]
    [MemberData(nameof(ClientKeyStores))]
    public void Load_KeyStore_ReturnsLeafWithIntermediateAndMatchingKey(string keyStore, string? keyStoreType)
    {
        var options = new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf(keyStore),
            KeyStorePassword = StorePassword,
            KeyStoreType = keyStoreType,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.Equal(Thumbprint("client.crt"), material.Certificate!.Thumbprint);
        Assert.Equal([Thumbprint("client.crt"), Thumbprint("intermediate-ca.crt")], Thumbprints(material.CertificateChainPem!));
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
    }

    [Fact]
    public void Load_JksKeyStoreWithSeparateKeyPassword_UsesKeyPassword()
    {
        var options = new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf("keystore.keypass.jks"),
            KeyStorePassword = StorePassword,
            KeyPassword = KeyPassword,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
    }

    [Fact]
    public void Load_JksEcKeyStore_ReturnsEcKey()
    {
        var options = new KafkaTlsOptions { KeyStoreLocation = PathOf("keystore-ec.jks"), KeyStorePassword = StorePassword };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.Equal(Thumbprint("client-ec.crt"), material.Certificate!.Thumbprint);
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client-ec.crt"));
    }

    [Theory]
    [InlineData("truststore.jks")]
    [InlineData("truststore.p12")]
    public void Load_HopsworksStyleKeyStoreAndTrustStore_ReturnsBothCas(string trustStore)
    {
        var options = new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf("keystore.jks"),
            KeyStorePassword = StorePassword,
            TrustStoreLocation = PathOf(trustStore),
            TrustStorePassword = StorePassword,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.Equal(
            new[] { Thumbprint("other-ca.crt"), Thumbprint("root-ca.crt") }.Order(StringComparer.Ordinal),
            Thumbprints(material.CaPem!).Order(StringComparer.Ordinal));
        Assert.Equal(Thumbprint("client.crt"), material.Certificate!.Thumbprint);
    }

    [Fact]
    public void Load_JksKeyStoreTypeWithPkcs12TrustStore_DetectsTrustStoreTypeFromContent()
    {
        var options = new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf("keystore.jks"),
            KeyStorePassword = StorePassword,
            KeyStoreType = "JKS",
            TrustStoreLocation = PathOf("truststore.p12"),
            TrustStorePassword = StorePassword,
        };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.Equal(2, material.CaCertificateCount);
        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
    }

    [Fact]
    public void Load_TrustStoreOnly_EnablesTlsWithoutClientCertificate()
    {
        var options = new KafkaTlsOptions { TrustStoreLocation = PathOf("truststore.p12"), TrustStorePassword = StorePassword };

        using var material = KafkaTlsMaterialLoader.Load(options, s_now);

        Assert.True(material.IsEnabled);
        Assert.Equal(2, material.CaCertificateCount);
        Assert.Null(material.CertificateChainPem);
        Assert.Null(material.PrivateKeyPem);
        Assert.Null(material.DaysUntilExpiry);
    }

    [Fact]
    public void Load_NothingConfigured_ReturnsDisabledMaterial()
    {
        var material = KafkaTlsMaterialLoader.Load(new KafkaTlsOptions(), s_now);

        Assert.False(material.IsEnabled);
        Assert.Null(material.CaPem);
    }

    [Fact]
    public void Load_CertificateExpiringWithinWarningWindow_ReportsDaysAndExpiresSoon()
    {
        using var certificate = Certificate("client.crt");
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var options = new KafkaTlsOptions { CertificateLocation = PathOf("client.crt"), KeyLocation = PathOf("client.key"), ExpiryWarningDays = 30 };

        using var material = KafkaTlsMaterialLoader.Load(options, new FixedTimeProvider(notAfter.AddDays(-10.5)));

        Assert.Equal(10, material.DaysUntilExpiry);
        Assert.True(material.ExpiresSoon);
        Assert.Equal(notAfter, material.NotAfter);
    }

    [Fact]
    public void Load_CertificateFarFromExpiry_DoesNotExpireSoon()
    {
        using var certificate = Certificate("client.crt");
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var options = new KafkaTlsOptions { CertificateLocation = PathOf("client.crt"), KeyLocation = PathOf("client.key") };

        using var material = KafkaTlsMaterialLoader.Load(options, new FixedTimeProvider(notAfter.AddDays(-365)));

        Assert.Equal(365, material.DaysUntilExpiry);
        Assert.False(material.ExpiresSoon);
    }
}
