using System.Text;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Streaming;

public sealed class StreamingProtocolTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_IdleWithHeartbeatSetting_StartsWithRetryHintAndSendsHeartbeatComments()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { ["Streaming:HeartbeatSeconds"] = "1" });
        using var client = gateway.CreateClient();
        using var response = await client.GetAsync(new Uri($"/topics/{topic}/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        var text = new StringBuilder();
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.ToString().Contains(": heartbeat\n\n: heartbeat\n\n", StringComparison.Ordinal))
        {
            var read = await body.ReadAsync(buffer, timeout.Token);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.StartsWith("retry: 3000\n\n", text.ToString(), StringComparison.Ordinal);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Records_DevelopmentEnvironment_BootsAndReportsAnUnknownSchemaAsError()
    {
        // Development validates the container on build: streaming must boot whether or not a registry is registered
        // (this branch has none: schema_registry_not_configured; with the schema feature: schema_not_found).
        var topic = cluster.CreateTopic(1);
        using var producer = cluster.Producer();
        await producer.ProduceAsync(topic, 0, null, KafkaGateway.Schemas.ConfluentWireFormat.Frame(987_654, [2]));
        await using var gateway = GatewayFactory.For(cluster, environment: "Development");
        using var client = gateway.CreateClient();

        var page = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(
            client, $"/topics/{topic}/records");

        Assert.Contains(page.GetProperty("errors")[0].GetProperty("reason").GetString(), new[] { "schema_registry_not_configured", "schema_not_found" });
    }

    [Fact]
    public async Task Stream_TokenOffsetBeyondLogEnd_ResumesAtTheEndWithNotice()
    {
        // A token beyond the end (another cluster's, or records lost in an unclean election) must not replay the
        // partition from earliest. Below the log start (the mock cannot delete records) resumes at earliest: see
        // ResumeTokenTests.FromToken_*.
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 0, "p0-0");
        await producer.ProduceTextAsync(topic, 1, "p1-0");
        await producer.ProduceTextAsync(topic, 1, "p1-1");
        var token = ResumeToken.For(topic, new Dictionary<int, long> { [0] = 1000, [1] = 1 }).Encode();
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?until=end", token);
        var events = await stream.ReadToEndAsync();

        var notice = Assert.Single(events, e => e.EventType == "notice").Data();
        Assert.Equal("offset_out_of_range", notice.GetProperty("reason").GetString());
        Assert.Equal(0, notice.GetProperty("partition").GetInt32());
        Assert.Equal(1000, notice.GetProperty("requested").GetInt64());
        Assert.Equal(1, notice.GetProperty("resumedAt").GetInt64());
        Assert.Equal(["p1-1"], events.Where(e => e.EventType == "record").Select(e => e.Data().GetProperty("value").GetString()));
        Assert.True(ResumeToken.TryParse(events[^1].EventId, out var last));
        Assert.Equal(new Dictionary<int, long> { [0] = 1, [1] = 2 }, last!.NextOffsets);
    }

    [Fact]
    public async Task Stream_TopicDeletedMidStream_EndsWithTopicDeletedAndCompletes()
    {
        // The mock cannot delete topics; it can make metadata answer UNKNOWN_TOPIC_OR_PART for one, which is what
        // clients see of a deleted topic. A real DeleteTopics is not exercised here.
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 0, "before");
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new()
        {
            ["Streaming:PartitionCheckSeconds"] = "1",
        }));
        using var client = gateway.CreateClient();
        await using var replay = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");
        await using var live = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        var first = await replay.ReadUntilAsync(1, "caught-up");
        await live.ReadUntilAsync(1, "caught-up");

        List<System.Net.ServerSentEvents.SseItem<string>> replayEnd, liveEnd;
        cluster.Cluster.SetTopicError(topic, Confluent.Kafka.ErrorCode.UnknownTopicOrPart);
        try
        {
            replayEnd = await replay.ReadToEndAsync();
            liveEnd = await live.ReadToEndAsync();
        }
        finally
        {
            cluster.Cluster.SetTopicError(topic, Confluent.Kafka.ErrorCode.NoError);
        }

        Assert.Equal("before", first[0].Data().GetProperty("value").GetString());
        foreach (var events in new[] { replayEnd, liveEnd })
        {
            Assert.Equal("end", events[^1].EventType);
            Assert.Equal("topic_deleted", events[^1].Data().GetProperty("reason").GetString());
            Assert.True(ResumeToken.TryParse(events[^1].EventId, out _));
        }

        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveConsumers == 0 && gateway.Hub().ActiveSubscribers == 0,
            TimeSpan.FromSeconds(20), "the ended streams and their consumers to close");
    }

    [Fact]
    public async Task Stream_FetchAnsweredOffsetOutOfRangeMidStream_GoesOnFromItsPositionWithoutReplay()
    {
        // Before, auto.offset.reset=earliest made librdkafka restart such a partition at its earliest offset: every
        // subscriber got the whole partition again, silently. Now the gateway checks the log: it still holds the
        // position here, so the streams go on from it with nothing repeated. (The other branch, a log end below the
        // position after the topic was created again, needs a deleted topic, which the mock cannot make; on real Kafka
        // that path is unverified. It resumes at the end with an offset_out_of_range notice.)
        var topic = cluster.CreateTopic(1);
        using var producer = cluster.Producer();
        for (var i = 0; i < 5; i++)
        {
            await producer.ProduceTextAsync(topic, 0, $"old-{i}");
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        await using var replay = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");
        await using var live = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        await replay.ReadUntilAsync(1, "caught-up");
        await live.ReadUntilAsync(1, "caught-up");

        List<System.Net.ServerSentEvents.SseItem<string>> replayNext, liveNext;
        cluster.Cluster.PushRequestErrors(1, Enumerable.Repeat(Confluent.Kafka.ErrorCode.OffsetOutOfRange, 4).ToArray());
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceTextAsync(topic, 0, $"new-{i}");
            }

            replayNext = await replay.ReadUntilAsync(3);
            liveNext = await live.ReadUntilAsync(3);
        }
        finally
        {
            cluster.Cluster.ClearRequestErrors(1);
        }

        foreach (var events in new[] { replayNext, liveNext })
        {
            Assert.Equal(["new-0", "new-1", "new-2"], events.Where(e => e.EventType == "record").Select(e => e.Data().GetProperty("value").GetString()));
            Assert.DoesNotContain(events, e => e.EventType == "notice");
        }
    }

    [Fact]
    public async Task Stream_LiveTailThroughATransaction_DeliversItsCommittedRecordsOnce()
    {
        // Committed transactional records reach a live tail once, the commit marker is no event, and records after it
        // follow. Not verifiable on the librdkafka mock (2.16): it keeps no last stable offset, answers ListOffsets
        // with the high watermark and hands records of a still open transaction to read_committed consumers (a
        // read_committed consumer there received the 3 records of an open transaction). So "records of an open
        // transaction are not delivered" and "a tail opened while a transaction is open starts at the LSO" rest on
        // librdkafka's read_committed ListOffsets and fetch against real Kafka, unverified here.
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        await using var live = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        await live.ReadUntilAsync(1, "caught-up");

        using (var transactional = new Confluent.Kafka.ProducerBuilder<byte[]?, byte[]?>(new Confluent.Kafka.ProducerConfig(cluster.ClientConfig())
        {
            TransactionalId = $"tx-{Guid.NewGuid():N}",
        }).Build())
        {
            transactional.InitTransactions(TimeSpan.FromSeconds(30));
            transactional.BeginTransaction();
            for (var i = 0; i < 3; i++)
            {
                await transactional.ProduceAsync(new Confluent.Kafka.TopicPartition(topic, 0),
                    new Confluent.Kafka.Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"tx-{i}") });
            }

            transactional.CommitTransaction(TimeSpan.FromSeconds(30));
        }

        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 0, "after");
        var events = await live.ReadUntilAsync(4);

        Assert.Equal(["tx-0", "tx-1", "tx-2", "after"], events.Where(e => e.EventType == "record").Select(e => e.Data().GetProperty("value").GetString()));
        // Offset 3 is the commit marker.
        Assert.Equal([0L, 1, 2, 4], events.Where(e => e.EventType == "record").Select(e => e.Position().Offset));
    }
}
