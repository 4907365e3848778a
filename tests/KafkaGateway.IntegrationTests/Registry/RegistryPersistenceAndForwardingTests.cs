using System.Net;
using KafkaGateway.IntegrationTests.Harness;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>The registry topic across gateway restarts, and /registry forwarded to another registry.</summary>
public sealed class RegistryPersistenceAndForwardingTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Restart_SameTopic_KeepsSchemasConfigDeletionsAndContinuesIds()
    {
        var topic = NewTopic();
        var (kept, softDeleted) = (NewSubject(), NewSubject());
        int firstId, secondId;
        await using (var before = Gateway(cluster, topic))
        {
            using var client = before.CreateClient();
            firstId = await RegisterAsync(client, kept, Sensor);
            secondId = await RegisterAsync(client, softDeleted, SensorWithUnit);
            await SendAsync(client, HttpMethod.Put, $"/registry/config/{kept}", Json("""{"compatibility":"NONE"}"""));
            await SendAsync(client, HttpMethod.Delete, $"/registry/subjects/{softDeleted}");
        }

        await using var after = Gateway(cluster, topic);
        using var restarted = after.CreateClient();
        var (_, subjects) = await SendAsync(restarted, HttpMethod.Get, "/registry/subjects");
        var (_, config) = await SendAsync(restarted, HttpMethod.Get, $"/registry/config/{kept}");
        var (byIdStatus, byId) = await SendAsync(restarted, HttpMethod.Get, $"/registry/schemas/ids/{secondId}");
        var sameAgain = await RegisterAsync(restarted, kept, Sensor);
        var incompatibleButNone = await RegisterAsync(restarted, kept, SensorWithRequiredUnit);

        Assert.Equal([kept], subjects.EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("NONE", config.GetProperty("compatibilityLevel").GetString());
        Assert.Equal(HttpStatusCode.OK, byIdStatus);
        Assert.Equal(SensorWithUnit, byId.GetProperty("schema").GetString());
        Assert.Equal(firstId, sameAgain);
        Assert.True(incompatibleButNone > secondId, $"new id {incompatibleButNone} must follow {secondId}, never repeat");
    }

    [Fact]
    public async Task Restart_AfterPermanentDelete_SubjectStaysGone()
    {
        var topic = NewTopic();
        var subject = NewSubject();
        await using (var before = Gateway(cluster, topic))
        {
            using var client = before.CreateClient();
            await RegisterAsync(client, subject, Sensor);
            await SendAsync(client, HttpMethod.Delete, $"/registry/subjects/{subject}");
            await SendAsync(client, HttpMethod.Delete, $"/registry/subjects/{subject}?permanent=true");
        }

        await using var after = Gateway(cluster, topic);
        using var restarted = after.CreateClient();
        var (_, all) = await SendAsync(restarted, HttpMethod.Get, "/registry/subjects?deleted=true");

        Assert.DoesNotContain(subject, all.EnumerateArray().Select(s => s.GetString()));
    }

    /// <summary>
    /// The upstream gateway listens on a real Kestrel socket (WebApplicationFactory.UseKestrel), so the forwarder
    /// goes through its real HttpClient and network path, as it would against a Confluent registry.
    /// </summary>
    [Fact]
    public async Task Forwarding_UrlSet_RelaysStatusBodyAndContentType()
    {
        await using var upstream = Gateway(cluster);
        var upstreamUrl = StartOnRealPort(upstream);
        await using var forwarding = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            ["SchemaRegistry:Url"] = new Uri(upstreamUrl, "registry").ToString(),
        });
        using var client = forwarding.CreateClient();
        var subject = NewSubject();

        var id = await RegisterAsync(client, subject, Sensor);
        using var upstreamClient = new HttpClient { BaseAddress = upstreamUrl };
        var (_, atUpstream) = await SendAsync(upstreamClient, HttpMethod.Get, $"/registry/subjects/{subject}/versions/latest");
        using var raw = await client.GetAsync(new Uri($"/registry/subjects/{subject}/versions/1?deleted=false", UriKind.Relative));
        var missing = await SendAsync(client, HttpMethod.Get, $"/registry/subjects/{NewSubject()}/versions");

        Assert.Equal(id, atUpstream.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal(V1, raw.Content.Headers.ContentType?.MediaType);
        AssertError(HttpStatusCode.NotFound, 40401, missing);
    }

    /// <summary>
    /// The documented failover list: before one class owned <c>SchemaRegistry</c>, the built-in registry's rules read
    /// the whole list as one URL and refused it (its port "9, http:" is no port), so this gateway did not start. The
    /// first entry refuses connections (port 9, discard); the produce finds the schema through the second.
    /// </summary>
    [Fact]
    public async Task Produce_CommaSeparatedRegistryUrls_StartsAndFailsOverToTheSecond()
    {
        await using var upstream = Gateway(cluster);
        var upstreamUrl = StartOnRealPort(upstream);
        using var upstreamClient = new HttpClient { BaseAddress = upstreamUrl };
        var topic = cluster.CreateTopic(partitions: 1);
        var id = await RegisterAsync(upstreamClient, $"{topic}-value", Sensor);
        await using var gateway = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            ["SchemaRegistry:Url"] = $"http://127.0.0.1:9,{new Uri(upstreamUrl, "registry")}",
        });
        using var client = gateway.CreateClient();

        using var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""", "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(id, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("valueSchemaId").GetInt32());
    }

    [Fact]
    public async Task Forwarding_RegistryUnreachable_Answers502With50003()
    {
        await using var forwarding = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
            ["SchemaRegistry:Url"] = "http://127.0.0.1:9",
        });
        using var client = forwarding.CreateClient();

        var answer = await SendAsync(client, HttpMethod.Get, "/registry/subjects");

        AssertError(HttpStatusCode.BadGateway, 50003, answer);
    }

    [Fact]
    public async Task Start_InvalidRegistrySettings_FailsNamingTheKeys()
    {
        await using var gateway = Gateway(cluster, extra: new Dictionary<string, string?>
        {
            ["SchemaRegistry:DefaultCompatibility"] = "SIDEWAYS",
            ["SchemaRegistry:Url"] = "not a url",
        });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        var text = error.ToString();
        Assert.Contains("SchemaRegistry:DefaultCompatibility", text, StringComparison.Ordinal);
        Assert.Contains("SchemaRegistry:Url", text, StringComparison.Ordinal);
    }
}
