using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.IntegrationTests.Registry;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// Producing through an external registry that goes away. The external registry is a second gateway instance
/// serving /registry on a real port (a stand-in for Confluent Schema Registry that speaks the same API).
/// </summary>
public sealed class RegistryOutageProduceTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Produce_RegistryDown_WarmCacheKeepsWorkingAndColdCacheAnswers503WithRetryAfter()
    {
        var registryHost = RegistryTestHost.Gateway(cluster);
        var registryUrl = RegistryTestHost.StartOnRealPort(registryHost);
        var warmTopic = cluster.CreateTopic(partitions: 1);
        var coldTopic = cluster.CreateTopic(partitions: 1);
        using (var registryClient = new HttpClient { BaseAddress = registryUrl })
        {
            await GatewayClusterFixture.RegisterSchemaAsync(registryClient, $"{warmTopic}-value", GatewayClusterFixture.SensorSchema);
            await GatewayClusterFixture.RegisterSchemaAsync(registryClient, $"{coldTopic}-value", GatewayClusterFixture.SensorSchema);
        }

        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["SchemaRegistry:Url"] = registryUrl.ToString().TrimEnd('/') + "/registry",
            ["SchemaRegistry:MaxRetries"] = "0",
            ["SchemaRegistry:RequestTimeoutSeconds"] = "1",
        });
        using var client = gateway.CreateClient();
        const string reading = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";
        var beforeOutage = await client.PostAsync(new Uri($"/topics/{warmTopic}/records", UriKind.Relative), ProduceTests.Json(reading));

        await registryHost.DisposeAsync();
        var warm = await client.PostAsync(new Uri($"/topics/{warmTopic}/records", UriKind.Relative), ProduceTests.Json(reading));
        var cold = await client.PostAsync(new Uri($"/topics/{coldTopic}/records", UriKind.Relative), ProduceTests.Json(reading));
        var coldBody = await cold.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, beforeOutage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cold.StatusCode);
        Assert.Equal("schema_registry_unavailable", coldBody.GetProperty("code").GetString());
        Assert.NotNull(cold.Headers.RetryAfter);
    }
}

/// <summary>A producer queue that is full answers 503 at once for the records that did not fit.</summary>
public sealed class QueueFullProduceTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Produce_MoreRecordsThanTheProducerQueueHolds_Answers503QueueFullAndSaysWhichRecordsAreIn()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["Producer:MaxQueuedMessages"] = "1",
            ["Producer:LingerMs"] = "50",
            ["Gateway:TopicFormats:Default"] = "json",
        });
        using var client = gateway.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            ProduceTests.Json("""{"records": [{"value": {"n": 0}}, {"value": {"n": 1}}, {"value": {"n": 2}}]}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("producer_queue_full", body.GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        var statuses = body.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("status").GetString()!).ToArray();
        Assert.Equal(["persisted", "not_persisted", "not_persisted"], statuses);
        Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));
    }
}
