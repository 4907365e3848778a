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
