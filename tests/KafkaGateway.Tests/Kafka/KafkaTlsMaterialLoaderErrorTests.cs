using KafkaGateway.Kafka;
using KafkaGateway.Security;
using KafkaGateway.Tests.Tls;
using KafkaGateway.Tls;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaTlsMaterialLoaderErrorTests
{
    private static TlsConfigurationException LoadFails(KafkaTlsOptions options, TimeProvider? time = null)
    {
        var ex = Assert.Throws<TlsConfigurationException>(() => KafkaTlsMaterialLoader.Load(options, time ?? TimeProvider.System));
        // Whatever went wrong, no secret may leak into logs through the message.
        Assert.DoesNotContain(StorePassword, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyPassword, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-5150", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY-----", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public void Load_MissingKeyStoreFile_NamesKeyAndPath()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = "/x/y.jks", KeyStorePassword = StorePassword });

        Assert.Equal("Kafka:Tls:KeyStoreLocation: file '/x/y.jks' not found", ex.Message);
        Assert.Equal("Kafka:Tls:KeyStoreLocation", ex.ConfigurationKey);
    }

    [Theory]
    [InlineData("CaLocation")]
    [InlineData("CertificateLocation")]
    [InlineData("KeyLocation")]
    [InlineData("TrustStoreLocation")]
    public void Load_MissingFile_NamesItsKey(string setting)
    {
        var options = setting switch
        {
            "CaLocation" => new KafkaTlsOptions { CaLocation = "/missing/ca.pem" },
            "CertificateLocation" => new KafkaTlsOptions { CertificateLocation = "/missing/ca.pem", KeyLocation = PathOf("client.key") },
            "KeyLocation" => new KafkaTlsOptions { CertificateLocation = PathOf("client.crt"), KeyLocation = "/missing/ca.pem" },
            _ => new KafkaTlsOptions { TrustStoreLocation = "/missing/ca.pem" },
        };

        var ex = LoadFails(options);

        Assert.Equal($"Kafka:Tls:{setting}: file '/missing/ca.pem' not found", ex.Message);
    }

    [Theory]
    [InlineData("keystore.jks", "JKS integrity check failed")]
    [InlineData("keystore.openssl.p12", "PKCS#12 MAC check failed")]
    [InlineData("keystore.keytool.p12", "PKCS#12 MAC check failed")]
    public void Load_WrongKeyStorePassword_ReportsWrongPassword(string keyStore, string reason)
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = PathOf(keyStore), KeyStorePassword = "wrong-secret-5150" });

        Assert.Equal($"Kafka:Tls:KeyStorePassword: wrong password for '{PathOf(keyStore)}' ({reason})", ex.Message);
    }

    [Theory]
    [InlineData("truststore.jks")]
    [InlineData("truststore.p12")]
    public void Load_WrongTrustStorePassword_ReportsWrongPassword(string trustStore)
    {
        var ex = LoadFails(new KafkaTlsOptions { TrustStoreLocation = PathOf(trustStore), TrustStorePassword = "wrong-secret-5150" });

        Assert.Equal("Kafka:Tls:TrustStorePassword", ex.ConfigurationKey);
        Assert.StartsWith($"Kafka:Tls:TrustStorePassword: wrong password for '{PathOf(trustStore)}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongJksKeyPassword_ReportsKeyPassword()
    {
        var ex = LoadFails(new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf("keystore.keypass.jks"),
            KeyStorePassword = StorePassword,
            KeyPassword = "wrong-secret-5150",
        });

        Assert.Equal(
            $"Kafka:Tls:KeyPassword: wrong password for private key 'kafka-client' in key store '{PathOf("keystore.keypass.jks")}' (key check digest mismatch)",
            ex.Message);
    }

    [Fact]
    public void Load_JksKeyPasswordDiffersFromStorePasswordAndIsNotSet_AsksForKeyPassword()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = PathOf("keystore.keypass.jks"), KeyStorePassword = StorePassword });

        Assert.Equal("Kafka:Tls:KeyPassword", ex.ConfigurationKey);
        Assert.Contains("set Kafka:Tls:KeyPassword", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_JksKeyStoreWithoutPassword_AsksForStorePassword()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = PathOf("keystore.jks") });

        Assert.Equal("Kafka:Tls:KeyStorePassword", ex.ConfigurationKey);
        Assert.Contains("required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EncryptedKeyWithWrongPassword_ReportsKeyPassword()
    {
        var ex = LoadFails(new KafkaTlsOptions
        {
            CertificateLocation = PathOf("client.crt"),
            KeyLocation = PathOf("client.encrypted.key"),
            KeyPassword = "wrong-secret-5150",
        });

        Assert.Equal(
            $"Kafka:Tls:KeyPassword: wrong password for the encrypted private key in file '{PathOf("client.encrypted.key")}' (decryption failed)",
            ex.Message);
    }

    [Fact]
    public void Load_Pbes1EncryptedKeyWithWrongPassword_ReportsKeyPassword()
    {
        var ex = LoadFails(new KafkaTlsOptions
        {
            CertificateLocation = PathOf("client.crt"),
            KeyLocation = PathOf("client.encrypted-pbes1.key"),
            KeyPassword = "wrong-secret-5150",
        });

        Assert.Equal("Kafka:Tls:KeyPassword", ex.ConfigurationKey);
        Assert.Contains("(decryption failed)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client.legacy-aes.key")]
    [InlineData("client.legacy-des3.key")]
    [InlineData("client-ec.legacy-aes.key")]
    public void Load_LegacyEncryptedKeyWithWrongPassword_ReportsKeyPassword(string keyFile)
    {
        var ex = LoadFails(new KafkaTlsOptions
        {
            CertificateLocation = PathOf(keyFile.StartsWith("client-ec", StringComparison.Ordinal) ? "client-ec.crt" : "client.crt"),
            KeyLocation = PathOf(keyFile),
            KeyPassword = "wrong-secret-5150",
        });

        Assert.Equal(
            $"Kafka:Tls:KeyPassword: wrong password for the encrypted private key in file '{PathOf(keyFile)}' (decryption failed)",
            ex.Message);
    }

    [Fact]
    public void Load_LegacyEncryptedKeyWithoutPassword_AsksForKeyPassword()
    {
        var ex = LoadFails(new KafkaTlsOptions { CertificateLocation = PathOf("client.crt"), KeyLocation = PathOf("client.legacy-aes.key") });

        Assert.Equal("Kafka:Tls:KeyPassword", ex.ConfigurationKey);
        Assert.Contains("is encrypted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EncryptedKeyWithoutPassword_AsksForKeyPassword()
    {
        var ex = LoadFails(new KafkaTlsOptions { CertificateLocation = PathOf("client.crt"), KeyLocation = PathOf("client.encrypted.key") });

        Assert.Equal("Kafka:Tls:KeyPassword", ex.ConfigurationKey);
        Assert.Contains("is encrypted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_ReportsMismatch()
    {
        var ex = LoadFails(new KafkaTlsOptions { CertificateLocation = PathOf("client.crt"), KeyLocation = PathOf("mismatched.key") });

        Assert.Equal(
            "Kafka:Tls:KeyLocation: the private key does not match the client certificate 'CN=kafka-gateway-client, O=KafkaGateway Tests' (public keys differ)",
            ex.Message);
    }

    [Fact]
    public void Load_ExpiredCertificate_ReportsNotAfter()
    {
        using var expired = Certificate("client-expired.crt");

        var ex = LoadFails(new KafkaTlsOptions { CertificateLocation = PathOf("client-expired.crt"), KeyLocation = PathOf("client-expired.key") });

        Assert.Equal(
            $"Kafka:Tls:CertificateLocation: client certificate '{expired.Subject}' expired on 2016-01-01T00:00:00Z (NotAfter)",
            ex.Message);
        Assert.Contains("CN=kafka-gateway-expired-client", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BeforeNotBefore_ReportsNotYetValid()
    {
        var ex = LoadFails(
            new KafkaTlsOptions { KeyStoreLocation = PathOf("keystore.jks"), KeyStorePassword = StorePassword },
            new FixedTimeProvider(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        Assert.Equal("Kafka:Tls:KeyStoreLocation", ex.ConfigurationKey);
        Assert.Contains("is not valid before", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnparsableCaPem_ReportsCaPem()
    {
        var ex = LoadFails(new KafkaTlsOptions { CaPem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n" });

        Assert.Equal("Kafka:Tls:CaPem: certificate #1 in the inline PEM cannot be parsed", ex.Message);
    }

    [Fact]
    public void Load_CaPemWithoutCertificate_ReportsCaPem()
    {
        var ex = LoadFails(new KafkaTlsOptions { CaPem = "not pem at all" });

        Assert.Equal("Kafka:Tls:CaPem: the inline PEM contains no PEM certificate (-----BEGIN CERTIFICATE-----)", ex.Message);
    }

    [Fact]
    public void Load_KeyStoreAndPemCertificate_ReportsAmbiguity()
    {
        var ex = LoadFails(new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf("keystore.jks"),
            KeyStorePassword = StorePassword,
            CertificateLocation = PathOf("client.crt"),
            KeyLocation = PathOf("client.key"),
        });

        Assert.StartsWith(
            "Kafka:Tls:KeyStoreLocation: both Kafka:Tls:KeyStoreLocation and Kafka:Tls:CertificateLocation are configured (ambiguous)",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TrustStoreAndCaPem_ReportsAmbiguity()
    {
        var ex = LoadFails(new KafkaTlsOptions { TrustStoreLocation = PathOf("truststore.jks"), CaPem = Text("root-ca.crt") });

        Assert.Contains("(ambiguous)", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Kafka:Tls:TrustStoreLocation", ex.ConfigurationKey);
    }

    [Fact]
    public void Load_CertificateWithoutKey_AsksForKey()
    {
        var ex = LoadFails(new KafkaTlsOptions { CertificateLocation = PathOf("client.crt") });

        Assert.Equal(
            "Kafka:Tls:KeyLocation: a client certificate is configured but no private key; set Kafka:Tls:KeyLocation or Kafka:Tls:KeyPem",
            ex.Message);
    }

    [Fact]
    public void Load_KeyWithoutCertificate_AsksForCertificate()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyPem = Text("client.key") });

        Assert.Equal("Kafka:Tls:CertificateLocation", ex.ConfigurationKey);
    }

    [Fact]
    public void Load_UnknownKeyStoreType_ReportsKeyStoreType()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = PathOf("keystore.jks"), KeyStorePassword = StorePassword, KeyStoreType = "JCEKS" });

        Assert.Equal("Kafka:Tls:KeyStoreType: unknown store type 'JCEKS'; use PKCS12 or JKS", ex.Message);
    }

    [Fact]
    public void Load_PemFileAsKeyStore_ReportsUndetectableType()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = PathOf("client.crt"), KeyStorePassword = StorePassword });

        Assert.Equal("Kafka:Tls:KeyStoreLocation", ex.ConfigurationKey);
        Assert.Contains("neither a JKS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TrustStoreAsKeyStore_ReportsNoPrivateKey()
    {
        var ex = LoadFails(new KafkaTlsOptions { KeyStoreLocation = PathOf("truststore.jks"), KeyStorePassword = StorePassword });

        Assert.Equal($"Kafka:Tls:KeyStoreLocation: key store '{PathOf("truststore.jks")}' contains no private key entry", ex.Message);
    }
}
