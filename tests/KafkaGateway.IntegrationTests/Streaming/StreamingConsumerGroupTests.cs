using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary><c>?group=</c> streams and <c>POST /consumer-groups/{group}/commits</c>: at least once over HTTP, stateless.</summary>
public sealed class StreamingConsumerGroupTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_CommitMidStreamThenReconnectThroughAnotherHost_ContinuesWithNoGapAndKafkaConsumerStartsThere()
    {
        var topic = cluster.CreateTopic(2);
        var group = $"billing-{Guid.NewGuid():N}";
        using (var producer = cluster.Producer())
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.ProduceTextAsync(topic, i % 2, $"v{i}");
            }
        }

        var settings = StreamingTestSupport.Format(topic, "string");
        var first = new List<(int, long)>();
        await using (var hostA = GatewayFactory.For(cluster, settings))
        {
            using var client = hostA.CreateClient();
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?group={group}&from=earliest");
            var processed = await stream.ReadUntilAsync(8);
            first.AddRange(processed.Select(e => e.Position()));

            using var commit = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits",
                new { topic, resumeToken = processed[^1].EventId });
            var committed = await commit.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(commit.StatusCode == HttpStatusCode.OK, committed.ToString());
            Assert.Equal(group, committed.GetProperty("group").GetString());
        }

        List<(int, long)> rest;
        await using (var hostB = GatewayFactory.For(cluster, settings))
        {
            using var client = hostB.CreateClient();
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?group={group}&until=end");
            rest = (await stream.ReadToEndAsync()).Where(e => e.EventType == "record").Select(e => e.Position()).ToList();
        }

        var kafka = ConsumeAsGroupMember(topic, group, rest.Count);

        var all = Enumerable.Range(0, 2).SelectMany(p => Enumerable.Range(0, 10).Select(o => (p, (long)o))).Order();
        Assert.Equal(all, first.Concat(rest).Order());
        Assert.Empty(first.Intersect(rest));
        Assert.Equal(rest.Order(), kafka.Order());
    }

    [Fact]
    public async Task Stream_GroupWithoutCommittedOffsets_StartsAtFrom()
    {
        var topic = cluster.CreateTopic(1);
        using (var producer = cluster.Producer())
        {
            await producer.ProduceTextAsync(topic, 0, "old");
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();

        await using var latest = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?group=g-{Guid.NewGuid():N}&until=end");
        await using var earliest = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?group=g-{Guid.NewGuid():N}&from=earliest&until=end");

        Assert.Equal(["caught-up", "end"], (await latest.ReadToEndAsync()).Select(e => e.EventType));
        Assert.Equal(["record", "caught-up", "end"], (await earliest.ReadToEndAsync()).Select(e => e.EventType));
    }

    [Fact]
    public async Task Commit_EmbeddedGroupThatHadMembers_Answers501NamingTheLimit()
    {
        // Real Kafka (unverified here: no real broker on this machine) accepts this commit once the consumer has left,
        // because the group is empty, and answers 409 group_not_empty only while members are active. The embedded
        // cluster keeps the group for ever once a consumer joined and refuses commits from outside it.
        await using var gateway = EmbeddedClusterGateway.Create();
        using var client = gateway.CreateClient();
        var topic = $"commit-{Guid.NewGuid():N}";
        var group = $"g-joined-{Guid.NewGuid():N}";
        await EmbeddedClusterGateway.PrepareGroupThatHadMembersAsync(gateway, client, topic, group);

        var token = ResumeToken.For(topic, new Dictionary<int, long> { [0] = 2 }).Encode();
        using var refused = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits", new { topic, resumeToken = token });
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(refused.StatusCode == HttpStatusCode.NotImplemented, body.ToString());
        Assert.Equal("not_supported_by_embedded_cluster", body.GetProperty("code").GetString());
        Assert.Contains("embedded Kafka cluster", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("has had members", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("UnknownMemberId", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_TokenOfAnotherTopicOrUnknownTopic_Answers400Or404AndCommitsNothing()
    {
        var topic = cluster.CreateTopic(1);
        var group = $"g-{Guid.NewGuid():N}";
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();
        var foreign = ResumeToken.For("another", new Dictionary<int, long> { [0] = 1 }).Encode();
        var unknown = $"no-such-{Guid.NewGuid():N}";

        using var mismatch = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits", new { topic, resumeToken = foreign });
        using var missing = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits",
            new { topic = unknown, resumeToken = ResumeToken.For(unknown, new Dictionary<int, long> { [0] = 1 }).Encode() });
        using var empty = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits", new { topic });

        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal("resume_token_topic_mismatch", (await mismatch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = group }).Build();
        Assert.All(consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)), c => Assert.Equal(Offset.Unset, c.Offset));
    }

    [Fact]
    public async Task Commit_WithConsumeOnlyOnAnotherTopic_Answers403AndWithConsumeOnTheTopicCommits()
    {
        var allowed = cluster.CreateTopic(1);
        var other = cluster.CreateTopic(1);
        var group = $"g-{Guid.NewGuid():N}";
        var settings = KafkaGateway.IntegrationTests.Security.SecureGateway.ApiKeys(("reader", null));
        settings["Security:Authorization:Rules:0:Principal"] = "reader";
        settings["Security:Authorization:Rules:0:Topics:0"] = allowed;
        settings["Security:Authorization:Rules:0:Permissions:0"] = "consume";
        await using var gateway = KafkaGateway.IntegrationTests.Security.SecureGateway.InProcess(cluster, settings);
        using var reader = gateway.Client("reader");
        using var anonymous = gateway.Client();

        using var refused = await reader.PostAsJsonAsync($"/consumer-groups/{group}/commits",
            new { topic = other, resumeToken = ResumeToken.For(other, new Dictionary<int, long> { [0] = 0 }).Encode() });
        using var unauthenticated = await anonymous.PostAsJsonAsync($"/consumer-groups/{group}/commits",
            new { topic = allowed, resumeToken = ResumeToken.For(allowed, new Dictionary<int, long> { [0] = 0 }).Encode() });
        using var committed = await reader.PostAsJsonAsync($"/consumer-groups/{group}/commits",
            new { topic = allowed, resumeToken = ResumeToken.For(allowed, new Dictionary<int, long> { [0] = 0 }).Encode() });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
    }

    /// <summary>A Confluent.Kafka consumer that joins <paramref name="group"/> and reads <paramref name="count"/> records from its committed offsets.</summary>
    private List<(int, long)> ConsumeAsGroupMember(string topic, string group, int count)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig())
        {
            GroupId = group,
            // Earliest where nothing is committed: a commit that did not happen would show as records from offset 0.
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var records = new List<(int, long)>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } result)
            {
                records.Add((result.Partition.Value, result.Offset.Value));
            }
        }

        // Anything beyond would be a record before the commit read again, or after it twice.
        while (consumer.Consume(TimeSpan.FromSeconds(1)) is { IsPartitionEOF: false } extra)
        {
            records.Add((extra.Partition.Value, extra.Offset.Value));
        }

        consumer.Close();
        return records;
    }
}
