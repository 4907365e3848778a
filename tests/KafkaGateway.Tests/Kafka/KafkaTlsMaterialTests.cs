using Confluent.Kafka;
using KafkaGateway.Kafka;
using KafkaGateway.Security;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaTlsMaterialTests
{
    private static KafkaTlsMaterial LoadJksPair(bool hostnameVerification = true) => KafkaTlsMaterialLoader.Load(
        new KafkaTlsOptions
        {
            KeyStoreLocation = PathOf("keystore.jks"),
            KeyStorePassword = StorePassword,
            TrustStoreLocation = PathOf("truststore.jks"),
            TrustStorePassword = StorePassword,
            EnableHostnameVerification = hostnameVerification,
        },
        TimeProvider.System);

    [Fact]
    public void ApplyTo_DefaultOptions_SetsSslPemPropertiesWithHostnameVerification()
    {
        using var material = LoadJksPair();
        var config = new ClientConfig();

        material.ApplyTo(config);

        Assert.Equal(SecurityProtocol.Ssl, config.SecurityProtocol);
        Assert.Equal("ssl", config.Get("security.protocol"));
        Assert.Equal("https", config.Get("ssl.endpoint.identification.algorithm"));
        Assert.Equal("true", config.Get("enable.ssl.certificate.verification"), ignoreCase: true);
        Assert.Equal(material.CaPem, config.Get("ssl.ca.pem"));
        Assert.Equal(material.CertificateChainPem, config.Get("ssl.certificate.pem"));
        Assert.Equal(material.PrivateKeyPem, config.Get("ssl.key.pem"));
        Assert.Null(config.Get("ssl.key.password"));
    }

    [Fact]
    public void ApplyTo_HostnameVerificationDisabled_SetsNone()
    {
        using var material = LoadJksPair(hostnameVerification: false);
        var config = new ClientConfig();

        material.ApplyTo(config);

        Assert.Equal("none", config.Get("ssl.endpoint.identification.algorithm"));
    }

    [Fact]
    public void ApplyTo_SaslConfigured_KeepsSaslOverTls()
    {
        using var material = LoadJksPair();
        var config = new ClientConfig { SecurityProtocol = SecurityProtocol.SaslPlaintext };

        material.ApplyTo(config);

        Assert.Equal(SecurityProtocol.SaslSsl, config.SecurityProtocol);
    }

    [Fact]
    public void ApplyTo_Disabled_LeavesConfigUntouched()
    {
        var config = new ClientConfig();

        KafkaTlsMaterial.Disabled.ApplyTo(config);

        Assert.Empty(config);
    }

    [Fact]
    public void ApplyTo_ProducerBuilt_LibrdkafkaAcceptsTheMaterial()
    {
        // librdkafka parses ssl.ca.pem, ssl.certificate.pem and ssl.key.pem (and checks the key against the
        // certificate) when the client is created, so Build() throwing would mean the PEM we emit is unusable.
        using var material = LoadJksPair();
        var config = new ProducerConfig { BootstrapServers = "127.0.0.1:1" };
        material.ApplyTo(config);

        using var producer = new ProducerBuilder<Null, string>(config).Build();

        Assert.NotNull(producer.Name);
    }
}
