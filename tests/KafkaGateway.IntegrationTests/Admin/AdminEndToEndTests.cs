using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Admin;

/// <summary>Admin endpoints against the harness cluster over real sockets (what the librdkafka mock can answer).</summary>
/// <remarks>Never GET /consumer-groups here: librdkafka's mock cluster crashes the process on ListGroups.</remarks>
public sealed class AdminEndToEndTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task ListTopics_HarnessTopic_ListsItWithPartitionsAndReplicationFactor()
    {
        var topic = cluster.CreateTopic(partitions: 4);
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var topics = await client.GetFromJsonAsync<JsonElement>("/topics");

        var entry = topics.EnumerateArray().Single(t => t.GetProperty("name").GetString() == topic);
        Assert.Equal(4, entry.GetProperty("partitions").GetInt32());
        Assert.Equal(3, entry.GetProperty("replicationFactor").GetInt32());
        Assert.False(entry.GetProperty("internal").GetBoolean());
    }

    [Fact]
    public async Task DescribeTopic_AfterProducing_ShowsWatermarksAndOmitsConfigsWithNote()
    {
        var topic = cluster.CreateTopic(partitions: 2);
        await ProduceAsync(topic, partition: 1, count: 5);
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>($"/topics/{topic}");

        var partitions = body.GetProperty("partitions").EnumerateArray().ToArray();
        Assert.Equal(2, partitions.Length);
        Assert.Equal(0, partitions[0].GetProperty("messageCount").GetInt64());
        Assert.Equal(0, partitions[1].GetProperty("lowWatermark").GetInt64());
        Assert.Equal(5, partitions[1].GetProperty("highWatermark").GetInt64());
        Assert.Equal(5, body.GetProperty("messageCount").GetInt64());
        Assert.Equal(3, partitions[1].GetProperty("replicas").GetArrayLength());
        Assert.True(partitions[1].GetProperty("leader").GetInt32() >= 1);
        Assert.False(body.TryGetProperty("configs", out _));
        Assert.Contains("DescribeConfigs", body.GetProperty("notes")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeTopic_Unknown_Answers404WithKafkaError()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri($"/topics/missing-{Guid.NewGuid():N}", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("topic_not_found", body.GetProperty("code").GetString());
        Assert.Equal("UnknownTopicOrPart", body.GetProperty("kafkaError").GetString());
    }

    [Fact]
    public async Task DescribeGroup_ConsumerCommitted_ShowsCommittedOffsetsAndLag()
    {
        var topic = cluster.CreateTopic(partitions: 2);
        await ProduceAsync(topic, partition: 0, count: 10);
        await ProduceAsync(topic, partition: 1, count: 4);
        var group = $"g-{Guid.NewGuid():N}";
        Commit(group, new TopicPartitionOffset(topic, 0, 7), new TopicPartitionOffset(topic, 1, 4));
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>($"/consumer-groups/{group}");

        var offsets = body.GetProperty("offsets").EnumerateArray().ToArray();
        Assert.Equal(2, offsets.Length);
        Assert.Equal(7, offsets[0].GetProperty("committedOffset").GetInt64());
        Assert.Equal(10, offsets[0].GetProperty("highWatermark").GetInt64());
        Assert.Equal(3, offsets[0].GetProperty("lag").GetInt64());
        Assert.Equal(0, offsets[1].GetProperty("lag").GetInt64());
        Assert.Equal(3, body.GetProperty("totalLag").GetInt64());
        // The mock cannot DescribeGroups: state is unknown and said so.
        Assert.Equal("Unknown", body.GetProperty("state").GetString());
        Assert.Single(body.GetProperty("notes").EnumerateArray());
    }

    [Fact]
    public async Task DescribeGroup_Unknown_Answers404()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri($"/consumer-groups/nobody-{Guid.NewGuid():N}", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("group_not_found", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ResetOffsets_DryRunThenReal_CommitsOnlyTheRealReset()
    {
        var topic = cluster.CreateTopic(partitions: 2);
        await ProduceAsync(topic, partition: 0, count: 6);
        var group = $"g-{Guid.NewGuid():N}";
        Commit(group, new TopicPartitionOffset(topic, 0, 6));
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var dryRun = await client.PostAsJsonAsync($"/consumer-groups/{group}/offsets", new { topic, to = "earliest", dryRun = true });
        var dryBody = await dryRun.Content.ReadFromJsonAsync<JsonElement>();
        var afterDryRun = await client.GetFromJsonAsync<JsonElement>($"/consumer-groups/{group}");
        var real = await client.PostAsJsonAsync($"/consumer-groups/{group}/offsets", new { topic, to = "offsets", offsets = new[] { new { partition = 0, offset = 2 } } });
        var afterReal = await client.GetFromJsonAsync<JsonElement>($"/consumer-groups/{group}");

        Assert.Equal(HttpStatusCode.OK, dryRun.StatusCode);
        Assert.True(dryBody.GetProperty("dryRun").GetBoolean());
        var p0 = dryBody.GetProperty("partitions")[0];
        Assert.Equal(6, p0.GetProperty("previousOffset").GetInt64());
        Assert.Equal(0, p0.GetProperty("newOffset").GetInt64());
        Assert.Equal(JsonValueKind.Null, dryBody.GetProperty("partitions")[1].GetProperty("previousOffset").ValueKind);
        Assert.Equal(6, afterDryRun.GetProperty("offsets")[0].GetProperty("committedOffset").GetInt64());
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        Assert.Equal(2, afterReal.GetProperty("offsets")[0].GetProperty("committedOffset").GetInt64());
        Assert.Equal(4, afterReal.GetProperty("totalLag").GetInt64());
    }

    [Fact]
    public async Task ResetOffsets_OffsetBeyondHighWatermark_Answers400()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var response = await client.PostAsJsonAsync($"/consumer-groups/g-{Guid.NewGuid():N}/offsets",
            new { topic, to = "offsets", offsets = new[] { new { partition = 0, offset = 99 } } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("offset_out_of_range", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task CreateTopic_Embedded_CreatesTopicWithRequestedPartitions()
    {
        await using var gateway = EmbeddedGateway();
        using var client = gateway.CreateClient();
        var topic = $"orders-{Guid.NewGuid():N}";

        var created = await client.PostAsJsonAsync("/topics", new { name = topic, partitions = 5 });
        var described = await client.GetFromJsonAsync<JsonElement>($"/topics/{topic}");
        var again = await client.PostAsJsonAsync("/topics", new { name = topic, partitions = 5 });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/topics/{topic}", created.Headers.Location?.OriginalString);
        Assert.Equal(5, described.GetProperty("partitions").GetArrayLength());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task DeleteTopic_Embedded_Answers501AtOnceNamingTheEmbeddedCluster()
    {
        await using var gateway = EmbeddedGateway();
        using var client = gateway.CreateClient();
        await client.PostAsJsonAsync("/topics", new { name = "doomed", partitions = 1 });

        var stopwatch = Stopwatch.StartNew();
        var response = await client.DeleteAsync(new Uri("/topics/doomed", UriKind.Relative));
        stopwatch.Stop();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal("not_supported_by_embedded_cluster", body.GetProperty("code").GetString());
        Assert.Contains("embedded", body.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        // Behaviour, not a benchmark: the answer does not wait for a Kafka timeout (2 s metadata, 30 s admin).
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task ListGroups_Embedded_Answers501InsteadOfAskingTheMock()
    {
        await using var gateway = EmbeddedGateway();
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri("/consumer-groups", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal("not_supported_by_embedded_cluster", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ResetOffsets_EmbeddedGroupThatHadMembers_Answers501NamingTheLimitWhileANewGroupResets()
    {
        await using var gateway = EmbeddedGateway();
        using var client = gateway.CreateClient();
        var topic = $"reset-{Guid.NewGuid():N}";
        var (hadMembers, neverJoined) = ($"g-joined-{Guid.NewGuid():N}", $"g-new-{Guid.NewGuid():N}");
        await EmbeddedClusterGateway.PrepareGroupThatHadMembersAsync(gateway, client, topic, hadMembers);

        using var refused = await client.PostAsJsonAsync($"/consumer-groups/{hadMembers}/offsets", new { topic, to = "earliest" });
        var refusedBody = await refused.Content.ReadFromJsonAsync<JsonElement>();
        using var fresh = await client.PostAsJsonAsync($"/consumer-groups/{neverJoined}/offsets", new { topic, to = "earliest" });

        Assert.Equal(HttpStatusCode.NotImplemented, refused.StatusCode);
        Assert.Equal("not_supported_by_embedded_cluster", refusedBody.GetProperty("code").GetString());
        Assert.Contains("has had members", refusedBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("UnknownMemberId", refusedBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(fresh.StatusCode == HttpStatusCode.OK, await fresh.Content.ReadAsStringAsync());
    }

    private static GatewayFactory EmbeddedGateway() => EmbeddedClusterGateway.Create();

    private async Task ProduceAsync(string topic, int partition, int count)
    {
        using var producer = new ProducerBuilder<Null, string>(cluster.ClientConfig()).Build();
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<Null, string> { Value = $"v{i}" });
        }
    }

    /// <summary>Commits like a consumer that was assigned the partitions (no subscription, so no active membership).</summary>
    private void Commit(string group, params TopicPartitionOffset[] offsets)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig(cluster.ClientConfig())
        {
            GroupId = group,
            EnableAutoCommit = false,
        }).Build();
        consumer.Commit(offsets);
    }
}
