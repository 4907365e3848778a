using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Several gateways on one registry topic of one cluster: any of them may register, every one tails the topic, and
/// they agree on every id and version.
/// </summary>
/// <remarks>
/// What the mock cluster cannot show: librdkafka 2.16.0's mock gives a second producer of the same transactional.id a
/// new producer id instead of bumping the epoch, so the first producer is never fenced (both commit), and its Fetch
/// hands aborted and still-open transactional records to read_committed consumers. Fencing by a real broker is
/// therefore unverified here; what is verified is that the gateway stays correct without it (the first record of a
/// conflicting pair wins on every gateway, and the loser decides again) and that a writer told it is fenced starts a
/// new producer, reads the topic again and writes once.
/// </remarks>
public sealed class RegistryMultiGatewayTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private const short ListOffsetsApiKey = 2;
    private const short EndTxnApiKey = 26;
    private static readonly TimeSpan s_converged = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Register_1000ConcurrentSchemasOverThreeGateways_DistinctIdsAndTheSameVersionsEverywhere()
    {
        var topic = NewTopic();
        var gateways = Enumerable.Range(0, 3).Select(_ => Gateway(cluster, topic)).ToList();
        var clients = gateways.Select(g => g.CreateClient()).ToList();
        try
        {
            // 100 subjects x 10 schemas; all fields have defaults, so any order is BACKWARD compatible.
            var work = Enumerable.Range(0, 1000)
                .Select(i => (Subject: $"multi-{i % 100}-value", Schema: Schema(i)))
                .ToList();

            var ids = await Task.WhenAll(work.Select((w, i) => RegisterAsync(clients[i % clients.Count], w.Subject, w.Schema)));

            Assert.Equal(work.Count, ids.Distinct().Count());
            foreach (var subject in work.Select(w => w.Subject).Distinct())
            {
                var listed = await ConvergedAsync(clients, $"/registry/subjects/{subject}/versions");
                Assert.Equal(Enumerable.Range(1, 10), listed.EnumerateArray().Select(v => v.GetInt32()));
            }

            using var gate = new SemaphoreSlim(16);
            var lookups = await Task.WhenAll(work.SelectMany((w, i) => clients.Select(async client =>
            {
                await gate.WaitAsync();
                try
                {
                    var (status, body) = await SendAsync(client, HttpMethod.Post, $"/registry/subjects/{w.Subject}", SchemaBody(w.Schema));
                    return (Index: i, Status: status, Id: status == HttpStatusCode.OK ? body.GetProperty("id").GetInt32() : -1);
                }
                finally
                {
                    gate.Release();
                }
            })));
            Assert.All(lookups, l => Assert.Equal((HttpStatusCode.OK, ids[l.Index]), (l.Status, l.Id)));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            foreach (var gateway in gateways)
            {
                await gateway.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Produce_SchemaRegisteredThroughAnotherGateway_AcceptedWithinTwoSeconds()
    {
        var registryTopic = NewTopic();
        await using var first = Gateway(cluster, registryTopic);
        await using var second = Gateway(cluster, registryTopic);
        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        const string record = """{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""";
        using var before = await b.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));

        var id = await RegisterAsync(a, $"{topic}-value", Sensor);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        HttpStatusCode status;
        JsonElement body;
        do
        {
            using var after = await b.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Json(record, "application/json"));
            status = after.StatusCode;
            body = await after.Content.ReadFromJsonAsync<JsonElement>();
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, before.StatusCode);
        Assert.True(status == HttpStatusCode.OK, $"the second gateway still answered {(int)status} 2 s after the registration: {body}");
        Assert.Equal(id, body.GetProperty("valueSchemaId").GetInt32());
    }

    [Fact]
    public async Task Register_WriterFencedAtCommit_StartsAgainAndWritesOnceWithTheNextId()
    {
        var registryTopic = NewTopic();
        await using var first = Gateway(cluster, registryTopic);
        await using var second = Gateway(cluster, registryTopic);
        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var earlier = await RegisterAsync(b, NewSubject(), Schema(1));

        // The next commit on the cluster is refused as a broker refuses a producer whose epoch was bumped by another
        // gateway's InitTransactions: the first gateway's producer is fatally fenced.
        cluster.Cluster.PushRequestErrors(EndTxnApiKey, ErrorCode.ProducerFenced);
        var subject = NewSubject();
        var id = await RegisterAsync(a, subject, Schema(2));
        cluster.Cluster.ClearRequestErrors(EndTxnApiKey);
        var after = await RegisterAsync(b, NewSubject(), Schema(3));

        Assert.Equal(earlier + 1, id);
        Assert.Equal(id + 1, after);
        var versions = await ConvergedAsync([a, b], $"/registry/subjects/{subject}/versions");
        Assert.Equal([1], versions.EnumerateArray().Select(v => v.GetInt32()));
        var byId = await ConvergedAsync([a, b], $"/registry/schemas/ids/{id}/versions");
        Assert.Equal(subject, byId.EnumerateArray().Single().GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Register_StaleWriterGaveATakenIdAndVersion_EveryGatewayIgnoresItAndTheNextIdIsFree()
    {
        var registryTopic = NewTopic();
        await using var first = Gateway(cluster, registryTopic);
        await using var second = Gateway(cluster, registryTopic);
        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var subject = NewSubject();
        var id = await RegisterAsync(a, subject, Schema(1));

        // A writer that lost the transactional id but was not stopped (the mock does not fence it) writes what it
        // decided on an old view: the same id for another schema, and the same (subject, version) with another id.
        await using (var stale = await StaleWriterAsync(registryTopic))
        {
            await stale.WriteAsync("stale-value", 1, id, Schema(900));
            await stale.WriteAsync(subject, 1, id + 1, Schema(901));
        }

        var next = await RegisterAsync(b, NewSubject(), Schema(2));
        var again = await RegisterAsync(a, NewSubject(), Schema(3));

        Assert.Equal(id + 1, next);
        Assert.Equal(id + 2, again);
        foreach (var client in new[] { a, b })
        {
            var subjects = await client.GetFromJsonAsync<string[]>("/registry/subjects");
            Assert.DoesNotContain("stale-value", subjects ?? []);
            var schema = await client.GetFromJsonAsync<JsonElement>($"/registry/subjects/{subject}/versions/1");
            Assert.Equal(id, schema.GetProperty("id").GetInt32());
            var byId = await client.GetFromJsonAsync<JsonElement>($"/registry/schemas/ids/{id}");
            Assert.Contains("f1", byId.GetProperty("schema").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Ready_RegistryTopicOffsetsAnswerUnknownPartitionWhileLoading_NotReadyAndIdsDoNotRestart()
    {
        var registryTopic = NewTopic();
        await using (var writer = Gateway(cluster, registryTopic))
        {
            using var client = writer.CreateClient();
            Assert.Equal(1, await RegisterAsync(client, NewSubject(), Schema(1)));
        }

        // ListOffsets answers UNKNOWN_TOPIC_OR_PARTITION while the metadata shows the topic: no proof it is missing.
        cluster.Cluster.PushRequestErrors(ListOffsetsApiKey, [.. Enumerable.Repeat(ErrorCode.UnknownTopicOrPart, 200)]);
        await using var gateway = Gateway(cluster, registryTopic);
        using var reader = gateway.CreateClient();
        JsonElement loading;
        try
        {
            loading = await SchemaRegistryCheckAsync(reader);
        }
        finally
        {
            cluster.Cluster.ClearRequestErrors(ListOffsetsApiKey);
        }

        var deadline = DateTime.UtcNow + s_converged;
        while ((await SchemaRegistryCheckAsync(reader)).GetProperty("status").GetString() != "Healthy")
        {
            Assert.True(DateTime.UtcNow < deadline, "the registry did not load after the offsets answered again");
            await Task.Delay(100);
        }

        var id = await RegisterAsync(reader, NewSubject(), Schema(2));

        Assert.Equal("Unhealthy", loading.GetProperty("status").GetString());
        Assert.Contains("still reading", loading.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, id);
    }

    private static async Task<JsonElement> SchemaRegistryCheckAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "schema-registry");
    }

    private static string Schema(int i) =>
        $$"""{"type":"record","name":"multi","fields":[{"name":"f{{i}}","type":"int","default":{{i}}}]}""";

    private static async Task<JsonElement> ConvergedAsync(IReadOnlyList<HttpClient> clients, string path)
    {
        var deadline = DateTime.UtcNow + s_converged;
        while (true)
        {
            var answers = new List<string>();
            foreach (var client in clients)
            {
                var (status, body) = await SendAsync(client, HttpMethod.Get, path);
                answers.Add($"{(int)status} {body.GetRawText()}");
            }

            if (answers.Distinct().Count() == 1 && answers[0].StartsWith("200 ", StringComparison.Ordinal))
            {
                return JsonDocument.Parse(answers[0][4..]).RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, $"the gateways still disagree on {path}: {string.Join(" | ", answers)}");
            await Task.Delay(50);
        }
    }

    private async Task<StaleWriter> StaleWriterAsync(string registryTopic)
    {
        var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig(cluster.ClientConfig())
        {
            TransactionalId = $"kafkagateway-registry-{registryTopic}",
        }).Build();
        await Task.Run(() => producer.InitTransactions(TimeSpan.FromSeconds(10)));
        return new StaleWriter(producer, registryTopic);
    }

    private sealed class StaleWriter(IProducer<byte[], byte[]> producer, string topic) : IAsyncDisposable
    {
        public async Task WriteAsync(string subject, int version, int id, string schema)
        {
            producer.BeginTransaction();
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes($$"""{"keytype":"SCHEMA","subject":"{{subject}}","version":{{version}},"magic":1}"""),
                Value = JsonSerializer.SerializeToUtf8Bytes(new { subject, version, id, schema, deleted = false }),
            });
            await Task.Run(() => producer.CommitTransaction(TimeSpan.FromSeconds(10)));
        }

        public ValueTask DisposeAsync()
        {
            producer.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
