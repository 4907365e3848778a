using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// A gateway as REST Proxy v2 clients meet it: inline schemas registered (Producer:AutoRegisterSchemas, on in
/// Development), two topics named in Gateway:TopicFormats as json and binary, and a small record limit.
/// </summary>
public sealed class RestProxyV2Fixture : GatewayClusterFixture
{
    public const int MaxRecords = 5;

    public string JsonTopic { get; } = $"v2-json-{Guid.NewGuid():N}";

    public string BinaryTopic { get; } = $"v2-binary-{Guid.NewGuid():N}";

    public string LimitTopic { get; } = $"v2-limit-{Guid.NewGuid():N}";

    public string KeyedTopic { get; } = $"v2-keyed-{Guid.NewGuid():N}";

    protected override Dictionary<string, string?> ExtraSettings() => new()
    {
        ["Producer:AutoRegisterSchemas"] = "true",
        ["Producer:MaxRecordsPerRequest"] = MaxRecords.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Gateway:TopicFormats:Topics:{JsonTopic}"] = "json",
        [$"Gateway:TopicFormats:Topics:{BinaryTopic}"] = "binary",
        [$"Gateway:TopicFormats:Topics:{LimitTopic}"] = "json",
        [$"Gateway:TopicFormats:Topics:{KeyedTopic}"] = "binary",
    };
}

