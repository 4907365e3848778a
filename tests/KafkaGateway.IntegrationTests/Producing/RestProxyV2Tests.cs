using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>Requests exactly as Confluent REST Proxy v2 clients send them.</summary>
public sealed class RestProxyV2Tests(GatewayClusterFixture cluster) : IClassFixture<GatewayClusterFixture>
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
        var topic = cluster.CreateTopic(partitions: 2);
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
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), V2("""{"records": [{"value": {"a": [1, 2]}}]}""", "json"));
        var stored = Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(stored.Message.Value).RootElement.GetProperty("a")[1].GetInt32());
    }

    private static StringContent V2(string json, string format)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue($"application/vnd.kafka.{format}.v2+json");
        return content;
    }
}
