using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>
/// Where a stream starts and when it is caught up come from the end offsets the gateway asks Kafka for (ListOffsets,
/// through librdkafka's QueryWatermarkOffsets on the stream's own consumer). Asked with isolation level read_committed,
/// a Kafka broker answers the last stable offset (LSO): a live tail opened during a transaction starts before the
/// transaction's records and delivers them once committed; asked read_uncommitted, it answers the high watermark and
/// they would be skipped. librdkafka's mock reads the isolation level and ignores it (it answers the high watermark
/// either way), so these tests check the question, recorded on the wire by <see cref="KafkaRequestRecorder"/> in front
/// of every mock broker: every ListOffsets request for the stream's topic asks with read_committed. That a real broker
/// then answers the LSO is Kafka's documented behaviour, unverified here.
/// </summary>
public sealed class StreamingIsolationTests(RecordingKafkaClusterFixture cluster) : IClassFixture<RecordingKafkaClusterFixture>
{
    private const sbyte ReadCommitted = 1;
    private const long Latest = -1;

    [Theory]
    [InlineData(null)]
    // A deployment that makes read_uncommitted its librdkafka default: the stream consumer must still ask read_committed.
    [InlineData("read_uncommitted")]
    public async Task Stream_LiveTailAndCatchUp_AskTheEndOffsetsWithReadCommittedIsolation(string? configuredIsolation)
    {
        var topic = cluster.CreateTopic(2);
        using (var producer = cluster.Producer())
        {
            for (var i = 0; i < 6; i++)
            {
                await producer.ProduceTextAsync(topic, i % 2, $"v{i}");
            }
        }

        var settings = StreamingTestSupport.Format(topic, "string");
        if (configuredIsolation is not null)
        {
            settings["Kafka:Properties:isolation.level"] = configuredIsolation;
        }

        await using var gateway = GatewayFactory.For(cluster, settings);
        using var client = gateway.CreateClient();

        await using (var tail = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=latest"))
        {
            var caughtUp = (await tail.ReadUntilAsync(1, "caught-up"))[^1].Data();
            Assert.Equal(3, caughtUp.GetProperty("endOffsets").GetProperty("0").GetInt64());
        }

        var liveTailRequests = cluster.ListOffsetsFor(topic);
        await using (var dump = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&until=end"))
        {
            Assert.Equal(6, (await dump.ReadToEndAsync()).Count(e => e.EventType == "record"));
        }

        var allRequests = cluster.ListOffsetsFor(topic);

        // The live tail's start: both partitions' end offsets asked for, fresh from the brokers, after it was opened.
        Assert.Equal(new[] { (topic, 0), (topic, 1) }, liveTailRequests.SelectMany(r => r.Partitions)
            .Where(p => p.Topic == topic && p.Timestamp == Latest).Select(p => (p.Topic, p.Partition)).Distinct().Order());
        // The catch-up's ends were asked again (not taken from the live tail's answer).
        Assert.True(allRequests.Count > liveTailRequests.Count, "the from=earliest stream asked no end offsets of its own");
        Assert.All(allRequests, r =>
        {
            Assert.True(r.Version >= 2, $"ListOffsets v{r.Version} carries no isolation level");
            Assert.Equal(ReadCommitted, r.IsolationLevel);
        });
    }
}
