using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;

namespace KafkaGateway.IntegrationTests.Streaming;

public sealed class StreamingTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_FromEarliest_DeliversEveryRecordInPartitionOrder()
    {
        var topic = cluster.CreateTopic(3);
        using var producer = cluster.Producer();
        for (var i = 0; i < 60; i++)
        {
            await producer.ProduceTextAsync(topic, i % 3, $"{{\"n\":{i}}}");
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "json"));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");

        var records = (await stream.ReadUntilAsync(60)).Where(e => e.EventType == "record").ToList();

        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        foreach (var partition in records.GroupBy(r => r.Position().Partition))
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(o => (long)o), partition.Select(r => r.Position().Offset));
            Assert.Equal(
                Enumerable.Range(0, 20).Select(o => (o * 3) + partition.Key),
                partition.Select(r => r.Data().GetProperty("value").GetProperty("n").GetInt32()));
        }

        var first = records[0].Data();
        Assert.Equal(topic, first.GetProperty("topic").GetString());
        Assert.True(first.GetProperty("timestamp").GetInt64() > 1_600_000_000_000);
        Assert.Equal(JsonValueKind.Null, first.GetProperty("valueSchemaId").ValueKind);
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.EventId)));
    }

    [Fact]
    public async Task Stream_FromLatest_DeliversOnlyRecordsProducedAfterItOpened()
    {
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 0, "before");
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");

        await producer.ProduceTextAsync(topic, 1, "after-1");
        await producer.ProduceTextAsync(topic, 0, "after-2");
        var records = (await stream.ReadUntilAsync(2)).Where(e => e.EventType == "record").ToList();

        Assert.Equal(["after-1", "after-2"], records.Select(r => r.Data().GetProperty("value").GetString()).Order());
    }

    [Fact]
    public async Task Stream_FromTimestampAfterEveryRecord_StartsAtTheEndAndDeliversNewRecords()
    {
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        await producer.ProduceAsync(topic, 0, null, Encoding.UTF8.GetBytes("old"), timestamp: DateTimeOffset.UtcNow.AddHours(-1));
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from={from}");

        await producer.ProduceTextAsync(topic, 1, "live");
        var live = (await stream.ReadUntilAsync(1)).Single(e => e.EventType == "record");

        Assert.Equal("live", live.Data().GetProperty("value").GetString());
    }

    [Fact]
    public async Task Stream_InvalidFrom_Answers400ListingTheParameter()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri($"/topics/{topic}/stream?from=yesterday&header=nocolon", UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.from", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.header[0]", out _), problem.ToString());
    }

    [Fact]
    public async Task Stream_PartitionKeyAndHeaderFilters_DeliverOnlyMatchingRecords()
    {
        var topic = cluster.CreateTopic(3);
        using var producer = cluster.Producer();
        var acme = new Dictionary<string, byte[]> { ["tenant"] = "acme"u8.ToArray(), ["kind"] = "order"u8.ToArray() };
        var other = new Dictionary<string, byte[]> { ["tenant"] = "other"u8.ToArray() };
        for (var i = 0; i < 12; i++)
        {
            await producer.ProduceAsync(topic, i % 3, i % 2 == 0 ? "even" : "odd", Encoding.UTF8.GetBytes($"v{i}"), i % 4 == 0 ? acme : other);
        }

        // A final matching-everything record per partition marks the end of what each stream must have delivered.
        for (var p = 0; p < 3; p++)
        {
            await producer.ProduceAsync(topic, p, "even", Encoding.UTF8.GetBytes($"end{p}"), acme);
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        async Task<string[]> ValuesAsync(string query, int ends)
        {
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&{query}");
            var values = new List<string>();
            while (values.Count(v => v.StartsWith("end", StringComparison.Ordinal)) < ends)
            {
                var next = await stream.NextAsync();
                values.Add(next!.Value.Data().GetProperty("value").GetString()!);
            }

            return values.Where(v => !v.StartsWith("end", StringComparison.Ordinal)).Order().ToArray();
        }

        Assert.Equal(["v0", "v11", "v2", "v3", "v5", "v6", "v8", "v9"], await ValuesAsync("partitions=0,2", 2));
        Assert.Equal(["v0", "v10", "v2", "v4", "v6", "v8"], await ValuesAsync("key=even", 3));
        Assert.Equal(["v0", "v4", "v8"], await ValuesAsync("header=tenant:acme&header=kind:order", 3));
        Assert.Equal(["v0", "v6"], await ValuesAsync("partitions=0&key=even", 1));
    }

    [Fact]
    public async Task Stream_ResumeWithLastEventIdAfterRestart_ContinuesWithNoGapAndNoDuplicate()
    {
        var topic = cluster.CreateTopic(3);
        using var producer = cluster.Producer();
        for (var i = 0; i < 30; i++)
        {
            await producer.ProduceTextAsync(topic, i % 3, $"a{i}");
        }

        var settings = StreamingTestSupport.Format(topic, "string");
        var seen = new List<(int, long)>();
        string lastId;
        SseItem<string>? final;
        var first = GatewayFactory.For(cluster, settings);
        using (var client = first.CreateClient())
        {
            var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");
            var records = (await stream.ReadUntilAsync(11)).Where(e => e.EventType == "record").ToList();
            seen.AddRange(records.Select(r => r.Position()));
            lastId = records[^1].EventId!;

            // Stop the gateway while the stream is open: the stream ends with event: end and a resume token.
            var ending = Task.Run(async () =>
            {
                var events = new List<SseItem<string>>();
                try
                {
                    while (await stream.NextAsync(TimeSpan.FromSeconds(20)) is { } e)
                    {
                        events.Add(e);
                    }
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
                {
                }

                return events;
            });
            await first.DisposeAsync();
            var tail = await ending;
            final = tail.LastOrDefault(e => e.EventType == "end");
            seen.AddRange(tail.Where(e => e.EventType == "record").Select(e => e.Position()));
            lastId = tail.LastOrDefault(e => e.EventId is { Length: > 0 }).EventId ?? lastId;
            await stream.DisposeAsync();
        }

        for (var i = 30; i < 45; i++)
        {
            await producer.ProduceTextAsync(topic, i % 3, $"a{i}");
        }

        await using var second = GatewayFactory.For(cluster, settings);
        using var client2 = second.CreateClient();
        await using var resumed = await OpenStream.OpenAsync(client2, $"/topics/{topic}/stream?from=latest", lastId);
        var rest = (await resumed.ReadUntilAsync(45 - seen.Count)).Where(e => e.EventType == "record").Select(e => e.Position());
        seen.AddRange(rest);

        Assert.NotNull(final);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(
            Enumerable.Range(0, 3).SelectMany(p => Enumerable.Range(0, 15).Select(o => (p, (long)o))).Order(),
            seen.Order());
        Assert.Null(await NoMoreRecordsAsync(resumed));
    }

    [Fact]
    public async Task Stream_SeveralLiveSubscribersOfOneTopic_ShareOneConsumer()
    {
        var topic = cluster.CreateTopic(3);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        var streams = new List<OpenStream>();
        for (var i = 0; i < 4; i++)
        {
            streams.Add(await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=latest"));
        }

        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 2, "shared");
        var received = new List<string?>();
        foreach (var stream in streams)
        {
            received.Add((await stream.ReadUntilAsync(1)).Single(e => e.EventType == "record").Data().GetProperty("value").GetString());
        }

        Assert.Equal(1, gateway.Hub().ActiveConsumers);
        Assert.Equal(4, gateway.Hub().ActiveSubscribers);
        Assert.All(received, v => Assert.Equal("shared", v));
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveConsumers == 0 && gateway.Hub().ActiveSubscribers == 0,
            TimeSpan.FromSeconds(10), "the shared consumer to close");
    }

    [Fact]
    public async Task Stream_ConnectDisconnect1000Times_LeavesNoConsumerChannelOrSubscriberBehind()
    {
        var topic = cluster.CreateTopic(1);
        // About leaks, not limits: 100 of the 1,000 streams are private consumers, and a closed stream's consumer still
        // counts against Streaming:MaxConsumers (64 by default) until librdkafka has closed it, so on a loaded machine
        // fast reconnects could meet a 429 that is right there and beside this test's point.
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new()
        {
            ["Streaming:MaxConsumers"] = "1000",
            ["Streaming:MaxStreamsPerClient"] = "1000",
        }));
        using var client = gateway.CreateClient();
        var hub = gateway.Hub();

        for (var i = 0; i < 1000; i++)
        {
            using var response = await client.GetAsync(
                new Uri($"/topics/{topic}/stream?from={(i % 10 == 0 ? "earliest" : "latest")}", UriKind.Relative),
                HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await StreamingTestSupport.WaitUntilAsync(() => hub.ActiveSubscribers == 0 && hub.ActiveConsumers == 0,
            TimeSpan.FromSeconds(20), "every stream and consumer to close");
        Assert.Equal(0, hub.ActiveSubscribers);
        Assert.Equal(0, hub.ActiveConsumers);
    }

    private static async Task<SseItem<string>?> NoMoreRecordsAsync(OpenStream stream)
    {
        try
        {
            var next = await stream.NextAsync(TimeSpan.FromMilliseconds(700));
            return next is { EventType: "record" } ? next : null;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
}
