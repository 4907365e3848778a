using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.IntegrationTests.Security;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// What the produce path decides itself beyond the route's <c>produce</c>: registering inline schemas
/// (<c>schemas:write</c>, audited) and creating missing topics (Producer:AutoCreateTopics, <c>admin</c>). Security on,
/// API keys: writer (produce on a.*), schemer (produce + schemas:write on a.*), root (everything).
/// </summary>
public sealed class ProducePermissionTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Theory]
    [InlineData("native")]
    [InlineData("v2")]
    public async Task InlineSchema_WithoutSchemasWrite_Answers403AndRegistersNothing(string route)
    {
        await using var gateway = Gateway(cluster, out _);
        var topic = cluster.CreateTopic(partitions: 1, prefix: "a");

        using var response = await ProduceWithInlineSchemaAsync(Client(gateway, "writer"), route, topic);
        using var subject = await Client(gateway, "root").GetAsync(new Uri($"/registry/subjects/{topic}-value/versions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("schemas:write", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, subject.StatusCode);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("v2")]
    public async Task InlineSchema_WithSchemasWrite_RegistersAfterValidationAndAuditsIt(string route)
    {
        await using var gateway = Gateway(cluster, out var logs);
        var topic = cluster.CreateTopic(partitions: 1, prefix: "a");

        using var response = await ProduceWithInlineSchemaAsync(Client(gateway, "schemer"), route, topic);
        using var subject = await Client(gateway, "root").GetAsync(new Uri($"/registry/subjects/{topic}-value/versions", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, subject.StatusCode);
        Assert.Contains(logs.Events, e => e.EventId.Id == 4200 && e.Message.Contains("schemer", StringComparison.Ordinal)
            && e.Message.Contains("schema.register", StringComparison.Ordinal) && e.Message.Contains($"subject={topic}-value", StringComparison.Ordinal)
            && e.Message.Contains("succeeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InlineSchema_UnderAnotherTopicsSubject_IsNotRegisteredThere()
    {
        await using var gateway = Gateway(cluster, out _);
        var topic = cluster.CreateTopic(partitions: 1, prefix: "a");
        var victim = cluster.CreateTopic(partitions: 1, prefix: "a");

        using var response = await Client(gateway, "root").PostAsJsonAsync($"/topics/{topic}/records?subject={victim}-value",
            new { valueSchema = GatewayClusterFixture.SensorSchema, value = new { id = "s", timestamp = 1L, value = 1.0 } });
        using var victimSubject = await Client(gateway, "root").GetAsync(new Uri($"/registry/subjects/{victim}-value/versions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("subject_not_of_topic", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, victimSubject.StatusCode);
    }

    [Fact]
    public async Task UnknownTopic_AutoCreateOn_IsCreatedForAdminsOnly()
    {
        // The embedded cluster: the harness mock has no CreateTopics API, the gateway's own one is created directly.
        await using var gateway = Gateway(cluster, out var logs, new() { ["Kafka:BootstrapServers"] = "embedded", ["Producer:AutoCreateTopics"] = "true" });
        var topic = $"a-auto-{Guid.NewGuid():N}";
        var record = new { value = new { n = 1 } };

        using var byWriter = await Client(gateway, "writer").PostAsJsonAsync($"/topics/{topic}/records", record);
        using var byRoot = await Client(gateway, "root").PostAsJsonAsync($"/topics/{topic}/records", record);
        using var writerAfterwards = await Client(gateway, "writer").PostAsJsonAsync($"/topics/{topic}/records", record);

        Assert.Equal(HttpStatusCode.NotFound, byWriter.StatusCode);
        Assert.Contains("'admin'", await byWriter.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(byRoot.StatusCode == HttpStatusCode.OK, await byRoot.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, writerAfterwards.StatusCode);
        Assert.Contains(logs.Events, e => e.EventId.Id == 4200 && e.Message.Contains("topic.create", StringComparison.Ordinal)
            && e.Message.Contains(topic, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownTopic_ConcurrentFirstRecords_AllWrittenAndExactlyOneAnswerSaysItCreatedTheTopic()
    {
        // The embedded cluster answers a second creation of a topic TopicAlreadyExists; concurrent first records of a
        // new topic must not turn that into a 500 (it did: one 500 in the benchmark's warm-up).
        await using var gateway = Gateway(cluster, out _, new() { ["Kafka:BootstrapServers"] = "embedded", ["Producer:AutoCreateTopics"] = "true" });
        var root = Client(gateway, "root");
        var topic = $"a-created-concurrently-{Guid.NewGuid():N}";
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 16).Select(async n =>
        {
            await start.WaitAsync();
            return await root.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n } });
        }).ToList();
        start.Release(requests.Count);
        var answers = await Task.WhenAll(requests);

        foreach (var answer in answers)
        {
            Assert.True(answer.StatusCode == HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        }

        Assert.Single(answers, a => a.Headers.Contains("Topic-Created"));
        // Sixteen records at sixteen distinct places.
        var places = new HashSet<(int Partition, long Offset)>();
        foreach (var answer in answers)
        {
            var outcome = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("records")[0];
            places.Add((outcome.GetProperty("partition").GetInt32(), outcome.GetProperty("offset").GetInt64()));
            answer.Dispose();
        }

        Assert.Equal(16, places.Count);
    }

    [Fact]
    public async Task UnknownTopic_AutoCreated_AnswerSaysSoWithThePartitionCountOnEveryRoute()
    {
        // The embedded cluster: the harness mock has no CreateTopics API, the gateway's own one is created directly.
        await using var gateway = Gateway(cluster, out _, new() { ["Kafka:BootstrapServers"] = "embedded", ["Producer:AutoCreateTopics"] = "true" });
        var root = Client(gateway, "root");
        var topic = $"a-created-{Guid.NewGuid():N}";
        var refusedTopic = $"a-created-refused-{Guid.NewGuid():N}";
        var v2Topic = $"a-created-v2-{Guid.NewGuid():N}";
        var record = new { value = new { n = 1 } };

        using var created = await root.PostAsJsonAsync($"/topics/{topic}/records", record);
        using var again = await root.PostAsJsonAsync($"/topics/{topic}/records", record);
        // Created, then refused (no such schema): the topic exists all the same, and the answer says so.
        using var refused = await root.PostAsJsonAsync($"/topics/{refusedTopic}/records?schemaId=987654", record);
        using var v2 = await root.PostAsync(new Uri($"/topics/{v2Topic}", UriKind.Relative), new StringContent(
            JsonSerializer.Serialize(new { records = new[] { new { value = new { n = 1 } } } }),
            new MediaTypeHeaderValue("application/vnd.kafka.json.v2+json")));
        using var described = await root.GetAsync(new Uri($"/topics/{topic}", UriKind.Relative));

        Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        Assert.Equal(["partitions=4"], created.Headers.GetValues("Topic-Created"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(again.Headers.Contains("Topic-Created"));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Contains("schema_not_found", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(["partitions=4"], refused.Headers.GetValues("Topic-Created"));
        Assert.True(v2.StatusCode == HttpStatusCode.OK, await v2.Content.ReadAsStringAsync());
        Assert.Equal(["partitions=4"], v2.Headers.GetValues("Topic-Created"));
        Assert.Equal(4, (await described.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("partitions").GetArrayLength());
    }

    [Fact]
    public async Task UnknownTopic_InDevelopment_IsCreatedSoTheReadmeFirstStepsWork()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "",
            ["Kafka:Properties:broker.address.family"] = "v4",
            ["Gateway:DataDirectory"] = Path.Combine(Path.GetTempPath(), "kafkagateway-tests", Guid.NewGuid().ToString("N")),
        }, environment: "Development");
        using var client = gateway.CreateClient();
        var topic = $"sensors-{Guid.NewGuid():N}";

        using var schema = await client.PostAsJsonAsync($"/registry/subjects/{topic}-value/versions", new { schema = GatewayClusterFixture.SensorSchema });
        using var produced = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { id = "s-1", timestamp = 1732270000000L, value = 21.5 } });
        using var v2 = await client.PostAsync(new Uri($"/topics/{topic}-v2", UriKind.Relative), new StringContent(
            JsonSerializer.Serialize(new { value_schema = GatewayClusterFixture.SensorSchema, records = new[] { new { value = new { id = "s-1", timestamp = 1L, value = 1.0 } } } }),
            new MediaTypeHeaderValue("application/vnd.kafka.avro.v2+json")));

        Assert.Equal(HttpStatusCode.OK, schema.StatusCode);
        Assert.True(produced.StatusCode == HttpStatusCode.OK, await produced.Content.ReadAsStringAsync());
        // Development also registers a REST Proxy client's value_schema, as Confluent's proxy does.
        Assert.True(v2.StatusCode == HttpStatusCode.OK, await v2.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> ProduceWithInlineSchemaAsync(HttpClient client, string route, string topic)
    {
        var value = new { id = "s", timestamp = 1L, value = 1.0 };
        return route == "native"
            ? await client.PostAsJsonAsync($"/topics/{topic}/records", new { valueSchema = GatewayClusterFixture.SensorSchema, value })
            : await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), new StringContent(
                JsonSerializer.Serialize(new { value_schema = GatewayClusterFixture.SensorSchema, records = new[] { new { value } } }),
                new MediaTypeHeaderValue("application/vnd.kafka.avro.v2+json")));
    }

    private static HttpClient Client(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> gateway, string apiKey)
    {
        var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", SecureGateway.KeyOf(apiKey));
        return client;
    }

    private static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Gateway(
        KafkaClusterFixture cluster, out CapturingLoggerProvider logs, Dictionary<string, string?>? extra = null)
    {
        var settings = SecureGateway.ApiKeys(("writer", null), ("schemer", null), ("root", null));
        settings["Security:AllowAnonymous"] = "false";
        settings["Producer:AutoRegisterSchemas"] = "true";
        settings["Gateway:TopicFormats:Default"] = "json";
        settings["SchemaRegistry:Topic"] = $"_schemas-{Guid.NewGuid():N}";
        settings["Security:Authorization:Rules:0:Principal"] = "writer";
        settings["Security:Authorization:Rules:0:Topics:0"] = "a-*";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
        settings["Security:Authorization:Rules:1:Principal"] = "schemer";
        settings["Security:Authorization:Rules:1:Topics:0"] = "a-*";
        settings["Security:Authorization:Rules:1:Permissions:0"] = "produce";
        settings["Security:Authorization:Rules:1:Permissions:1"] = "schemas:write";
        settings["Security:Authorization:Rules:2:Principal"] = "root";
        settings["Security:Authorization:Rules:2:Topics:0"] = "*";
        foreach (var (permission, i) in new[] { "produce", "consume", "admin", "schemas:write", "cluster" }.Select((p, i) => (p, i)))
        {
            settings[$"Security:Authorization:Rules:2:Permissions:{i}"] = permission;
        }

        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var captured = new CapturingLoggerProvider();
        logs = captured;
        return GatewayFactory.For(cluster, settings).WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<ILoggerFactory>(_ => LoggerFactory.Create(logging => logging.AddProvider(captured).SetMinimumLevel(LogLevel.Information)))));
    }
}
