using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Foundation;

public sealed class GatewayFoundationTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task GetCluster_HarnessCluster_ListsItsBrokers()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>("/cluster");

        Assert.False(body.GetProperty("embedded").GetBoolean());
        Assert.Equal(cluster.BootstrapServers, body.GetProperty("bootstrapServers").GetString());
        var ports = body.GetProperty("brokers").EnumerateArray().Select(b => b.GetProperty("port").GetInt32()).Order().ToArray();
        Assert.Equal(cluster.Cluster.Listeners.Select(l => l.Port).Order().ToArray(), ports);
    }

    [Fact]
    public async Task HealthReady_AllBrokersDown_IsUnhealthyThenHealthyAgain()
    {
        // A cluster of its own: taking every broker down must not disturb other tests.
        var own = new KafkaClusterFixture();
        await own.InitializeAsync();
        try
        {
            await using var gateway = GatewayFactory.For(own);
            using var client = gateway.CreateClient();
            var healthy = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

            own.Cluster.SetBrokerDown(-1);
            var down = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            var downBody = await down.Content.ReadFromJsonAsync<JsonElement>();
            own.Cluster.SetBrokerUp(-1);
            var up = await WaitForStatusAsync(client, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(20));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("Unhealthy", downBody.GetProperty("status").GetString());
            Assert.Equal("kafka", downBody.GetProperty("checks")[0].GetProperty("name").GetString());
            Assert.Equal(HttpStatusCode.OK, up);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task HealthLive_Always_AnswersHealthy()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>("/health/live");

        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthEndpoints_GetAndHead_Answer_OtherMethodsAre405WithAllow(string path)
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        using var get = await client.GetAsync(new Uri(path, UriKind.Relative));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        using var delete = await client.DeleteAsync(new Uri(path, UriKind.Relative));
        using var post = await client.PostAsync(new Uri(path, UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        foreach (var refused in new[] { delete, post })
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
            Assert.Equal(["GET", "HEAD"], refused.Content.Headers.Allow.Order(StringComparer.Ordinal));
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("method_not_allowed", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task SwaggerJson_Requested_DescribesTheClusterEndpointWithXmlDocs()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");
        var ui = await client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));

        var get = document.GetProperty("paths").GetProperty("/cluster").GetProperty("get");
        // The collapsed summary names the task; the XML doc summary leads the description.
        Assert.Equal("Describe the cluster", get.GetProperty("summary").GetString());
        Assert.Contains("bootstrap", get.GetProperty("description").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Requested_AnswersProblemDetailsWithCodeAndTraceId()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri("/no-such-thing", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("not_found", body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task GetCluster_KafkaDown_Answers503ProblemWithoutStackTrace()
    {
        var own = new KafkaClusterFixture();
        await own.InitializeAsync();
        try
        {
            await using var gateway = GatewayFactory.For(own);
            using var client = gateway.CreateClient();
            own.Cluster.SetBrokerDown(-1);

            var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("\"code\":\"kafka_unavailable\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private static async Task<HttpStatusCode> WaitForStatusAsync(HttpClient client, string path, HttpStatusCode wanted, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        HttpStatusCode last;
        do
        {
            last = (await client.GetAsync(new Uri(path, UriKind.Relative))).StatusCode;
            if (last == wanted)
            {
                return last;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        return last;
    }
}

/// <summary>Start-up safety: where the gateway connects is never a silent default outside Development.</summary>
public sealed class StartupConfigurationTests
{
    [Fact]
    public void Start_ProductionWithoutBootstrapServers_FailsNamingTheKey()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = "" }, environment: "Production");

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Kafka:BootstrapServers is not set", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_InvalidEmbeddedBrokerCount_FailsNamingTheKey()
    {
        using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "embedded",
            ["Kafka:EmbeddedBrokers"] = "0",
        }, environment: "Production");

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Kafka:EmbeddedBrokers must be between 1 and 16", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProductionWithExplicitEmbedded_RunsTheEmbeddedClusterThatKafkaClientsCanUse()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "embedded",
            ["Kafka:EmbeddedBrokers"] = "2",
            ["Kafka:Properties:broker.address.family"] = "v4",
        }, environment: "Production");
        using var client = gateway.CreateClient();

        var cluster = await client.GetFromJsonAsync<JsonElement>("/cluster");
        var bootstrap = cluster.GetProperty("bootstrapServers").GetString()!;
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        var delivered = await producer.ProduceAsync("embedded-check", new Message<Null, string> { Value = "hello" });

        Assert.True(cluster.GetProperty("embedded").GetBoolean());
        Assert.StartsWith("mockCluster", cluster.GetProperty("clusterId").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, cluster.GetProperty("brokers").GetArrayLength());
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    [Fact]
    public async Task Start_DevelopmentWithoutBootstrapServers_UsesTheEmbeddedCluster()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "",
            ["Gateway:DataDirectory"] = Path.Combine(Path.GetTempPath(), "kafkagateway-tests", Guid.NewGuid().ToString("N")),
        }, environment: "Development");
        using var client = gateway.CreateClient();

        var cluster = await client.GetFromJsonAsync<JsonElement>("/cluster");

        Assert.True(cluster.GetProperty("embedded").GetBoolean());
        Assert.Equal(3, cluster.GetProperty("brokers").GetArrayLength());
    }

    private static string Flatten(Exception error)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            text.AppendLine(e.Message);
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    text.AppendLine(Flatten(inner));
                }
            }
        }

        return text.ToString();
    }
}
