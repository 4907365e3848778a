using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// librdkafka's idempotent producer bumps its epoch when a record times out (message.timeout.ms) and sends the records
/// it still has to retry under the new epoch, where no broker recognises a batch it wrote already: that batch is
/// written twice (rdkafka_broker.c: a timeout scan that timed records out starts the drain and bump; the gapless
/// guarantee exempts message timeouts). So the gateway answers a record reported persisted after a timeout of its
/// producer as possibly_persisted, and replaces the producer. On a cluster of its own (faults must not leak).
/// What the mock cluster cannot show: the second copy under a new epoch. The resend here leaves before the bump (it
/// waits in the down broker's request queue, which the drain waits for), and a Kafka broker would recognise that
/// one; the mock writes it again anyway, because it checks sequences only for transactional producers
/// (PartitionLog shows both copies under one epoch and sequence). The gateway's answer is the same either way.
/// </summary>
public sealed class EpochBumpProduceTests(ITestOutputHelper output) : FaultClusterGateway(new Dictionary<string, string?>
{
    ["Producer:MessageTimeoutMilliseconds"] = MessageTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Producer:DeliveryTimeoutMilliseconds"] = (MessageTimeoutMs - 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Producer:StatisticsIntervalMilliseconds"] = "100",
    ["Kafka:Properties:reconnect.backoff.max.ms"] = "200",
})
{
    private const int MessageTimeoutMs = 12000;

    [Fact]
    public async Task Produce_RecordAcknowledgedAfterAnotherRecordOfItsProducerTimedOut_IsAnsweredPossiblyPersistedAndTheProducerReplaced()
    {
        var topic = Cluster.CreateTopic(partitions: 3);
        var pool = Pool;
        var (partitionA, leaderA, partitionB, leaderB) = await TwoPartitionsWithDistinctLeadersAsync(topic);
        Assert.Equal(HttpStatusCode.OK, (await Post(topic, "before-a", partitionA)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post(topic, "before-b", partitionB)).StatusCode);

        // B waits for a broker that is down until it times out inside librdkafka: the epoch bump follows.
        Cluster.Cluster.SetBrokerDown(leaderB);
        var started = Stopwatch.StartNew();
        var b = Post(topic, "b", partitionB);
        // A comes half a timeout later, so its own deadline (11.9 s) outlasts B's timeout (12 s, found by librdkafka's
        // 1 s scan) and the epoch bump by ~5 s, and it has ~6 s to get in flight before B times out: margins for a
        // loaded machine (with 8 s and A at 4 s, A's deadline passed once at load average 30 before A was retried).
        // The broker writes A but its answer is slow, and the broker goes down before sending it: A waits to be
        // retried. (The wait shapes the scenario; every step after it is awaited as a condition.)
        await Task.Delay(TimeSpan.FromMilliseconds(MessageTimeoutMs / 2) - started.Elapsed);
        Cluster.Cluster.SetBrokerRtt(leaderA, 5000);
        var a = Post(topic, "a", partitionA);
        await Harness.Harness.WaitUntilAsync(() => pool.Statistics().Any(s => s.Brokers.Any(r => r.Name == leaderA.ToString(System.Globalization.CultureInfo.InvariantCulture) && r.InFlightRequests > 0)),
            TimeSpan.FromSeconds(5), "record A in flight to its leader");
        Cluster.Cluster.SetBrokerDown(leaderA);
        // B times out and the producer leaves the pool; then A's broker comes back and A is acknowledged.
        await Harness.Harness.WaitUntilAsync(() => pool.TimeoutRetirements > 0, TimeSpan.FromSeconds(MessageTimeoutMs / 1000 + 5), "the timed-out producer to be retired");
        Cluster.Cluster.SetBrokerRtt(leaderA, 0);
        Cluster.Cluster.SetBrokerUp(leaderA);
        var answerA = await a;
        var bodyA = await answerA.Content.ReadFromJsonAsync<JsonElement>();
        var answerB = await b;
        Cluster.Cluster.SetBrokerUp(leaderB);
        var after = await Post(topic, "after", partitionA);
        Assert.Equal(0, pool.FlushAll(TimeSpan.FromSeconds(30)));

        var stored = RawConsumer.ConsumeAll(Cluster.ClientConfig(), topic, 4);
        var copiesOfA = stored.Where(r => Value(r) == "a").ToList();
        var writers = PartitionLog.Writers(Cluster.Cluster.Listeners.Select(l => (l.Host, l.Port)), topic, partitionA,
            stored.Where(r => r.Partition.Value == partitionA).Max(r => r.Offset.Value) + 1);
        output.WriteLine($"a: {(int)answerA.StatusCode} {bodyA}; b: {(int)answerB.StatusCode}; after: {(int)after.StatusCode}; " +
            $"a in Kafka at {string.Join(", ", copiesOfA.Select(r => $"{r.Partition.Value}/{r.Offset.Value} {writers[r.Offset.Value]}"))}");

        // A is in Kafka (twice on the mock, which writes its resend again: see the class summary).
        Assert.NotEmpty(copiesOfA);
        // The gateway does not call A persisted (a 2xx means once), nor not_persisted (a resend would add a copy).
        Assert.Equal(HttpStatusCode.GatewayTimeout, answerA.StatusCode);
        var outcome = bodyA.GetProperty("records")[0];
        Assert.Equal("possibly_persisted", outcome.GetProperty("status").GetString());
        Assert.Equal("EpochBumped", outcome.GetProperty("error").GetString());
        // B never reached Kafka and was not called persisted; a fresh producer serves the next request.
        Assert.NotEqual(HttpStatusCode.OK, answerB.StatusCode);
        Assert.DoesNotContain(stored, r => Value(r) == "b");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(1, pool.TimeoutRetirements);
        Assert.Single(stored, r => Value(r) == "after");
    }

    private async Task<(int PartitionA, int LeaderA, int PartitionB, int LeaderB)> TwoPartitionsWithDistinctLeadersAsync(string topic)
    {
        // The mock gives each partition a random replica as leader, so two of three partitions share a leader and all
        // three do one time in nine: the test names the leaders itself, then waits until metadata shows them.
        const int partitionA = 0, leaderA = 1, partitionB = 1, leaderB = 2;
        Cluster.Cluster.SetPartitionLeader(topic, partitionA, leaderA);
        Cluster.Cluster.SetPartitionLeader(topic, partitionB, leaderB);
        using var admin = new AdminClientBuilder(Cluster.ClientConfig()).Build();
        await Harness.Harness.WaitUntilAsync(() =>
        {
            var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions;
            return partitions.Single(p => p.PartitionId == partitionA).Leader == leaderA
                && partitions.Single(p => p.PartitionId == partitionB).Leader == leaderB;
        }, TimeSpan.FromSeconds(15), "the partitions' leaders named by the test in metadata");
        return (partitionA, leaderA, partitionB, leaderB);
    }

    private static string Value(ConsumeResult<byte[], byte[]> record) =>
        JsonDocument.Parse(record.Message.Value).RootElement.GetProperty("n").GetString()!;

    private Task<HttpResponseMessage> Post(string topic, string value, int partition) =>
        Client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            ProduceTests.Json($$$"""{"records": [{"partition": {{{partition}}}, "value": {"n": "{{{value}}}"}}]}"""));
}
