using Confluent.Kafka;
using KafkaGateway.Kafka;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// A librdkafka mock cluster of <see cref="BrokerCount"/> brokers on loopback: the real Kafka protocol over real
/// sockets. With <see cref="UseMutualTls"/>, every broker sits behind a <see cref="TlsTerminator"/> that requires a
/// client certificate, and metadata advertises the TLS ports, so clients can only reach it over mTLS.
/// </summary>
public class KafkaClusterFixture : IAsyncLifetime
{
    private readonly List<TlsTerminator> _terminators = [];
    private readonly List<KafkaRequestRecorder> _recorders = [];
    private MockCluster? _cluster;

    protected virtual bool UseMutualTls => false;

    /// <summary>Every broker behind a <see cref="KafkaRequestRecorder"/> (plain), advertised in metadata instead of it.</summary>
    protected virtual bool RecordRequests => false;

    public virtual int BrokerCount => 3;

    public MockCluster Cluster => _cluster ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>The bootstrap servers clients use (the TLS ports in mTLS mode).</summary>
    public string BootstrapServers { get; private set; } = "";

    public IReadOnlyList<TlsTerminator> Terminators => _terminators;

    /// <summary>The request recorders in front of the brokers (with <see cref="RecordRequests"/>).</summary>
    public IReadOnlyList<KafkaRequestRecorder> Recorders => _recorders;

    public TestCertificates Certificates => TestCertificates.Shared;

    public Task InitializeAsync()
    {
        _cluster = MockCluster.Start(BrokerCount);
        if (RecordRequests)
        {
            foreach (var broker in _cluster.Listeners)
            {
                var recorder = new KafkaRequestRecorder(broker);
                _recorders.Add(recorder);
                _cluster.AdvertiseBroker(broker.Id, broker.Host, recorder.Port);
            }

            BootstrapServers = string.Join(',', _recorders.Select(r => $"{_cluster.Listeners[0].Host}:{r.Port}"));
            return Task.CompletedTask;
        }

        if (!UseMutualTls)
        {
            BootstrapServers = _cluster.BootstrapServers;
            return Task.CompletedTask;
        }

        foreach (var broker in _cluster.Listeners)
        {
            var terminator = new TlsTerminator(broker, Certificates.Broker, Certificates.Ca);
            _terminators.Add(terminator);
            _cluster.AdvertiseBroker(broker.Id, "localhost", terminator.Port);
        }

        BootstrapServers = string.Join(',', _terminators.Select(t => $"localhost:{t.Port}"));
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var terminator in _terminators)
        {
            await terminator.DisposeAsync();
        }

        foreach (var recorder in _recorders)
        {
            await recorder.DisposeAsync();
        }

        _cluster?.Dispose();
    }

    /// <summary>A topic name no other test uses; created with <paramref name="partitions"/> partitions.</summary>
    public string CreateTopic(int partitions = 3, string prefix = "t")
    {
        var topic = $"{prefix}-{Guid.NewGuid():N}";
        Cluster.CreateTopic(topic, partitions, Math.Min(BrokerCount, 3));
        return topic;
    }

    /// <summary>Client settings that reach this cluster; in mTLS mode with <paramref name="clientCertificate"/> (default: the good one).</summary>
    public ClientConfig ClientConfig(System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate = null)
    {
        var config = new ClientConfig
        {
            BootstrapServers = BootstrapServers,
            BrokerAddressFamily = BrokerAddressFamily.V4,
        };
        if (UseMutualTls)
        {
            var certificate = clientCertificate ?? Certificates.Client;
            config.SecurityProtocol = SecurityProtocol.Ssl;
            config.SslCaPem = Certificates.CaPem;
            config.SslCertificatePem = TestCertificates.CertificatePem(certificate);
            config.SslKeyPem = TestCertificates.PrivateKeyPem(certificate);
            config.SslEndpointIdentificationAlgorithm = SslEndpointIdentificationAlgorithm.Https;
        }

        return config;
    }

    /// <summary>Gateway configuration keys that point the app at this cluster.</summary>
    public virtual Dictionary<string, string?> GatewaySettings() => new()
    {
        ["Kafka:BootstrapServers"] = BootstrapServers,
        ["Kafka:Properties:broker.address.family"] = "v4",
    };
}

/// <summary>The harness cluster with every request recorded on its way to the brokers (<see cref="KafkaRequestRecorder"/>).</summary>
public sealed class RecordingKafkaClusterFixture : KafkaClusterFixture
{
    protected override bool RecordRequests => true;

    /// <summary>The ListOffsets requests that asked about <paramref name="topic"/>, from every broker.</summary>
    public IReadOnlyList<ListOffsetsRequest> ListOffsetsFor(string topic) =>
        [.. Recorders.SelectMany(r => r.Requests)
            .Where(r => r.ApiKey == RecordedRequest.ListOffsetsKey)
            .Select(r => r.ReadListOffsets())
            .Where(r => r.Partitions.Any(p => p.Topic == topic))];
}

/// <summary>The harness cluster behind mutual-TLS terminators.</summary>
public sealed class MtlsKafkaClusterFixture : KafkaClusterFixture
{
    protected override bool UseMutualTls => true;

    /// <summary>Gateway settings with the good client certificate as inline PEM (Kafka:Tls).</summary>
    public override Dictionary<string, string?> GatewaySettings() => GatewaySettings(Certificates.Client);

    public Dictionary<string, string?> GatewaySettings(System.Security.Cryptography.X509Certificates.X509Certificate2 clientCertificate)
    {
        var settings = base.GatewaySettings();
        settings["Kafka:Tls:CaPem"] = Certificates.CaPem;
        settings["Kafka:Tls:CertificatePem"] = TestCertificates.CertificatePem(clientCertificate);
        settings["Kafka:Tls:KeyPem"] = TestCertificates.PrivateKeyPem(clientCertificate);
        return settings;
    }
}
