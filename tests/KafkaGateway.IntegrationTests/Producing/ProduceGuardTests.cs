using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// Refusals of the produce path that must happen before anything is written: text that is not Unicode, numbers out
/// of range, limits, topics and partitions that do not exist, reserved topics, inline schemas the request may not
/// register. Gateway in the Testing environment: Producer:AutoRegisterSchemas and AutoCreateTopics are off.
/// </summary>
public sealed class ProduceGuardTests(GatewayClusterFixture cluster) : IClassFixture<GatewayClusterFixture>
{
    [Theory]
    [InlineData("native")]
    [InlineData("v2")]
    public async Task Produce_InvalidUtf8InAString_Answers422WithThePathAndWritesNothing(string route)
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(Client(), $"{topic}-value", GatewayClusterFixture.SensorSchema);
        // {"records":[{"value":{"id":"<FF FE>","timestamp":1,"value":1.0}}]} with two bytes that are no UTF-8.
        var body = Encoding.ASCII.GetBytes("""{"records":[{"value":{"id":"__","timestamp":1,"value":1.0}}]}""");
        var at = Array.IndexOf(body, (byte)'_');
        (body[at], body[at + 1]) = (0xFF, 0xFE);

        using var response = route == "native"
            ? await Client().PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Raw(body, "application/json"))
            : await Client().PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), Raw(Encoding.ASCII.GetBytes("""{"value_schema_id":1,""").Concat(body[1..]).ToArray(), "application/vnd.kafka.avro.v2+json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, text);
        Assert.Contains("$.records[0].value.id", text, StringComparison.Ordinal);
        Assert.Contains("UTF-8", text, StringComparison.Ordinal);
        Assert.Equal(0, HighWatermark(topic));
    }

    [Theory]
    [InlineData("""{"records":[{"value":{"id":"\ud800","timestamp":1,"value":1.0}}]}""", "$.records[0].value.id")]
    [InlineData("""{"records":[{"value":{"id":"a\udc00b","timestamp":1,"value":1.0}}]}""", "$.records[0].value.id")]
    [InlineData("""{"records":[{"key":"\ud83d","value":{"id":"s","timestamp":1,"value":1.0}}]}""", "$.records[0].key")]
    [InlineData("""{"records":[{"headers":{"h":"\udfff"},"value":{"id":"s","timestamp":1,"value":1.0}}]}""", "$.records[0].headers.h")]
    [InlineData("""{"records":[{"headers":{"\ud800":"x"},"value":{"id":"s","timestamp":1,"value":1.0}}]}""", "$.records[0].headers.<invalid name>")]
    [InlineData("""{"value":{"id":"\ud800\ud800","timestamp":1,"value":1.0}}""", "$.value.id")]
    public async Task Produce_LoneSurrogateAnywhere_Answers422WithThePath(string body, string path)
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(Client(), $"{topic}-value", GatewayClusterFixture.SensorSchema);

        using var response = await Client().PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Raw(Encoding.UTF8.GetBytes(body), "application/json"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(answer.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == path);
        Assert.Equal(0, HighWatermark(topic));
    }

    [Fact]
    public async Task Produce_SurrogatePairAndEscapedBackslashU_AreValidAndStoredAsSent()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(Client(), $"{topic}-value", GatewayClusterFixture.SensorSchema);

        using var response = await Client().PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Raw(Encoding.UTF8.GetBytes("""{"value":{"id":"\ud83d\ude00 \\ud800","timestamp":1,"value":1.0}}"""), "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));
        Assert.Contains("\U0001F600 \\ud800", Encoding.UTF8.GetString(stored.Message.Value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4611686018427387904")]
    [InlineData("253402300800000")]
    [InlineData("-1")]
    [InlineData("1e300")]
    [InlineData("\"+999999-01-01T00:00:00Z\"")]
    public async Task Produce_TimestampOutOfRange_Answers422(string timestamp)
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(Client(), $"{topic}-value", GatewayClusterFixture.SensorSchema);

        using var response = await Client().PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Raw(Encoding.UTF8.GetBytes($$$"""{"timestamp":{{{timestamp}}},"value":{"id":"s","timestamp":1,"value":1.0}}"""), "application/json"));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(answer.GetProperty("errors").EnumerateArray(), e => e.GetProperty("path").GetString() == "$.timestamp");
    }

    [Fact]
    public async Task Produce_KeyOrHeadersBeyondTheLimits_Answers422AndWritesNothing()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(Client(), $"{topic}-value", GatewayClusterFixture.SensorSchema);
        var value = new { id = "s", timestamp = 1L, value = 1.0 };
        var headers = Enumerable.Range(0, 65).ToDictionary(i => $"h{i}", _ => "x");

        using var response = await Client().PostAsJsonAsync($"/topics/{topic}/records", new
        {
            records = new object[] { new { key = new string('k', 70_000), value }, new { headers, value } },
        });
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = answer.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToArray();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("$.records[0].key", paths);
        Assert.Contains("$.records[1].headers", paths);
        Assert.Equal(0, HighWatermark(topic));
    }

    [Theory]
    [InlineData("native")]
    [InlineData("v2")]
    public async Task Produce_UnknownTopic_Answers404QuicklyAndCreatesNothing(string route)
    {
        var topic = $"missing-{Guid.NewGuid():N}";
        var clock = Stopwatch.StartNew();

        using var response = route == "native"
            ? await Client().PostAsJsonAsync($"/topics/{topic}/records", new { value = new { id = "s" } })
            : await Client().PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), Raw("""{"records":[{"value":"AQ=="}]}"""u8.ToArray(), "application/vnd.kafka.binary.v2+json"));
        var elapsed = clock.Elapsed;
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, text);
        Assert.Contains(route == "native" ? "topic_not_found" : "40401", text, StringComparison.Ordinal);
        // Not the producer's message.timeout.ms (30 s) nor the request's DeliveryTimeoutMilliseconds (25 s): one metadata
        // round trip. The bound is loose on purpose (shared, loaded test machines); the point is "not a timeout".
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"answered after {elapsed}");
        using var admin = new AdminClientBuilder(new AdminClientConfig(cluster.ClientConfig())).Build();
        Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics, t => t.Topic == topic);
    }

    [Theory]
    [InlineData("POST", "records")]
    [InlineData("GET", "stream")]
    [InlineData("GET", "records")]
    [InlineData("GET", "")]
    [InlineData("GET", "configs")]
    public async Task UnknownTopic_EveryRoute_AnswersTheSameCodeAndTitle(string method, string path)
    {
        // One condition, one code (issue 16): produce, stream, browse and admin all name an unknown topic alike.
        var topic = $"missing-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri($"/topics/{topic}/{path}".TrimEnd('/'), UriKind.Relative));
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { value = new { id = "s" } });
        }

        using var response = await Client().SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.NotFound, text);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal("topic_not_found", problem.GetProperty("code").GetString());
        Assert.Equal("Topic not found", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Produce_APartitionThatDoesNotExist_Answers404AndWritesNoRecordOfTheBatch()
    {
        var topic = cluster.CreateTopic(partitions: 2);
        await GatewayClusterFixture.RegisterSchemaAsync(Client(), $"{topic}-value", GatewayClusterFixture.SensorSchema);
        var value = new { id = "s", timestamp = 1L, value = 1.0 };

        using var response = await Client().PostAsJsonAsync($"/topics/{topic}/records", new
        {
            records = new object[] { new { partition = 0, value }, new { partition = 7, value } },
        });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("partition_not_found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, HighWatermark(topic, 0) + HighWatermark(topic, 1));
    }

    [Fact]
    public async Task Produce_InlineSchemaWithAutoRegisterOff_Answers422AndRegistersNothing()
    {
        var topic = cluster.CreateTopic(partitions: 1);

        using var native = await Client().PostAsJsonAsync($"/topics/{topic}/records",
            new { valueSchema = GatewayClusterFixture.SensorSchema, value = new { id = "s", timestamp = 1L, value = 1.0 } });
        using var v2 = await Client().PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), Raw(JsonSerializer.SerializeToUtf8Bytes(
            new { value_schema = GatewayClusterFixture.SensorSchema, records = new[] { new { value = new { id = "s", timestamp = 1L, value = 1.0 } } } }),
            "application/vnd.kafka.avro.v2+json"));
        using var subject = await Client().GetAsync(new Uri($"/registry/subjects/{topic}-value/versions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, native.StatusCode);
        Assert.Contains("schema_not_registered", await native.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, v2.StatusCode);
        Assert.Contains("Producer:AutoRegisterSchemas", await v2.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, subject.StatusCode);
    }

    [Theory]
    [InlineData("_schemas")]
    [InlineData("__consumer_offsets")]
    [InlineData("__transaction_state")]
    public async Task ProduceAndAdmin_ReservedTopic_Answer403ReservedTopicOnEveryRoute(string topic)
    {
        await AssertReservedOnEveryRouteAsync(Client(), topic);
    }

    [Fact]
    public async Task ProduceAndAdmin_AnotherRegistrysTopic_Answer403ReservedTopicOnEveryRouteOnlyWhenConfigured()
    {
        // SchemaRegistry:ReservedTopics names another registry's topic on the same cluster (the compose file: each
        // gateway names the other registry's topic). Without the setting the same name is an ordinary topic.
        const string topic = "other-registry-schemas";
        EnsureTopic(topic);
        using (var unreserved = await Client().PostAsJsonAsync($"/topics/{topic}/records", new { value = new { id = "s" } }))
        {
            Assert.DoesNotContain("reserved_topic", await unreserved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { ["SchemaRegistry:ReservedTopics:0"] = topic });
        await AssertReservedOnEveryRouteAsync(gateway.CreateClient(), topic);
    }

    private void EnsureTopic(string topic)
    {
        // Create the topic to be sure a refusal is not a 404 in disguise.
        try
        {
            cluster.Cluster.CreateTopic(topic, 1, 1);
        }
        catch (KafkaException)
        {
            // Already there.
        }
    }

    private async Task AssertReservedOnEveryRouteAsync(HttpClient client, string topic)
    {
        // Whatever exists under that name, nothing may reach it.
        EnsureTopic(topic);
        var before = HighWatermark(topic);
        var answers = new List<(string Route, HttpResponseMessage Response)>
        {
            ("native", await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { id = "s" } })),
            ("v2", await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), Raw("""{"records":[{"value":"AQ=="}]}"""u8.ToArray(), "application/vnd.kafka.binary.v2+json"))),
            ("v2 partition", await client.PostAsync(new Uri($"/topics/{topic}/partitions/0", UriKind.Relative), Raw("""{"records":[{"value":"AQ=="}]}"""u8.ToArray(), "application/vnd.kafka.binary.v2+json"))),
            ("delete", await client.DeleteAsync(new Uri($"/topics/{topic}", UriKind.Relative))),
            ("configs", await client.PatchAsJsonAsync($"/topics/{topic}/configs", new { set = new Dictionary<string, string> { ["cleanup.policy"] = "delete" } })),
            ("partitions", await client.PostAsJsonAsync($"/topics/{topic}/partitions", new { count = 3 })),
            ("delete-records", await client.PostAsJsonAsync($"/topics/{topic}/delete-records", new { partitions = new[] { new { partition = 0, beforeOffset = -1 } } })),
        };

        foreach (var (route, response) in answers)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route}: {(int)response.StatusCode} {text}");
            Assert.True(text.Contains("reserved_topic", StringComparison.Ordinal) || text.Contains("40300", StringComparison.Ordinal), $"{route}: {text}");
            response.Dispose();
        }

        Assert.Equal(before, HighWatermark(topic));
    }

    private HttpClient Client() => cluster.CreateClient();

    private static ByteArrayContent Raw(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private long HighWatermark(string topic, int partition = 0)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = "hw-" + Guid.NewGuid() }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
    }
}