/// <summary>Requests exactly as Confluent REST Proxy v2 clients send them.</summary>
public sealed class RestProxyV2Tests(RestProxyV2Fixture cluster) : IClassFixture<RestProxyV2Fixture>
{
    [Fact]
    public async Task ProduceAvro_WithValueSchema_RegistersItAndAnswersOffsetsAndSchemaId()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        var body = JsonSerializer.Serialize(new
        {
            value_schema = GatewayClusterFixture.SensorSchema,
            records = new[] { new { value = new { id = "s-1", timestamp = 1L, value = 21.5 } }, new { value = new { id = "s-2", timestamp = 2L, value = 22.5 } } },
        });

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2(body, "avro"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schemaId = answer.GetProperty("value_schema_id").GetInt32();
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("key_schema_id").ValueKind);
        Assert.Equal([0L, 1L], answer.GetProperty("offsets").EnumerateArray().Select(o => o.GetProperty("offset").GetInt64()));
        Assert.All(answer.GetProperty("offsets").EnumerateArray(), o => Assert.Equal(JsonValueKind.Null, o.GetProperty("error_code").ValueKind));
        var stored = RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 2);
        Assert.True(ConfluentWireFormat.TryReadHeader(stored[0].Message.Value, out var idInKafka, out _));
        Assert.Equal(schemaId, idInKafka);
    }

    [Fact]
    public async Task ProduceAvro_WithoutValueSchema_Answers42202()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2("""{"records": [{"value": {"id": "x"}}]}""", "avro"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(42202, answer.GetProperty("error_code").GetInt32());
    }

    [Fact]
    public async Task ProduceAvro_KeysWithoutKeySchema_Answers42201()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        var body = JsonSerializer.Serialize(new { value_schema = GatewayClusterFixture.SensorSchema, records = new[] { new { key = "k", value = new { id = "s", timestamp = 1L, value = 1.0 } } } });

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2(body, "avro"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(42201, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetInt32());
    }

    [Fact]
    public async Task ProduceAvro_ValueNotMatchingSchema_Answers42203WithThePath()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        var body = JsonSerializer.Serialize(new { value_schema = GatewayClusterFixture.SensorSchema, records = new[] { new { value = new { id = "s", timestamp = 1L, value = "hot" } } } });

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2(body, "avro"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(42203, answer.GetProperty("error_code").GetInt32());
        Assert.Contains("$.records[0].value.value", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProduceBinary_ToPartition_StoresTheDecodedBytes()
    {
        var topic = cluster.BinaryTopic;
        cluster.Cluster.CreateTopic(topic, 2, 3);
        using var client = cluster.CreateClient();
        var body = JsonSerializer.Serialize(new { records = new[] { new { key = Convert.ToBase64String("k1"u8.ToArray()), value = Convert.ToBase64String(new byte[] { 1, 2, 3 }) } } });

        var response = await client.PostAsync(new Uri($"/topics/{topic}/partitions/1", UriKind.Relative), V2(body, "binary"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var stored = Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.GetProperty("offsets")[0].GetProperty("partition").GetInt32());
        Assert.Equal(1, stored.Partition.Value);
        Assert.Equal(new byte[] { 1, 2, 3 }, stored.Message.Value);
        Assert.Equal("k1", Encoding.UTF8.GetString(stored.Message.Key));
    }

    [Fact]
    public async Task ProduceJson_Records_StoresJsonDocuments()
    {
        var topic = cluster.JsonTopic;
        cluster.Cluster.CreateTopic(topic, 1, 3);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2("""{"records": [{"value": {"a": [1, 2]}}]}""", "json"));
        var stored = Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(stored.Message.Value).RootElement.GetProperty("a")[1].GetInt32());
    }

    [Theory]
    [InlineData("binary", "\"AQID\"")]
    [InlineData("json", "{\"id\": \"s\"}")]
    public async Task ProduceJsonOrBinary_ToAvroTopic_Answers42203AndWritesNothing(string format, string value)
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2($$"""{"records": [{"value": {{value}}}]}""", format));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(42203, answer.GetProperty("error_code").GetInt32());
        Assert.Contains("avro", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, HighWatermark(topic));
    }

    [Fact]
    public async Task ProduceBinary_ToTopicWithoutSchemaOrConfiguredFormat_Answers42203()
    {
        // Gateway:TopicFormats:Default is avro: a topic it does not name holds Avro, schema or not.
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2("""{"records": [{"value": "AQID"}]}""", "binary"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(42203, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetInt32());
        Assert.Equal(0, HighWatermark(topic));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    [InlineData(int.MaxValue)]
    public async Task ProduceToPartition_NegativeOrMissing_Answers40402AndWritesNothing(int partition)
    {
        var topic = cluster.CreateTopic(partitions: 2);
        using var client = cluster.CreateClient();
        var schemaId = await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        var body = $$$"""{"value_schema_id": {{{schemaId}}}, "records": [{"value": {"id": "s", "timestamp": 1, "value": 1.0}}]}""";

        var response = await client.PostAsync(new Uri($"/topics/{topic}/partitions/{partition}", UriKind.Relative), V2(body, "avro"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(40402, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetInt32());
        Assert.Equal(0, HighWatermark(topic, 0) + HighWatermark(topic, 1));
    }

    [Fact]
    public async Task Produce_MoreRecordsThanMaxRecordsPerRequest_Answers422LikeTheNativeRoute()
    {
        var topic = cluster.LimitTopic;
        cluster.Cluster.CreateTopic(topic, 1, 3);
        using var client = cluster.CreateClient();
        var records = string.Join(',', Enumerable.Repeat("""{"value": {}}""", RestProxyV2Fixture.MaxRecords + 1));

        var v2 = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2($$"""{"records": [{{records}}]}""", "json"));
        var native = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            new StringContent($$"""{"records": [{{records}}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, v2.StatusCode);
        Assert.Contains("Producer:MaxRecordsPerRequest", (await v2.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, native.StatusCode);
        Assert.Contains("Producer:MaxRecordsPerRequest", await native.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"value_schema_id": 1099511627776, "records": [{"value": {"id": "s"}}]}""", "$.value_schema_id")]
    [InlineData("""{"value_schema_id": -3, "records": [{"value": {"id": "s"}}]}""", "$.value_schema_id")]
    [InlineData("""{"value_schema_id": 1, "records": [{"partition": 1.5, "value": {"id": "s"}}]}""", "$.records[0].partition")]
    [InlineData("""{"value_schema_id": 1, "records": [{"partition": 4294967296, "value": {"id": "s"}}]}""", "$.records[0].partition")]
    [InlineData("""{"value_schema_id": 1, "records": [{"value": "\ud800"}]}""", "$.records[0].value")]
    public async Task Produce_OutOfRangeNumbersOrBadText_Answers42203WithThePath(string body, string path)
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2(body, "avro"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(42203, answer.GetProperty("error_code").GetInt32());
        Assert.Contains(path, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProduceAvro_NewKeySchemaWithAnInvalidValue_RegistersNothing()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        var body = JsonSerializer.Serialize(new
        {
            key_schema = "\"string\"",
            value_schema = GatewayClusterFixture.SensorSchema,
            records = new object[] { new { key = "k", value = new { id = "s", timestamp = 1L, value = 1.0 } }, new { key = "k2", value = new { id = "s", timestamp = 1L, value = "hot" } } },
        });

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2(body, "avro"));
        var keySubject = await client.GetAsync(new Uri($"/registry/subjects/{topic}-key/versions", UriKind.Relative));
        var valueSubject = await client.GetAsync(new Uri($"/registry/subjects/{topic}-value/versions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, keySubject.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, valueSubject.StatusCode);
        Assert.Equal(0, HighWatermark(topic));
    }

    [Fact]
    public async Task ProduceAvro_NewKeyAndValueSchemas_RegistersBothAndWritesTheirIds()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();
        var body = JsonSerializer.Serialize(new
        {
            key_schema = "\"string\"",
            value_schema = GatewayClusterFixture.SensorSchema,
            records = new[] { new { key = "k", value = new { id = "s", timestamp = 1L, value = 1.0 } } },
        });

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2(body, "avro"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var stored = Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(ConfluentWireFormat.TryReadHeader(stored.Message.Key, out var keyId, out _));
        Assert.True(ConfluentWireFormat.TryReadHeader(stored.Message.Value, out var valueId, out _));
        Assert.Equal(answer.GetProperty("key_schema_id").GetInt32(), keyId);
        Assert.Equal(answer.GetProperty("value_schema_id").GetInt32(), valueId);
        Assert.NotEqual(0, keyId);
        Assert.NotEqual(0, valueId);
    }

    [Fact]
    public async Task ProduceBinary_KeysToATopicWithAnAvroKeySchema_Answers42203()
    {
        var topic = cluster.KeyedTopic;
        cluster.Cluster.CreateTopic(topic, 1, 3);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-key", "\"string\"");

        var keyed = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2("""{"records": [{"key": "aw==", "value": "AQID"}]}""", "binary"));
        var unkeyed = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2("""{"records": [{"value": "AQID"}]}""", "binary"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, keyed.StatusCode);
        Assert.Equal(42203, (await keyed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_code").GetInt32());
        Assert.Equal(HttpStatusCode.OK, unkeyed.StatusCode);
    }

    private long HighWatermark(string topic, int partition = 0)
    {
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(
            new Confluent.Kafka.ConsumerConfig(cluster.ClientConfig()) { GroupId = "hw-" + Guid.NewGuid() }).Build();
        return consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
    }

    private static StringContent V2(string json, string format)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue($"application/vnd.kafka.{format}.v2+json");
        return content;
    }
}
