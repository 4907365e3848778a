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
        var deadUrl = $"http://127.0.0.1:{Deployment.GatewayProcess.FreePort()}/registry";
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
    public async Task Produce_ExternalRegistryRegisteredThroughForwarderAfterNoSchemaAnswer_SucceedsAtOnce()
    {
        // External mode: the "external" registry is another gateway's built-in one on a real socket; the
        // registration goes through this gateway's forwarded /registry, past its cache of latest versions.
        await using var upstream = Gateway(cluster);
        var upstreamUrl = StartOnRealPort(upstream);
        await using var gateway = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            ["SchemaRegistry:Url"] = new Uri(upstreamUrl, "registry").ToString(),
            ["SchemaRegistry:LatestCacheTtlSeconds"] = "3600",
        });
        using var client = gateway.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        const string record = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";

        using var before = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
        var beforeBody = await before.Content.ReadAsStringAsync();
        var id = await RegisterAsync(client, $"{topic}-value", Sensor);
        using var after = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
        var afterBody = await after.Content.ReadAsStringAsync();

        Assert.True(before.StatusCode == HttpStatusCode.UnprocessableEntity, beforeBody);
        Assert.Contains("no_value_schema", beforeBody, StringComparison.Ordinal);
        Assert.True(after.StatusCode == HttpStatusCode.OK, afterBody);
        Assert.Equal(id, JsonDocument.Parse(afterBody).RootElement.GetProperty("valueSchemaId").GetInt32());
    }

    [Fact]
    public async Task Produce_ExternalRegistrySubjectDeletedThroughForwarder_RefusedAtOnce()
    {
        await using var upstream = Gateway(cluster);
        var upstreamUrl = StartOnRealPort(upstream);
        await using var gateway = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            ["SchemaRegistry:Url"] = new Uri(upstreamUrl, "registry").ToString(),
            ["SchemaRegistry:LatestCacheTtlSeconds"] = "3600",
        });
        using var client = gateway.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        const string record = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";
        await RegisterAsync(client, $"{topic}-value", Sensor);
        using var first = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));

        var (deleted, _) = await SendAsync(client, HttpMethod.Delete, $"/registry/subjects/{topic}-value");
        using var next = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
        var nextBody = await next.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.True(next.StatusCode == HttpStatusCode.UnprocessableEntity, nextBody);
        Assert.Contains("no_value_schema", nextBody, StringComparison.Ordinal);
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Produce_SchemaWithReferences_EncodesWithTheReferencedType(bool externalRegistry)
    {
        // The external case: a second gateway uses the first one's /registry over HTTP, so the codec resolves the
        // reference through the HTTP registry client and its cache.
        await using var registryHost = Gateway(cluster);
        var registryUrl = StartOnRealPort(registryHost);
        await using var external = externalRegistry
            ? Gateway(cluster, extra: new Dictionary<string, string?> { ["SchemaRegistry:Url"] = new Uri(registryUrl, "registry").ToString() })
            : null;
        using var registryClient = registryHost.CreateClient();
        using var client = (external ?? registryHost).CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        const string address = """{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}""";
        const string person = """{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"home","type":"com.acme.Address"}]}""";
        await RegisterAsync(registryClient, $"{topic}-address", address);
        var (status, registered) = await SendAsync(registryClient, HttpMethod.Post, $"/registry/subjects/{topic}-value/versions", Json(JsonSerializer.Serialize(new
        {
            schema = person,
            references = new[] { new { name = "com.acme.Address", subject = $"{topic}-address", version = 1 } },
        })));

        using var produced = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"value": {"name": "Ada", "home": {"city": "Zurich"}}}""", "application/json"));
        using var refused = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"value": {"name": "Ada", "home": {"town": "Zurich"}}}""", "application/json"));
        var records = Harness.Harness.ConsumeAll<byte[], byte[]>(cluster.ClientConfig(), topic, 1, lookForMore: TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(produced.StatusCode == HttpStatusCode.OK, await produced.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("$.value.home", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var body = Assert.Single(records).Message.Value;
        Assert.Equal(registered.GetProperty("id").GetInt32(), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1)));
        // name "Ada" then city "Zurich": Avro strings are a zigzag length and UTF-8 bytes.
        Assert.Equal([6, .. "Ada"u8, 12, .. "Zurich"u8], body[5..]);
    }

    private static async Task<JsonElement> SchemaRegistryCheckAsync(HttpClient client)
    {
        var (_, body) = await SendAsync(client, HttpMethod.Get, "/health/ready");
        return body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "schema-registry");
    }
}
