using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Readiness follows the registry actually in use, and a registration is seen by the very next produce request of
/// the gateway that made it.
/// </summary>
public sealed class RegistryReadinessAndVisibilityTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Ready_ExternalRegistryAnswers_SchemaRegistryCheckHealthy()
    {
        // The "external" registry is another gateway's built-in one on a real socket: what the gateway probes
        // (GET {url}/config) is Confluent's API either way.
        await using var upstream = Gateway(cluster);
        var upstreamUrl = StartOnRealPort(upstream);
        await using var gateway = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            ["SchemaRegistry:Url"] = new Uri(upstreamUrl, "registry").ToString(),
        });
        using var client = gateway.CreateClient();

        var check = await SchemaRegistryCheckAsync(client);

        Assert.Equal("Healthy", check.GetProperty("status").GetString());
        Assert.Contains("external schema registry answers", check.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_ExternalRegistryUnreachable_SchemaRegistryCheckUnhealthyNamingTheUrl()
    {
        var deadUrl = $"http://127.0.0.1:{FreePort()}/registry";
        await using var gateway = Gateway(cluster, extra: new Dictionary<string, string?> { ["SchemaRegistry:Url"] = deadUrl });
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var check = await SchemaRegistryCheckAsync(client);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
        var description = check.GetProperty("description").GetString()!;
        Assert.Contains("cannot be reached", description, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", description, StringComparison.Ordinal);
        Assert.DoesNotContain("built-in", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Produce_RegisteredRightAfterNoSchemaAnswer_SucceedsAtOnce()
    {
        await using var gateway = Gateway(cluster);
        using var client = gateway.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        const string record = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";

        using var before = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
        var id = await RegisterAsync(client, $"{topic}-value", Sensor);
        using var after = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
        var body = await after.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(id, body.GetProperty("valueSchemaId").GetInt32());
    }

    [Fact]
    public async Task Produce_NewVersionRegistered_NextRequestUsesIt()
    {
        await using var gateway = Gateway(cluster);
        using var client = gateway.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        const string record = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";
        await RegisterAsync(client, $"{topic}-value", Sensor);
        using var first = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));

        var second = await RegisterAsync(client, $"{topic}-value", SensorWithUnit);
        using var next = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
        var body = await next.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(second, body.GetProperty("valueSchemaId").GetInt32());
        Assert.Equal(2, body.GetProperty("valueSchemaVersion").GetInt32());
    }

    private static async Task<JsonElement> SchemaRegistryCheckAsync(HttpClient client)
    {
        var (_, body) = await SendAsync(client, HttpMethod.Get, "/health/ready");
        return body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "schema-registry");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
