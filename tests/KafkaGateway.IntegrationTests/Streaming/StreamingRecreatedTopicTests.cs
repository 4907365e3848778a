using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>
/// Resume tokens carry the Kafka topic id (KIP-516), so a token of a topic deleted and created again under the same name
/// is recognised. On the harness: librdkafka's mock gives every topic a random id in its Metadata answers (v10+), which
/// librdkafka's DescribeTopics reads, and <c>MockCluster.DeleteTopic</c> + <c>CreateTopic</c> give the name a new id and
/// empty logs, as Kafka's DeleteTopics/CreateTopics would. The ids come from the mock, not from a stand-in.
/// </summary>
public sealed class StreamingRecreatedTopicTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_TokenOfADeletedAndRecreatedTopic_NoticesTopicRecreatedAndReadsTheNewTopicFromEarliest()
    {
        var topic = cluster.CreateTopic(2);
        using (var producer = cluster.Producer())
        {
            for (var i = 0; i < 8; i++)
            {
                await producer.ProduceTextAsync(topic, i < 5 ? 0 : 1, $"old-{i}");
            }
        }

        var oldId = await TopicIdAsync(topic);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        string token;
        await using (var first = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&until=end"))
        {
            token = (await first.ReadToEndAsync())[^1].EventId!;
        }

        cluster.Cluster.DeleteTopic(topic);
        cluster.Cluster.CreateTopic(topic, 2, Math.Min(cluster.BrokerCount, 3));
        using (var producer = cluster.Producer())
        {
            // More records than the token's offsets (5 and 3): resuming at them would go on silently in the new logs.
            for (var i = 0; i < 11; i++)
            {
                await producer.ProduceTextAsync(topic, i < 7 ? 0 : 1, $"new-{i}");
            }
        }

        var newId = await TopicIdAsync(topic);
        await using var resumed = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?until=end", lastEventId: token);
        var events = await resumed.ReadToEndAsync();

        Assert.NotEqual(oldId, newId);
        Assert.True(ResumeToken.TryParse(token, out var issued));
        Assert.Equal(oldId, issued!.TopicId);
        Assert.Equal(new Dictionary<int, long> { [0] = 5, [1] = 3 }, issued.NextOffsets);
        var notices = events.Where(e => e.EventType == "notice").Select(e => e.Data()).ToList();
        Assert.Equal(
            [("topic_recreated", 0, 5L, 0L), ("topic_recreated", 1, 3L, 0L)],
            notices.Select(n => (n.GetProperty("reason").GetString(), n.GetProperty("partition").GetInt32(),
                n.GetProperty("requested").GetInt64(), n.GetProperty("resumedAt").GetInt64())).OrderBy(n => n.Item2));
        Assert.Equal(Enumerable.Range(0, 11).Select(i => $"new-{i}").Order(),
            events.Where(e => e.EventType == "record").Select(e => e.Data().GetProperty("value").GetString()).Order());
        Assert.Equal("end", events[^1].EventType);
        Assert.True(ResumeToken.TryParse(events[^1].EventId, out var next));
        Assert.Equal(newId, next!.TopicId);
        Assert.Equal(new Dictionary<int, long> { [0] = 7, [1] = 4 }, next.NextOffsets);
    }

    [Fact]
    public async Task Stream_TokenWithoutTopicIdOrWithTheCurrentOne_ResumesAtItsOffsetsWithoutNotice()
    {
        var topic = cluster.CreateTopic(1);
        using (var producer = cluster.Producer())
        {
            for (var i = 0; i < 5; i++)
            {
                await producer.ProduceTextAsync(topic, 0, $"v{i}");
            }
        }

        var id = await TopicIdAsync(topic);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        // Version 1: a token as issued before tokens carried topic ids. Version 3: one with the topic's current id.
        var withoutId = ResumeToken.For(topic, new Dictionary<int, long> { [0] = 3 }).Encode();
        var withId = ResumeToken.For(topic, new Dictionary<int, long> { [0] = 3 }, topicId: id).Encode();

        async Task<List<System.Net.ServerSentEvents.SseItem<string>>> ResumeAsync(string token)
        {
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?until=end", lastEventId: token);
            return await stream.ReadToEndAsync();
        }

        var fromOld = await ResumeAsync(withoutId);
        var fromCurrent = await ResumeAsync(withId);

        foreach (var events in new[] { fromOld, fromCurrent })
        {
            Assert.Equal(["record", "record", "caught-up", "end"], events.Select(e => e.EventType));
            Assert.Equal([3L, 4L], events.Take(2).Select(e => e.Position().Offset));
            Assert.True(ResumeToken.TryParse(events[^1].EventId, out var next));
            Assert.Equal(id, next!.TopicId);
        }
    }

    [Fact]
    public async Task Commit_TokenOfADeletedAndRecreatedTopic_Answers400AndCommitsNothingWhileANewTokenCommits()
    {
        var topic = cluster.CreateTopic(1);
        var group = $"g-{Guid.NewGuid():N}";
        using (var producer = cluster.Producer())
        {
            for (var i = 0; i < 4; i++)
            {
                await producer.ProduceTextAsync(topic, 0, $"old-{i}");
            }
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        async Task<string> LastTokenAsync()
        {
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&until=end");
            return (await stream.ReadToEndAsync())[^1].EventId!;
        }

        var oldToken = await LastTokenAsync();
        cluster.Cluster.DeleteTopic(topic);
        cluster.Cluster.CreateTopic(topic, 1, Math.Min(cluster.BrokerCount, 3));
        using (var producer = cluster.Producer())
        {
            for (var i = 0; i < 6; i++)
            {
                await producer.ProduceTextAsync(topic, 0, $"new-{i}");
            }
        }

        using var refused = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits", new { topic, resumeToken = oldToken });
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = group }).Build();
        var afterRefusal = consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset;
        using var accepted = await client.PostAsJsonAsync($"/consumer-groups/{group}/commits", new { topic, resumeToken = await LastTokenAsync() });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("resume_token_topic_mismatch", problem.GetProperty("code").GetString());
        Assert.Contains("created again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(Offset.Unset, afterRefusal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(6, consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value);
    }

    /// <summary>The topic id as Kafka (here the mock) reports it to any client.</summary>
    private async Task<Guid> TopicIdAsync(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig(cluster.ClientConfig())).Build();
        var described = await admin.DescribeTopicsAsync(
            TopicCollection.OfTopicNames([topic]), new DescribeTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        var id = described.TopicDescriptions.Single().TopicId;
        Assert.False(id.MostSignificantBits == 0 && id.LeastSignificantBits == 0, "the mock gave the topic no id");
        return TopicPartitionLookup.ToGuid(id)!.Value;
    }
}
