using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Streaming;

public sealed class StreamingEdgeTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_SlowLiveSubscriber_GetsOverflowWithResumeTokenAndIsDisconnected()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster,
            StreamingTestSupport.Format(topic, "string", new() { ["Streaming:SubscriberBufferSize"] = "5" }));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=latest");

        // Not reading: the response pipe fills, the writer stops draining its buffer and the shared consumer drops it.
        using var producer = cluster.Producer();
        var payload = new string('x', 2000);
        for (var i = 0; i < 400; i++)
        {
            producer.Produce(new Confluent.Kafka.TopicPartition(topic, 0), new() { Value = Encoding.UTF8.GetBytes($"{i}:{payload}") });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        // Dropped and freed before the client reads anything more: the buffer does not grow with the backlog.
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveSubscribers == 0 && gateway.Hub().ActiveConsumers == 0,
            TimeSpan.FromSeconds(10), "the slow subscriber and its consumer to be freed");
        var events = new List<System.Net.ServerSentEvents.SseItem<string>>();
        while (await stream.NextAsync() is { } next)
        {
            events.Add(next);
        }

        var overflow = Assert.Single(events, e => e.EventType == "overflow");
        Assert.Equal("overflow", events[^1].EventType);
        var records = events.Where(e => e.EventType == "record").ToList();
        Assert.True(records.Count < 400, $"{records.Count} records arrived before the overflow");
        var token = overflow.Data().GetProperty("resumeToken").GetString();
        Assert.Equal(overflow.EventId, token);
        Assert.Equal(0, gateway.Hub().ActiveSubscribers);

        // The token continues right after the last record delivered.
        await using var resumed = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?lastEventId={token}");
        var next2 = (await resumed.ReadUntilAsync(1)).Single(e => e.EventType == "record");
        Assert.Equal(records.Count == 0 ? 0 : records[^1].Position().Offset + 1, next2.Position().Offset);
    }

    [Fact]
    public async Task Stream_SlowCatchUpSubscriber_IsHeldBackNotDropped()
    {
        var topic = cluster.CreateTopic(1);
        using var producer = cluster.Producer();
        var payload = new string('x', 2000);
        for (var i = 0; i < 300; i++)
        {
            producer.Produce(new Confluent.Kafka.TopicPartition(topic, 0), new() { Value = Encoding.UTF8.GetBytes($"{i}:{payload}") });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        await using var gateway = GatewayFactory.For(cluster,
            StreamingTestSupport.Format(topic, "string", new() { ["Streaming:SubscriberBufferSize"] = "5" }));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");

        // Not reading until the consumer has filled the 5-event buffer and has to wait for the client.
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().Subscriptions is [var subscription] && subscription.Reader.Count >= 5,
            TimeSpan.FromSeconds(30), "the subscriber's buffer to fill");
        var events = await stream.ReadUntilAsync(300);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), events.Select(e => e.Position().Offset));
    }

    [Theory]
    [InlineData("Streaming:MaxStreamsPerClient")]
    [InlineData("Streaming:MaxStreams")]
    public async Task Stream_LimitReached_Answers429WithRetryAfter(string key)
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { [key] = "2" });
        using var client = gateway.CreateClient();
        await using var one = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        await using var two = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");

        using var third = await client.GetAsync(new Uri($"/topics/{topic}/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        var problem = await third.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("too_many_streams", problem.GetProperty("code").GetString());
        Assert.Contains(key, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(third.Headers.RetryAfter);
    }

    [Fact]
    public async Task Stream_CrLfInValuesKeysAndHeaders_ArriveByteIdenticalAndFramingHolds()
    {
        var stringTopic = cluster.CreateTopic(1);
        var binaryTopic = cluster.CreateTopic(1);
        var jsonTopic = cluster.CreateTopic(1);
        const string Text = "line1\r\nline2\nline3\r\n\r\ndata: fake\n\nevent: end\r";
        byte[] bytes = [13, 10, 0, 255, 10, 13, 58];
        using var producer = cluster.Producer();
        await producer.ProduceAsync(stringTopic, 0, "key\r\n1", Encoding.UTF8.GetBytes(Text),
            new Dictionary<string, byte[]> { ["h\r\n"] = Encoding.UTF8.GetBytes("a\r\nb\n"), ["bin"] = [0xFF, 0x0A] });
        await producer.ProduceAsync(binaryTopic, 0, null, bytes);
        await producer.ProduceAsync(jsonTopic, 0, null, Encoding.UTF8.GetBytes("{\r\n  \"text\": \"x\\r\\ny\"\r\n}\r\n"));

        var settings = StreamingTestSupport.Format(stringTopic, "string");
        StreamingTestSupport.Format(binaryTopic, "binary", settings);
        StreamingTestSupport.Format(jsonTopic, "json", settings);
        await using var gateway = GatewayFactory.For(cluster, settings);
        using var client = gateway.CreateClient();

        async Task<JsonElement> FirstAsync(string topic)
        {
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");
            var events = await stream.ReadUntilAsync(1);
            Assert.Single(events);
            return events[0].Data();
        }

        var text = await FirstAsync(stringTopic);
        var binary = await FirstAsync(binaryTopic);
        var json = await FirstAsync(jsonTopic);

        Assert.Equal(Text, text.GetProperty("value").GetString());
        Assert.Equal("key\r\n1", text.GetProperty("key").GetString());
        Assert.Equal("a\r\nb\n", text.GetProperty("headers").GetProperty("h\r\n").GetString());
        Assert.Equal(Convert.ToBase64String([0xFF, 0x0A]), text.GetProperty("headers").GetProperty("bin").GetString());
        Assert.Equal(bytes, Convert.FromBase64String(binary.GetProperty("value").GetString()!));
        Assert.Equal("x\r\ny", json.GetProperty("value").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Stream_UndecodableRecords_BecomeErrorEventsAndTheStreamGoesOn()
    {
        var jsonTopic = cluster.CreateTopic(1);
        var avroTopic = cluster.CreateTopic(1);
        const string Schema = """{"type":"record","name":"Order","fields":[{"name":"id","type":"int"},{"name":"note","type":"string"}]}""";
        var registry = new InMemorySchemaRegistryStandIn();
        registry.Add(7, Schema);
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.True(AvroJsonCodec.Create(Schema).Encode(JsonDocument.Parse("""{"id":5,"note":"hi"}""").RootElement, body, []));
        using var producer = cluster.Producer();
        await producer.ProduceTextAsync(jsonTopic, 0, "{\"ok\":1}");
        await producer.ProduceTextAsync(jsonTopic, 0, "{not json");
        await producer.ProduceTextAsync(jsonTopic, 0, "{\"ok\":2}");
        await producer.ProduceAsync(avroTopic, 0, null, ConfluentWireFormat.Frame(7, body.WrittenSpan));
        await producer.ProduceAsync(avroTopic, 0, null, ConfluentWireFormat.Frame(7, [0x0A]));
        await producer.ProduceAsync(avroTopic, 0, null, ConfluentWireFormat.Frame(99, body.WrittenSpan));
        await producer.ProduceAsync(avroTopic, 0, null, "plain"u8.ToArray());
        await producer.ProduceAsync(avroTopic, 0, null, ConfluentWireFormat.Frame(7, body.WrittenSpan));

        await using var baseGateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(jsonTopic, "json"));
        await using var gateway = baseGateway.WithRegistry(registry);
        using var client = gateway.CreateClient();
        await using var json = await OpenStream.OpenAsync(client, $"/topics/{jsonTopic}/stream?from=earliest");
        await using var avro = await OpenStream.OpenAsync(client, $"/topics/{avroTopic}/stream?from=earliest");

        var jsonEvents = await json.ReadUntilAsync(2);
        var avroEvents = await avro.ReadUntilAsync(2);

        Assert.Equal(["record", "error", "record"], jsonEvents.Select(e => e.EventType));
        var error = jsonEvents[1].Data();
        Assert.Equal(1, error.GetProperty("offset").GetInt64());
        Assert.Equal(0, error.GetProperty("partition").GetInt32());
        Assert.Equal("invalid_json", error.GetProperty("reason").GetString());
        Assert.Equal("{not json"u8.ToArray(), Convert.FromBase64String(error.GetProperty("valueBase64").GetString()!));
        Assert.Equal(2, jsonEvents[2].Data().GetProperty("value").GetProperty("ok").GetInt32());

        Assert.Equal(["record", "error", "error", "error", "record"], avroEvents.Select(e => e.EventType));
        var decoded = avroEvents[0].Data();
        Assert.Equal(5, decoded.GetProperty("value").GetProperty("id").GetInt32());
        Assert.Equal("hi", decoded.GetProperty("value").GetProperty("note").GetString());
        Assert.Equal(7, decoded.GetProperty("valueSchemaId").GetInt32());
        Assert.Equal(["invalid_avro", "schema_not_found", "not_avro"], avroEvents.Skip(1).Take(3).Select(e => e.Data().GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Stream_MalformedOrForeignResumeToken_Answers400()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();
        var foreign = ResumeToken.For("another-topic", new Dictionary<int, long> { [0] = 3 }).Encode();

        using var malformed = await client.GetAsync(new Uri($"/topics/{topic}/stream?lastEventId=not*a*token", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/topics/{topic}/stream", UriKind.Relative));
        request.Headers.Add("Last-Event-ID", foreign);
        using var other = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("invalid_resume_token", (await malformed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Equal("resume_token_topic_mismatch", (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("records")]
    public async Task UnknownTopic_Answers404TopicNotFound(string endpoint)
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri($"/topics/no-such-{Guid.NewGuid():N}/{endpoint}", UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("topic_not_found", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Records_PagingWithCursor_ReturnsEveryRecordExactlyOnce()
    {
        var topic = cluster.CreateTopic(3);
        using var producer = cluster.Producer();
        for (var i = 0; i < 111; i++)
        {
            producer.Produce(new Confluent.Kafka.TopicPartition(topic, i % 3), new() { Value = Encoding.UTF8.GetBytes($"\"r{i}\"") });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "json"));
        using var client = gateway.CreateClient();

        var seen = new List<(int, long)>();
        var values = new List<string>();
        var url = $"/topics/{topic}/records?limit=10";
        var pages = 0;
        while (true)
        {
            var page = await client.GetFromJsonAsync<JsonElement>(url);
            var records = page.GetProperty("records").EnumerateArray().ToList();
            pages++;
            if (records.Count == 0)
            {
                break;
            }

            Assert.True(records.Count <= 10);
            seen.AddRange(records.Select(r => (r.GetProperty("partition").GetInt32(), r.GetProperty("offset").GetInt64())));
            values.AddRange(records.Select(r => r.GetProperty("value").GetString()!));
            url = $"/topics/{topic}/records?limit=10&cursor={page.GetProperty("next").GetString()}";
        }

        Assert.Equal(111, seen.Count);
        Assert.Equal(111, seen.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 111).Select(i => $"r{i}").Order(), values.Order());
        Assert.InRange(pages, 12, 14);
    }

    [Fact]
    public async Task Records_FollowingNextWithoutLimit_KeepsTheFirstPageLimitAndMarksTheEnd()
    {
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        for (var i = 0; i < 125; i++)
        {
            producer.Produce(new Confluent.Kafka.TopicPartition(topic, i % 2), new() { Value = Encoding.UTF8.GetBytes($"v{i}") });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        // Only the first request names the limit; the cursor carries it (before, later pages fell back to 20).
        var sizes = new List<int>();
        var ends = new List<bool>();
        var url = $"/topics/{topic}/records?limit=50";
        JsonElement page;
        do
        {
            page = await client.GetFromJsonAsync<JsonElement>(url);
            sizes.Add(page.GetProperty("records").GetArrayLength());
            ends.Add(page.GetProperty("end").GetBoolean());
            url = $"/topics/{topic}/records?cursor={page.GetProperty("next").GetString()}";
        }
        while (!ends[^1] && sizes.Count < 10);

        // At the end, next polls: a new record comes on the next page, which is again at the end.
        producer.Produce(new Confluent.Kafka.TopicPartition(topic, 1), new() { Value = Encoding.UTF8.GetBytes("late") });
        producer.Flush(TimeSpan.FromSeconds(10));
        var polled = await client.GetFromJsonAsync<JsonElement>(url);
        var overridden = await client.GetFromJsonAsync<JsonElement>(
            $"/topics/{topic}/records?limit=3&cursor={(await client.GetFromJsonAsync<JsonElement>($"/topics/{topic}/records?limit=50")).GetProperty("next").GetString()}");

        Assert.Equal([50, 50, 25], sizes);
        Assert.Equal([false, false, true], ends);
        Assert.True(ResumeToken.TryParse(page.GetProperty("next").GetString(), out var last));
        Assert.Equal(50, last!.PageLimit);
        Assert.Equal(["late"], polled.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetString()));
        Assert.True(polled.GetProperty("end").GetBoolean());
        Assert.Equal(3, overridden.GetProperty("records").GetArrayLength());
        Assert.False(overridden.GetProperty("end").GetBoolean());
    }

    [Fact]
    public async Task Records_PartitionOffsetAndLimitCap_ReadFromThereUpToTheCap()
    {
        var topic = cluster.CreateTopic(2);
        using var producer = cluster.Producer();
        for (var i = 0; i < 30; i++)
        {
            producer.Produce(new Confluent.Kafka.TopicPartition(topic, 1), new() { Value = Encoding.UTF8.GetBytes($"v{i}") });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        await using var gateway = GatewayFactory.For(cluster,
            StreamingTestSupport.Format(topic, "string", new() { ["Streaming:MaxBrowseLimit"] = "7" }));
        using var client = gateway.CreateClient();

        var page = await client.GetFromJsonAsync<JsonElement>($"/topics/{topic}/records?partition=1&offset=20&limit=100");
        var empty = await client.GetFromJsonAsync<JsonElement>($"/topics/{topic}/records?partition=0");

        Assert.Equal(Enumerable.Range(20, 7).Select(i => $"v{i}"),
            page.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetString()));
        Assert.Empty(empty.GetProperty("records").EnumerateArray());
        Assert.False(page.GetProperty("end").GetBoolean());
        Assert.True(empty.GetProperty("end").GetBoolean());
        Assert.True(ResumeToken.TryParse(page.GetProperty("next").GetString(), out var next));
        Assert.Equal(27, next!.NextOffsets[1]);
    }

    [Fact]
    public async Task SwaggerJson_Requested_DocumentsBothStreamingEndpoints()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var stream = document.GetProperty("paths").GetProperty("/topics/{topic}/stream").GetProperty("get");
        var records = document.GetProperty("paths").GetProperty("/topics/{topic}/records").GetProperty("get");
        Assert.Contains("server-sent events", stream.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.True(stream.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.Contains("Last-Event-ID", stream.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("page", records.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }
}
