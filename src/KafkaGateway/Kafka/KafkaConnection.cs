using Confluent.Kafka;
using KafkaGateway.Security;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>
/// Where the gateway's Kafka clients connect: the configured brokers, or the embedded in-memory cluster that this
/// object starts and owns. Every client configuration is built here so all clients agree.
/// </summary>
public sealed partial class KafkaConnection : IDisposable
{
    private readonly KafkaOptions _options;
    private readonly KafkaTlsMaterialProvider _tls;
    private readonly MockCluster? _embedded;

    public KafkaConnection(IOptions<KafkaOptions> options, KafkaTlsMaterialProvider tls, ILogger<KafkaConnection> logger)
    {
        _options = options.Value;
        _tls = tls;
        if (_options.UsesEmbeddedCluster)
        {
            _embedded = MockCluster.Start(_options.EmbeddedBrokers);
            BootstrapServers = _embedded.BootstrapServers;
            LogEmbeddedStarted(logger, _options.EmbeddedBrokers, BootstrapServers, MockCluster.LibraryPath);
        }
        else
        {
            BootstrapServers = _options.BootstrapServers!.Trim();
        }

        // Confluent.Kafka silently falls back between its native builds; operators need to know which one runs
        // (the default build needs libsasl2.so.3, see the Dockerfile).
        LogLibrdkafkaLoaded(logger, Library.VersionString, LibrdkafkaNative.LoadedPath);
    }

    /// <summary>The bootstrap servers any Kafka client (e.g. kcat) can use.</summary>
    public string BootstrapServers { get; }

    /// <summary>The TLS material new clients use (reloaded when its files change).</summary>
    public KafkaTlsMaterialProvider Tls => _tls;

    /// <summary>True when this gateway runs the in-memory embedded cluster.</summary>
    public bool IsEmbedded => _embedded is not null;

    /// <summary>The embedded cluster, when <see cref="IsEmbedded"/>.</summary>
    public MockCluster? EmbeddedCluster => _embedded;

    /// <summary>Kafka properties shared by every client the gateway creates, with the gateway's own TLS material.</summary>
    public ClientConfig CreateClientConfig() => CreateClientConfig(_tls.Current);

    /// <summary>Kafka properties shared by every client, with <paramref name="tls"/> (e.g. a principal's identity, <c>Kafka:Identities</c>).</summary>
    public ClientConfig CreateClientConfig(KafkaTlsMaterial tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var config = new ClientConfig
        {
            BootstrapServers = BootstrapServers,
            ClientId = _options.ClientId,
        };

        foreach (var (key, value) in _options.Properties)
        {
            config.Set(key, value);
        }

        if (_embedded is null && tls.IsEnabled)
        {
            tls.ApplyTo(config);
        }

        return config;
    }

    /// <inheritdoc />
    public void Dispose() => _embedded?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Embedded Kafka cluster started: {BrokerCount} brokers at {BootstrapServers} (librdkafka mock cluster from {Library}). Data lives in memory only and is lost at shutdown.")]
    private static partial void LogEmbeddedStarted(ILogger logger, int brokerCount, string bootstrapServers, string library);

    [LoggerMessage(Level = LogLevel.Information, Message = "librdkafka {Version} loaded from {Library}.")]
    private static partial void LogLibrdkafkaLoaded(ILogger logger, string version, string library);
}
