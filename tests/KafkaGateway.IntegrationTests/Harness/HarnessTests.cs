using System.Security.Authentication;
using Confluent.Kafka;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>Proves the harness itself: the mock cluster speaks Kafka over plain sockets, faults can be injected.</summary>
public sealed class PlainHarnessTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task ProduceThenConsume_PlainListener_RoundTripsEveryRecord()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig(cluster.ClientConfig()) { EnableIdempotence = true }).Build();
        for (var i = 0; i < 5; i++)
        {
            var result = await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            Assert.Equal(i, result.Offset.Value);
        }

        var consumed = Harness.ConsumeAll(cluster.ClientConfig(), topic, expected: 5);

        Assert.Equal(["v0", "v1", "v2", "v3", "v4"], consumed.Select(r => r.Message.Value));
        Assert.Equal(["k0", "k1", "k2", "k3", "k4"], consumed.Select(r => r.Message.Key));
    }

    [Fact]
    public async Task CreateTopic_WithPartitions_MetadataShowsThemOnTheBrokers()
    {
        var topic = cluster.CreateTopic(partitions: 4);
        using var admin = new AdminClientBuilder(cluster.ClientConfig()).Build();

        var metadata = await Task.Run(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(5)));

        var described = Assert.Single(metadata.Topics);
        Assert.Equal(4, described.Partitions.Count);
        Assert.Equal(cluster.BrokerCount, metadata.Brokers.Count);
        Assert.All(described.Partitions, p => Assert.InRange(p.Leader, 1, cluster.BrokerCount));
    }

    [Fact]
    public async Task Produce_AllBrokersDownThenUp_FailsThenSucceeds()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(cluster.ClientConfig())
        {
            MessageTimeoutMs = 3000,
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 500,
            EnableIdempotence = true,
        }).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before" });

        cluster.Cluster.SetBrokerDown(-1);
        try
        {
            var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
                () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "while down" }));
            Assert.Equal(PersistenceStatus.NotPersisted, failure.DeliveryResult.Status);
        }
        finally
        {
            cluster.Cluster.SetBrokerUp(-1);
        }

        var after = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "after" });
        Assert.Equal(PersistenceStatus.Persisted, after.Status);
    }

    [Fact]
    public async Task Produce_PushedRetriableErrors_RetriesWithoutDuplicates()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(cluster.ClientConfig()) { EnableIdempotence = true }).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" });

        cluster.Cluster.PushRequestErrors(0, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "once" });

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        var consumed = Harness.ConsumeAll(cluster.ClientConfig(), topic, expected: 2);
        Assert.Equal(["warm-up", "once"], consumed.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task SetBrokerRtt_SlowsResponses_ProduceTakesAtLeastTheDelay()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(cluster.ClientConfig()) { LingerMs = 0 }).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "warm-up" });

        cluster.Cluster.SetBrokerRtt(-1, 400);
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "slow" });
        }
        finally
        {
            cluster.Cluster.SetBrokerRtt(-1, 0);
        }

        // A behaviour check of the fault helper (the delay is injected), not a performance assertion.
        Assert.True(started.ElapsedMilliseconds >= 350, $"took {started.ElapsedMilliseconds} ms");
    }
}

/// <summary>Proves the mutual-TLS harness: real TLS handshakes, client certificates required and checked.</summary>
public sealed class MtlsHarnessTests(MtlsKafkaClusterFixture cluster) : IClassFixture<MtlsKafkaClusterFixture>
{
    [Fact]
    public async Task ProduceThenConsume_TrustedClientCertificate_RoundTripsOverTls12OrNewer()
    {
        var topic = cluster.CreateTopic(partitions: 2);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(cluster.ClientConfig()) { EnableIdempotence = true }).Build();

        var result = await producer.ProduceAsync(new TopicPartition(topic, 1), new Message<Null, string> { Value = "over mTLS" });
        var consumed = Harness.ConsumeAll(cluster.ClientConfig(), topic, expected: 1);

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal("over mTLS", Assert.Single(consumed).Message.Value);
        Assert.NotEmpty(cluster.Terminators.SelectMany(t => t.AcceptedProtocols));
        Assert.All(cluster.Terminators.SelectMany(t => t.AcceptedProtocols), p => Assert.True(p >= SslProtocols.Tls12, p.ToString()));
        Assert.Contains(cluster.Terminators.SelectMany(t => t.AcceptedClients), s => s.Contains("CN=gateway-client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Produce_UntrustedClientCertificate_IsRefusedByTheBroker()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(cluster.ClientConfig(cluster.Certificates.UntrustedClient))
        {
            MessageTimeoutMs = 3000,
        }).Build();

        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "intruder" }));

        Assert.Equal(PersistenceStatus.NotPersisted, failure.DeliveryResult.Status);
        Assert.Contains(cluster.Terminators.SelectMany(t => t.Rejections), r => r.Contains("untrusted client certificate CN=intruder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Produce_ExpiredClientCertificate_IsRefusedByTheBroker()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig(cluster.ClientConfig(cluster.Certificates.ExpiredClient))
        {
            MessageTimeoutMs = 3000,
        }).Build();

        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "too late" }));

        Assert.Equal(PersistenceStatus.NotPersisted, failure.DeliveryResult.Status);
        Assert.Contains(cluster.Terminators.SelectMany(t => t.Rejections), r => r.Contains("expired client certificate CN=expired-client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Produce_WrongCaForBroker_ClientRefusesTheBrokerCertificate()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        var config = new ProducerConfig(cluster.ClientConfig()) { MessageTimeoutMs = 3000, SslCaPem = cluster.Certificates.OtherCa.ExportCertificatePem() };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Error>();
        using var producer = new ProducerBuilder<Null, string>(config).SetErrorHandler((_, e) => errors.Enqueue(e)).Build();

        await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }));

        Assert.Contains(errors, e => e.Reason.Contains("certificate verify failed", StringComparison.OrdinalIgnoreCase)
            || e.Code == ErrorCode.Local_Ssl);
    }
}

internal static class Harness
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Reads <paramref name="expected"/> records from the beginning of every partition (no consumer group).</summary>
    public static List<ConsumeResult<string, string>> ConsumeAll(ClientConfig client, string topic, int expected, TimeSpan? timeout = null) =>
        ConsumeAll<string, string>(client, topic, expected, timeout);

    /// <summary>
    /// Reads <paramref name="expected"/> records from the beginning of every partition (no consumer group), then
    /// keeps reading for <paramref name="lookForMore"/>: anything beyond what was expected would be a duplicate.
    /// </summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeAll<TKey, TValue>(
        ClientConfig client, string topic, int expected, TimeSpan? timeout = null, TimeSpan? lookForMore = null)
    {
        // Before the consumer settings: ConsumerConfig(client) writes into client's own dictionary, and the admin client
        // (a producer inside) would warn about consumer properties on stderr.
        using var admin = new AdminClientBuilder(client).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions
            .Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)).ToList();
        var config = new ConsumerConfig(client)
        {
            GroupId = "harness-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<TKey, TValue>(config).Build();
        consumer.Assign(partitions);
        var records = new List<ConsumeResult<TKey, TValue>>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        var extraDeadline = DateTime.UtcNow + (lookForMore ?? TimeSpan.Zero);
        while (DateTime.UtcNow < extraDeadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } extra)
            {
                records.Add(extra);
            }
        }

        consumer.Close();
        return records;
    }
}
