using KafkaGateway.Kafka;
using KafkaGateway.Producing;
using KafkaGateway.Security;
using KafkaGateway.Tls;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Producing;

public sealed class KafkaIdentitiesTests
{
    [Fact]
    public void Load_IdentityKeyStoreWithWrongPassword_NamesTheIdentitysKeys()
    {
        var tls = new KafkaTlsOptions { KeyStoreLocation = PathOf("keystore.keypass.jks"), KeyStorePassword = StorePassword };

        var error = Assert.Throws<TlsConfigurationException>(() => KafkaIdentities.Load("alice", tls, TimeProvider.System));

        // Both the key at fault and the advice point at the identity's section, not at Kafka:Tls.
        Assert.Equal("Kafka:Identities:alice:KeyPassword", error.ConfigurationKey);
        Assert.Contains("set Kafka:Identities:alice:KeyPassword", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Kafka:Tls", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_IdentityWithLegacyEncryptedPemKey_ReturnsItsMaterial()
    {
        var tls = new KafkaTlsOptions
        {
            CertificateLocation = PathOf("client.crt"),
            KeyLocation = PathOf("client.legacy-des3.key"),
            KeyPassword = KeyPassword,
        };

        using var material = KafkaIdentities.Load("alice", tls, TimeProvider.System);

        Assert.True(SignsForCertificate(material.PrivateKeyPem!, "client.crt"));
    }
}
