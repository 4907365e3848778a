using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;

namespace KafkaGateway.IntegrationTests.Producing;

public sealed class ProduceTests(GatewayClusterFixture cluster) : IClassFixture<GatewayClusterFixture>
{
    [Fact]
    public async Task Produce_SensorReading_IsInKafkaInConfluentWireFormatAndDecodesToThePostedJson()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        var schemaId = await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);

        var response = await client.PostAsJsonAsync($"/topics/{topic}/records",
            new { value = new { id = "s-1", timestamp = 1732270000000L, value = 21.5 } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(schemaId, body.GetProperty("valueSchemaId").GetInt32());
        Assert.Equal(1, body.GetProperty("valueSchemaVersion").GetInt32());
        Assert.Equal(0, body.GetProperty("records")[0].GetProperty("offset").GetInt64());
        var record = Assert.Single(ConsumeRaw(topic, 1));
        Assert.True(ConfluentWireFormat.TryReadHeader(record.Message.Value, out var idInKafka, out var avro));
        Assert.Equal(schemaId, idInKafka);
        var decoded = JsonDocument.Parse(AvroJsonCodec.Create(GatewayClusterFixture.SensorSchema).DecodeToJson(avro)).RootElement;
        Assert.Equal("s-1", decoded.GetProperty("id").GetString());
        Assert.Equal(1732270000000L, decoded.GetProperty("timestamp").GetInt64());
        Assert.Equal(21.5, decoded.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task Produce_BatchOfRecords_AnswersAndStoresThemInRequestOrder()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        var records = Enumerable.Range(0, 50).Select(i => new { value = new { id = $"s-{i}", timestamp = 1732270000000L + i, value = (double)i } }).ToArray();

        var response = await client.PostAsJsonAsync($"/topics/{topic}/records", new { records });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var offsets = body.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("offset").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), offsets);
        var codec = AvroJsonCodec.Create(GatewayClusterFixture.SensorSchema);
        var ids = ConsumeRaw(topic, 50).Select(r =>
        {
            ConfluentWireFormat.TryReadHeader(r.Message.Value, out _, out var avro);
            return JsonDocument.Parse(codec.DecodeToJson(avro)).RootElement.GetProperty("id").GetString();
        });
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"s-{i}"), ids);
    }

    [Fact]
    public async Task Produce_KeyPartitionHeadersTimestamp_RoundTripThroughKafka()
    {
        var topic = cluster.CreateTopic(partitions: 3);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);

        var response = await client.PostAsJsonAsync($"/topics/{topic}/records", new
        {
            records = new object[]
            {
                new
                {
                    key = "s-1", partition = 2, timestamp = "2024-11-22T10:00:00Z",
                    headers = new Dictionary<string, string> { ["source"] = "curl", ["unit"] = "celsius" },
                    value = new { id = "s-1", timestamp = 1L, value = 1.0 },
                },
                new
                {
                    key = "s-2", partition = 1, timestamp = 1732270000123L,
                    headers = new[] { new { name = "raw", value = Convert.ToBase64String(new byte[] { 0, 1, 255 }) } },
                    value = new { id = "s-2", timestamp = 2L, value = 2.0 },
                },
            },
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body.GetProperty("records")[0].GetProperty("partition").GetInt32());
        Assert.Equal(1, body.GetProperty("records")[1].GetProperty("partition").GetInt32());
        Assert.Equal(1732270000123L, body.GetProperty("records")[1].GetProperty("timestamp").GetInt64());
        var consumed = ConsumeRaw(topic, 2).OrderBy(r => r.Partition.Value).ToArray();
        Assert.Equal("s-2", Encoding.UTF8.GetString(consumed[0].Message.Key));
        Assert.Equal(1732270000123L, consumed[0].Message.Timestamp.UnixTimestampMs);
        Assert.Equal(new byte[] { 0, 1, 255 }, consumed[0].Message.Headers.GetLastBytes("raw"));
        Assert.Equal("s-1", Encoding.UTF8.GetString(consumed[1].Message.Key));
        Assert.Equal(DateTimeOffset.Parse("2024-11-22T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), consumed[1].Message.Timestamp.UnixTimestampMs);
        Assert.Equal("celsius", Encoding.UTF8.GetString(consumed[1].Message.Headers.GetLastBytes("unit")));
    }

    [Fact]
    public async Task Produce_InvalidRecords_Answers422WithEveryErrorAndWritesNothing()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json("""
            {"records": [
              {"value": {"id": "ok", "timestamp": 1, "value": 1.0}},
              {"value": {"id": "s-2", "timestamp": 1, "value": "hot"}},
              {"value": {"timestamp": 99999999999999999999, "value": 2.0}, "partition": -1},
              {"value": {"id": "s-4", "timestamp": 1, "value": 4.0, "extra": true}, "timestamp": "yesterday"}
            ]}
            """));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("invalid_records", body.GetProperty("code").GetString());
        var errors = body.GetProperty("errors").EnumerateArray()
            .Select(e => (Index: e.GetProperty("recordIndex").GetInt32(), Path: e.GetProperty("path").GetString()!, Message: e.GetProperty("message").GetString()!))
            .ToList();
        Assert.Contains(errors, e => e.Index == 1 && e.Path == "$.records[1].value.value" && e.Message.Contains("expected double, got string \"hot\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Index == 2 && e.Path == "$.records[2].partition");
        Assert.Contains(errors, e => e.Index == 3 && e.Path == "$.records[3].timestamp");
        Assert.Contains(errors, e => e.Index == 3 && e.Path == "$.records[3].value.extra");
        Assert.DoesNotContain(errors, e => e.Index == 0);
        Assert.Equal(0, HighWatermark(topic, 0));
    }

    [Fact]
    public async Task Produce_AvroTopicWithoutSchema_Answers422ExplainingHowToRegister()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json("""{"value": {"id": "s-1"}}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("no_value_schema", body.GetProperty("code").GetString());
        Assert.Contains($"/registry/subjects/{topic}-value/versions", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Produce_SameIdempotencyKeyTwice_WritesOnceAndReplaysTheFirstAnswer()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        const string payload = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";

        using var first = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records") { Content = Json(payload), Headers = { { "Idempotency-Key", "reading-42" } } };
        using var second = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records") { Content = Json(payload), Headers = { { "Idempotency-Key", "reading-42" } } };
        using var different = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records") { Content = Json(payload.Replace("1.5", "2.5", StringComparison.Ordinal)), Headers = { { "Idempotency-Key", "reading-42" } } };
        var firstResponse = await client.SendAsync(first);
        var secondResponse = await client.SendAsync(second);
        var differentResponse = await client.SendAsync(different);

        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondResponse.StatusCode);
        Assert.Equal(await firstResponse.Content.ReadAsStringAsync(), await secondResponse.Content.ReadAsStringAsync());
        Assert.True(secondResponse.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, differentResponse.StatusCode);
        Assert.Equal(1, HighWatermark(topic, 0));
        var stored = Assert.Single(ConsumeRaw(topic, 1));
        Assert.Equal("reading-42", Encoding.UTF8.GetString(stored.Message.Headers.GetLastBytes("Idempotency-Key")));
    }

    [Fact]
    public async Task Produce_RetriableBrokerErrorsThenSuccess_AnswersOkWithoutDuplicates()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json("""{"value": {"id": "warm", "timestamp": 1, "value": 0}}"""));

        cluster.Cluster.PushRequestErrors(0, ErrorCode.NotEnoughReplicas, ErrorCode.Local_Transport, ErrorCode.NotLeaderForPartition);
        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json("""{"value": {"id": "once", "timestamp": 2, "value": 1}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, HighWatermark(topic, 0));
    }

    [Fact]
    public async Task Produce_UnknownPartition_Answers404()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"value": {"id": "s", "timestamp": 1, "value": 1}, "partition": 7}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("partition_not_found", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Produce_InvalidTopicName_Answers400()
    {
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri("/topics/bad%20name!/records", UriKind.Relative), Json("""{"value": 1}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_topic_name", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("""{"value": {"id": "s-1",}}""", "BytePositionInLine: 23")]
    [InlineData("""{"records": [{"value": 1}""", "LineNumber: 0")]
    [InlineData("", "non-empty request body")]
    public async Task Produce_MalformedOrEmptyJson_Answers400WithWhereItBroke_AndWritesNothing(string json, string message)
    {
        var topic = cluster.CreateTopic(1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(json));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateObject());
        Assert.Equal("$", error.Name);
        Assert.Contains(message, error.Value[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal(0, HighWatermark(topic, 0));
    }

    // The action reads its query and header values itself (no MVC binding): bad values must still get MVC's answer,
    // every one listed at its field path together with a body problem, and nothing written.
    [Fact]
    public async Task Produce_BadQueryValuesAndMalformedBody_Answers400ListingEachFieldPath_AndWritesNothing()
    {
        var topic = cluster.CreateTopic(1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records?schemaId=abc&schemaVersion=99999999999", UriKind.Relative), Json("{\"value\":"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors");
        Assert.Equal(["$", "$.schemaId", "$.schemaVersion"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal("The value 'abc' is not valid.", errors.GetProperty("$.schemaId")[0].GetString());
        Assert.Equal("The value '99999999999' is not valid.", errors.GetProperty("$.schemaVersion")[0].GetString());
        Assert.Equal(0, HighWatermark(topic, 0));
    }

    [Fact]
    public async Task Produce_QueryValuesAsMvcBindsThem_BlankIsAbsentAndTheFirstValueCounts()
    {
        var topic = cluster.CreateTopic(1);
        using var client = cluster.CreateClient();
        var schemaId = await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        var record = "{\"value\":{\"id\":\"s-1\",\"timestamp\":1732270000000,\"value\":21.5}}";

        var blank = await client.PostAsync(new Uri($"/topics/{topic}/records?schemaId=%20&subject=", UriKind.Relative), Json(record));
        var repeated = await client.PostAsync(new Uri($"/topics/{topic}/records?schemaId={schemaId}&schemaId=abc", UriKind.Relative), Json(record));

        Assert.Equal(HttpStatusCode.OK, blank.StatusCode);
        Assert.Equal(1, (await blank.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("valueSchemaVersion").GetInt32());
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var chosen = await repeated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(schemaId, chosen.GetProperty("valueSchemaId").GetInt32());
        Assert.Equal(JsonValueKind.Null, chosen.GetProperty("valueSchemaVersion").ValueKind);
        Assert.Equal("application/json; charset=utf-8", repeated.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Produce_WithoutContentType_Answers415ProblemJsonAndWritesNothing()
    {
        var topic = cluster.CreateTopic(1);
        using var client = cluster.CreateClient();
        using var content = new ByteArrayContent("{\"value\":\"x\"}"u8.ToArray());

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), content);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        // Typed as every other error, e.g. the 415 routing gives a text/plain body (it was application/json).
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("unsupported_media_type", problem.GetProperty("code").GetString());
        Assert.Contains("Content-Type", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, HighWatermark(topic, 0));
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private List<ConsumeResult<byte[], byte[]>> ConsumeRaw(string topic, int expected) =>
        RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, expected);

    private long HighWatermark(string topic, int partition)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = "wm" }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(5)).High.Value;
    }
}

internal static class RawConsumer
{
    /// <summary>The topic's records as bytes, looking 300 ms beyond <paramref name="expected"/> for duplicates.</summary>
    public static List<ConsumeResult<byte[], byte[]>> ConsumeAll(ClientConfig client, string topic, int expected) =>
        KafkaGateway.IntegrationTests.Harness.Harness.ConsumeAll<byte[], byte[]>(client, topic, expected, lookForMore: TimeSpan.FromMilliseconds(300));
}
