using System.Security.Cryptography.X509Certificates;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Kafka;
using KafkaGateway.Security;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// deploy/certs/generate.sh produces material the gateway loads in every format it supports, and that material
/// works for a real mTLS produce with hostname verification: the harness's TLS terminator serves the generated
/// broker certificate in front of a mock broker and requires a client certificate from the generated CA.
/// </summary>
public sealed class GenerateScriptTests
{
    private readonly GeneratedCertificates _certificates = GeneratedCertificates.Shared;

    public static TheoryData<string> ClientFormats() => ["PEM", "PKCS12", "JKS"];

    [Fact]
    public void Generate_FreshFolder_WritesEveryFileTheDeploymentNeeds()
    {
        string[] expected =
        [
            "ca.crt", "kafka.crt", "kafka.keystore.jks", "kafka.truststore.jks", "kafka-ssl.properties",
            "kafka_keystore_creds", "kafka_ssl_key_creds", "kafka_truststore_creds", "gateway-https.crt", "gateway-https.key.enc",
            "truststore.jks", ".env", "admin-client.properties", "gateway-secrets.env",
            .. new[] { "gateway-client", "schema-registry-client", "admin" }.SelectMany(n => new[] { $"{n}.crt", $"{n}.key", $"{n}.p12", $"{n}.keystore.jks" }),
        ];

        Assert.All(expected, file => Assert.True(File.Exists(_certificates.PathOf(file)), $"{file} missing:\n{_certificates.Output}"));
        var properties = File.ReadAllText(_certificates.PathOf("kafka-ssl.properties"));
        Assert.Contains("ssl.client.auth=required", properties, StringComparison.Ordinal);
        Assert.Contains($"ssl.keystore.password={_certificates.Passwords["KAFKA_SSL_PASSWORD"]}", properties, StringComparison.Ordinal);
        var env = File.ReadAllText(_certificates.PathOf(".env"));
        Assert.Contains($"GATEWAY_KEYSTORE_PASSWORD={_certificates.Passwords["GATEWAY_KEYSTORE_PASSWORD"]}", env, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_certificates.PathOf("gateway-client.key")));
        }
    }

    [Fact]
    public void Generate_AdminApiKey_IsPrintedOnceWithItsCurlLineAndOnlyItsHashGoesToTheGatewaySecrets()
    {
        var key = _certificates.Passwords["ADMIN_API_KEY"];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        var gatewaySecrets = File.ReadAllText(_certificates.PathOf("gateway-secrets.env"));
        var env = File.ReadAllText(_certificates.PathOf(".env"));

        Assert.Equal(64, key.Length);
        Assert.Equal(hash, _certificates.Passwords["ADMIN_API_KEY_SHA256"]);
        Assert.Contains($"ADMIN_API_KEY={key}\n", env, StringComparison.Ordinal);
        Assert.Contains($"ADMIN_API_KEY_SHA256={hash}\n", env, StringComparison.Ordinal);
        Assert.Contains($"ADMIN_API_KEY_SHA256={hash}\n", gatewaySecrets, StringComparison.Ordinal);
        Assert.DoesNotContain(key, gatewaySecrets, StringComparison.Ordinal);
        Assert.Contains($"curl --cacert {_certificates.PathOf("ca.crt")} -H \"X-API-Key: {key}\" https://localhost:8443/cluster", _certificates.Output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_certificates.PathOf("gateway-secrets.env")));
        }
    }

    [Fact]
    public void Generate_Certificates_HaveTheRequiredNamesAndValidity()
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(_certificates.PathOf("ca.crt"));
        using var broker = X509CertificateLoader.LoadCertificateFromFile(_certificates.PathOf("kafka.crt"));
        using var https = X509CertificateLoader.LoadCertificateFromFile(_certificates.PathOf("gateway-https.crt"));

        Assert.InRange((ca.NotAfter - ca.NotBefore).TotalDays, 1824, 1826);
        Assert.InRange((broker.NotAfter - broker.NotBefore).TotalDays, 364, 366);
        Assert.True(broker.MatchesHostname("kafka"));
        Assert.True(broker.MatchesHostname("localhost"));
        Assert.True(broker.MatchesHostname("127.0.0.1"));
        Assert.True(https.MatchesHostname("gateway"));
        Assert.True(https.MatchesHostname("localhost"));
        Assert.False(https.MatchesHostname("kafka"));
        Assert.Equal(ca.SubjectName.Name, broker.IssuerName.Name);
    }

    [Fact]
    public void Generate_SecondRun_KeepsMaterialAndForceReplacesIt()
    {
        var directory = Path.Combine(Path.GetTempPath(), "kafkagateway-certs-" + Guid.NewGuid().ToString("N"));
        try
        {
            GeneratedCertificates.Run(directory);
            var ca = File.ReadAllBytes(Path.Combine(directory, "ca.crt"));
            var passwords = File.ReadAllText(Path.Combine(directory, "passwords.env"));

            var key = File.ReadAllLines(Path.Combine(directory, "passwords.env")).Single(l => l.StartsWith("ADMIN_API_KEY=", StringComparison.Ordinal))["ADMIN_API_KEY=".Length..];

            var again = GeneratedCertificates.Run(directory);
            Assert.Equal(ca, File.ReadAllBytes(Path.Combine(directory, "ca.crt")));
            Assert.Equal(passwords, File.ReadAllText(Path.Combine(directory, "passwords.env")));
            Assert.Contains("kept ca.crt", again, StringComparison.Ordinal);
            Assert.Contains("kept the admin API key", again, StringComparison.Ordinal);
            Assert.DoesNotContain(key, again, StringComparison.Ordinal);

            GeneratedCertificates.Run(directory, "--force");
            Assert.NotEqual(ca, File.ReadAllBytes(Path.Combine(directory, "ca.crt")));
            Assert.NotEqual(passwords, File.ReadAllText(Path.Combine(directory, "passwords.env")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(ClientFormats))]
    public void Load_GatewayClientMaterial_ReadsCertificateKeyAndCa(string format)
    {
        using var material = KafkaTlsMaterialLoader.Load(Options(format), TimeProvider.System);

        Assert.True(material.IsEnabled);
        Assert.Equal("CN=kafkagateway, O=KafkaGateway", material.Certificate!.Subject);
        Assert.Equal(1, material.CaCertificateCount);
        Assert.NotNull(material.PrivateKeyPem);
        Assert.InRange(material.DaysUntilExpiry!.Value, 363, 366);
    }

    [Theory]
    [MemberData(nameof(ClientFormats))]
    public async Task Produce_GeneratedMaterialThroughMutualTlsTerminator_IsDeliveredWithHostnameVerification(string format)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(_certificates.PathOf("ca.crt"));
        using var brokerCertificate = X509Certificate2.CreateFromPemFile(_certificates.PathOf("kafka.crt"), _certificates.PathOf("kafka.key"));
        using var cluster = MockCluster.Start(1);
        var broker = cluster.Listeners[0];
        await using var terminator = new TlsTerminator(broker, brokerCertificate, ca);
        cluster.AdvertiseBroker(broker.Id, "localhost", terminator.Port);
        var topic = $"deploy-{format.ToLowerInvariant()}-{Guid.NewGuid():N}";
        cluster.CreateTopic(topic, 1);
        using var material = KafkaTlsMaterialLoader.Load(Options(format), TimeProvider.System);
        var config = new ProducerConfig
        {
            BootstrapServers = $"localhost:{terminator.Port}",
            BrokerAddressFamily = BrokerAddressFamily.V4,
            MessageTimeoutMs = 15_000,
        };
        material.ApplyTo(config);
        using var producer = new ProducerBuilder<Null, string>(config).Build();

        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "hello over mTLS" });

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(SslEndpointIdentificationAlgorithm.Https, config.SslEndpointIdentificationAlgorithm);
        Assert.Contains("CN=kafkagateway, O=KafkaGateway", terminator.AcceptedClients);
        Assert.Empty(terminator.Rejections);
    }

    private KafkaTlsOptions Options(string format) => format switch
    {
        "PEM" => new KafkaTlsOptions
        {
            CertificateLocation = _certificates.PathOf("gateway-client.crt"),
            KeyLocation = _certificates.PathOf("gateway-client.key"),
            CaLocation = _certificates.PathOf("ca.crt"),
        },
        "PKCS12" => new KafkaTlsOptions
        {
            KeyStoreLocation = _certificates.PathOf("gateway-client.p12"),
            KeyStorePassword = _certificates.Passwords["GATEWAY_KEYSTORE_PASSWORD"],
            CaLocation = _certificates.PathOf("ca.crt"),
        },
        "JKS" => new KafkaTlsOptions
        {
            KeyStoreLocation = _certificates.PathOf("gateway-client.keystore.jks"),
            KeyStorePassword = _certificates.Passwords["GATEWAY_KEYSTORE_PASSWORD"],
            TrustStoreLocation = _certificates.PathOf("truststore.jks"),
            TrustStorePassword = _certificates.Passwords["TRUSTSTORE_PASSWORD"],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };
}
