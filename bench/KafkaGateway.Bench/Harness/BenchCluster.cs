using System.Net;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using KafkaGateway.Bench.LoadGeneration;
using KafkaGateway.Kafka;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KafkaGateway.Bench.Harness;

/// <summary>
/// One embedded mock cluster (3 brokers on loopback), the gateway on real Kestrel sockets pointed at it, and the
/// settings both benchmark arms share: acks=all, idempotence, the same linger, batch size and compression.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    /// <summary>Linger of both arms (the gateway's default of Producer:LingerMilliseconds).</summary>
    public const int LingerMs = 5;

    /// <summary>Batch size of both arms (the gateway's default of Producer:BatchSizeBytes).</summary>
    public const int BatchSizeBytes = 1_000_000;

    private const int Brokers = 3;
    private readonly MockCluster _cluster;
    private readonly GatewayServer _gateway;
    private readonly string _dataDirectory;

    private BenchCluster(MockCluster cluster, GatewayServer gateway, string dataDirectory, Uri http1, Uri http2)
    {
        _cluster = cluster;
        _gateway = gateway;
        _dataDirectory = dataDirectory;
        Http1Address = http1;
        Http2Address = http2;
    }

    /// <summary>The gateway's HTTP/1.1 endpoint (plain http on loopback).</summary>
    public Uri Http1Address { get; }

    /// <summary>The gateway's HTTP/2 endpoint (h2c with prior knowledge on loopback).</summary>
    public Uri Http2Address { get; }

    public string BootstrapServers => _cluster.BootstrapServers;

    /// <summary>The gateway's services (the stream suite reads StreamHub's consumer and subscriber counts).</summary>
    public IServiceProvider Services => _gateway.Services;

    public static async Task<BenchCluster> StartAsync()
    {
        var cluster = MockCluster.Start(Brokers);
        // The built-in registry's topic, created up front as the embedded development cluster does.
        cluster.CreateTopic("_schemas", 1, 1);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kafkagateway-bench", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = cluster.BootstrapServers,
            // Both arms run without authentication: the benchmark measures the produce and stream paths, not auth.
            ["Security:AllowAnonymous"] = "true",
            ["Kafka:Properties:broker.address.family"] = "v4",
            ["Gateway:DataDirectory"] = dataDirectory,
            // Per-request Information logs would measure the console, not the gateway.
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Producer:LingerMilliseconds"] = LingerMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Producer:BatchSizeBytes"] = BatchSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The fan-out's scale line runs 10,000 subscribers.
            ["Streaming:MaxStreams"] = "20000",
            // Every benchmark subscriber comes from 127.0.0.1 (10,000 is the setting's maximum).
            ["Streaming:MaxStreamsPerClient"] = "10000",
        };
        var gateway = new GatewayServer(settings);
        var http1Port = FreePort();
        var http2Port = FreePort();
        gateway.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, http1Port, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, http2Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        gateway.StartServer();
        var bench = new BenchCluster(cluster, gateway, dataDirectory,
            new Uri($"http://127.0.0.1:{http1Port}"), new Uri($"http://127.0.0.1:{http2Port}"));
        using var http = LoadClient.Create(new LoadClientOptions(bench.Http1Address, HttpVersion.Version11));
        await WaitReadyAsync(http);
        return bench;
    }

    /// <summary>Creates a topic with <paramref name="partitions"/> partitions, replicated on every broker.</summary>
    public void CreateTopic(string topic, int partitions) => _cluster.CreateTopic(topic, partitions, Brokers);

    /// <summary>Registers <paramref name="schemaJson"/> as the value schema of <paramref name="topic"/> through the gateway's /registry; returns its id.</summary>
    public async Task<int> RegisterValueSchemaAsync(string topic, string schemaJson)
    {
        using var http = LoadClient.Create(new LoadClientOptions(Http1Address, HttpVersion.Version11));
        var body = System.Text.Json.JsonSerializer.Serialize(new { schema = schemaJson });
        using var content = new StringContent(body, Encoding.UTF8, "application/vnd.schemaregistry.v1+json");
        using var response = await http.PostAsync(new Uri($"/registry/subjects/{topic}-value/versions", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Registering the schema of {topic} answered {(int)response.StatusCode}: {text}");
        }

        using var document = System.Text.Json.JsonDocument.Parse(text);
        return document.RootElement.GetProperty("id").GetInt32();
    }

    /// <summary>A direct Confluent.Kafka producer with the gateway's producer settings.</summary>
    public IProducer<byte[]?, byte[]?> CreateDirectProducer() => CreateDirectProducer(BootstrapServers);

    /// <summary>A direct Confluent.Kafka producer to <paramref name="bootstrapServers"/> with the gateway's producer settings.</summary>
    public static IProducer<byte[]?, byte[]?> CreateDirectProducer(string bootstrapServers) =>
        new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            BrokerAddressFamily = BrokerAddressFamily.V4,
            ClientId = "bench-direct-producer",
            Acks = Acks.All,
            EnableIdempotence = true,
            MaxInFlight = 5,
            LingerMs = LingerMs,
            BatchSize = BatchSizeBytes,
            CompressionType = CompressionType.Lz4,
            MessageTimeoutMs = 30_000,
            QueueBufferingMaxMessages = 100_000,
            QueueBufferingMaxKbytes = 262_144,
            EnableDeliveryReports = true,
            // Only the status: the answer needs partition, offset and status, and reading headers back out of every
            // delivery report costs native calls and copies per record.
            DeliveryReportFields = "status",
        }).Build();

    /// <summary>A direct Confluent.Kafka consumer with the settings of the gateway's stream consumers (TopicConsumer).</summary>
    public IConsumer<byte[], byte[]> CreateDirectConsumer() =>
        new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            BrokerAddressFamily = BrokerAddressFamily.V4,
            ClientId = "bench-direct-consumer",
            GroupId = "bench-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            FetchWaitMaxMs = 100,
        }).Build();

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _cluster.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private static async Task WaitReadyAsync(HttpClient http)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("The gateway did not become ready within 10 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
