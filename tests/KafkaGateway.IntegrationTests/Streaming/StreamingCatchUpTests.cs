using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary><c>event: caught-up</c>, <c>until=end</c>, and error bodies for clients that accept only event streams.</summary>
public sealed class StreamingCatchUpTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_FromEarliestUntilEnd_DeliversEveryRecordThenCaughtUpThenEndAndCompletes()
    {
        var topic = cluster.CreateTopic(3);
        using var producer = cluster.Producer();
        for (var i = 0; i < 30; i++)
        {
            await producer.ProduceTextAsync(topic, i % 3, $"v{i}");
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&until=end");
        var events = await stream.ReadToEndAsync();

        Assert.Equal([.. Enumerable.Repeat("record", 30), "caught-up", "end"], events.Select(e => e.EventType));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"v{i}").Order(),
            events.Where(e => e.EventType == "record").Select(e => e.Data().GetProperty("value").GetString()).Order());
        var caughtUp = events[^2].Data();
        Assert.Equal(3, caughtUp.GetProperty("endOffsets").EnumerateObject().Count());
        Assert.All(caughtUp.GetProperty("endOffsets").EnumerateObject(), p => Assert.Equal(10, p.Value.GetInt64()));
        var end = events[^1].Data();
        Assert.Equal("until_end", end.GetProperty("reason").GetString());
        Assert.Equal(events[^1].EventId, end.GetProperty("resumeToken").GetString());
        Assert.True(ResumeToken.TryParse(events[^1].EventId, out var token));
        Assert.Equal(new Dictionary<int, long> { [0] = 10, [1] = 10, [2] = 10 }, token!.NextOffsets);
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveSubscribers == 0 && gateway.Hub().ActiveConsumers == 0,
            TimeSpan.FromSeconds(20), "the finished stream and its consumer to close");
    }

    [Fact]
    public async Task Stream_CaughtUpThenNewRecords_SendsCaughtUpOnceBetweenOldAndNewRecords()
    {
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 0, "old-0");
        await producer.ProduceTextAsync(topic, 1, "old-1");
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");

        var before = await stream.ReadUntilAsync(1, "caught-up");
        await producer.ProduceTextAsync(topic, 0, "new-0");
        await producer.ProduceTextAsync(topic, 1, "new-1");
        var after = await stream.ReadUntilAsync(2);

        Assert.Equal(["record", "record", "caught-up"], before.Select(e => e.EventType));
        Assert.Equal(["record", "record"], after.Select(e => e.EventType));
        Assert.Equal(["new-0", "new-1"], after.Select(e => e.Data().GetProperty("value").GetString()).Order());
    }

    [Fact]
    public async Task Stream_FilteredTailUntilEnd_EndTokenCoversTheFilteredOutRecords()
    {
        var topic = cluster.CreateTopic(1);
        using var producer = cluster.Producer();
        await producer.ProduceAsync(topic, 0, "wanted", "a"u8.ToArray());
        await producer.ProduceAsync(topic, 0, "other", "b"u8.ToArray());
        await producer.ProduceAsync(topic, 0, "other", "c"u8.ToArray());
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&key=wanted&until=end");
        var events = await stream.ReadToEndAsync();

        Assert.Equal(["record", "caught-up", "end"], events.Select(e => e.EventType));
        Assert.True(ResumeToken.TryParse(events[^1].EventId, out var token));
        // Not 1 (after the last delivered record): resuming must not read the filtered-out tail again.
        Assert.Equal(3, token!.NextOffsets[0]);
    }

    [Fact]
    public async Task Stream_CommittedTransactionAtTheEnd_CaughtUpPassesTheCommitMarker()
    {
        // The last offset of the partition holds the transaction's commit marker, which no consumer ever receives:
        // caught-up must come from the consumer's position, not from the last delivered record.
        var topic = cluster.CreateTopic(1);
        using (var transactional = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig(cluster.ClientConfig())
        {
            TransactionalId = $"tx-{Guid.NewGuid():N}",
        }).Build())
        {
            transactional.InitTransactions(TimeSpan.FromSeconds(30));
            transactional.BeginTransaction();
            for (var i = 0; i < 3; i++)
            {
                await transactional.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"tx{i}") });
            }

            transactional.CommitTransaction(TimeSpan.FromSeconds(30));
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&until=end");
        var events = await stream.ReadToEndAsync();

        Assert.Equal(["record", "record", "record", "caught-up", "end"], events.Select(e => e.EventType));
        var end = events[^2].Data().GetProperty("endOffsets").GetProperty("0").GetInt64();
        Assert.True(end > 3, $"the end offset {end} should include the commit marker");
        Assert.True(ResumeToken.TryParse(events[^1].EventId, out var token));
        Assert.Equal(end, token!.NextOffsets[0]);
    }

    [Fact]
    public async Task Stream_FromLatestUntilEnd_IsCaughtUpAtOnceAndEnds()
    {
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(topic, 0, "before");
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        await using var live = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");

        await using var ended = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?until=end");
        var events = await ended.ReadToEndAsync();
        var liveFirst = await live.NextAsync();

        Assert.Equal(["caught-up", "end"], events.Select(e => e.EventType));
        Assert.True(ResumeToken.TryParse(events[^1].EventId, out var token));
        Assert.Equal(new Dictionary<int, long> { [0] = 1, [1] = 0 }, token!.NextOffsets);
        Assert.Equal("caught-up", liveFirst?.EventType);
    }

    [Fact]
    public async Task Stream_UntilOtherThanEnd_Answers400NamingTheParameter()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri($"/topics/{topic}/stream?until=tomorrow", UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.until", out _), problem.ToString());
    }

    [Fact]
    public async Task Stream_LimitReachedWithAcceptEventStream_AnswersTooManyStreamsProblemDetails()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { ["Streaming:MaxStreams"] = "1" });
        using var client = gateway.CreateClient();
        await using var first = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/topics/{topic}/stream", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("too_many_streams", problem.GetProperty("code").GetString());
        Assert.Contains("Streaming:MaxStreams", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("traceId", out _), problem.ToString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task SwaggerJson_StreamOperation_DocumentsUntilEndAndCaughtUpWithAnExample()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var stream = document.GetProperty("paths").GetProperty("/topics/{topic}/stream").GetProperty("get");
        var description = stream.GetProperty("description").GetString()!;
        Assert.Contains("event: caught-up", description, StringComparison.Ordinal);
        Assert.Contains("from=earliest&until=end", description, StringComparison.Ordinal);
        Assert.Contains(stream.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "until");
    }
}
