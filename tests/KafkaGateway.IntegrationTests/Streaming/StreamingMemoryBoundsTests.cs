using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>Byte-bounded subscriber buffers, the consumer limit and the browse concurrency limit.</summary>
public sealed class StreamingMemoryBoundsTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_LiveSubscriberBehindByMoreThanBufferBytes_OverflowsAlthoughBelowTheEventCount()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new()
        {
            ["Streaming:SubscriberBufferSize"] = "100000",
            ["Streaming:SubscriberBufferBytes"] = "16384",
        }));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");

        // Not reading. 2,000 records of 2 KB: far below the event bound, far above the byte bound.
        using var producer = cluster.Producer();
        var payload = new string('x', 2000);
        for (var i = 0; i < 2000; i++)
        {
            producer.Produce(new TopicPartition(topic, 0), new() { Value = Encoding.UTF8.GetBytes($"{i}:{payload}") });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveSubscribers == 0,
            TimeSpan.FromSeconds(30), "the subscriber over its byte bound to be dropped");
        var events = await stream.ReadToEndAsync();

        Assert.Equal("overflow", events[^1].EventType);
        var records = events.Count(e => e.EventType == "record");
        Assert.True(records < 2000, $"{records} records arrived before the overflow");
    }

    [Theory]
    [InlineData("Streaming:SubscriberBufferSize", "5")]
    [InlineData("Streaming:SubscriberBufferBytes", "8192")]
    public async Task Stream_SlowCatchUpSubscriberOverEitherBound_IsHeldBackNotDropped(string key, string value)
    {
        var topic = cluster.CreateTopic(1);
        using var producer = cluster.Producer();
        var payload = new string('x', 2000);
        for (var i = 0; i < 300; i++)
        {
            producer.Produce(new TopicPartition(topic, 0), new() { Value = Encoding.UTF8.GetBytes($"{i}:{payload}") });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new() { [key] = value }));
        using var client = gateway.CreateClient();
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest&until=end");

        // The consumer fills the buffer and waits: it never buffers more than the bound (one record always fits).
        var subscription = await GetSubscriptionAsync(gateway);
        await StreamingTestSupport.WaitUntilAsync(() => subscription.BufferedBytes > 0, TimeSpan.FromSeconds(30), "records to be buffered");
        var events = await stream.ReadToEndAsync();

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), events.Where(e => e.EventType == "record").Select(e => e.Position().Offset));
        Assert.Equal(["caught-up", "end"], events.Skip(300).Select(e => e.EventType));
        if (key == "Streaming:SubscriberBufferBytes")
        {
            Assert.True(subscription.MaxBufferedBytes <= 8192, $"{subscription.MaxBufferedBytes} bytes were buffered");
        }
    }

    [Fact]
    public async Task Stream_MaxConsumersReached_Answers429ButLiveTailsJoinTheSharedConsumer()
    {
        var topic = cluster.CreateTopic(1);
        var other = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { ["Streaming:MaxConsumers"] = "2" });
        using var client = gateway.CreateClient();
        await using var live = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        await using var own = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?from=earliest");

        await using var joining = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        using var third = await client.GetAsync(new Uri($"/topics/{topic}/stream?from=earliest", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using var newTail = await client.GetAsync(new Uri($"/topics/{other}/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        var problem = await third.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(2, gateway.Hub().ActiveConsumers);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("too_many_streams", problem.GetProperty("code").GetString());
        Assert.Contains("Streaming:MaxConsumers", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, newTail.StatusCode);
    }

    [Fact]
    public async Task Records_MoreConcurrentBrowsesThanTheLimit_Answers429TooManyBrowses()
    {
        // A cluster of its own: its fetches fail on purpose, so a browse stays in progress until the test clears them.
        var own = new KafkaClusterFixture();
        await own.InitializeAsync();
        try
        {
            var topic = own.CreateTopic(1);
            using (var producer = own.Producer())
            {
                await producer.ProduceTextAsync(topic, 0, "r0");
            }

            await using var gateway = GatewayFactory.For(own, StreamingTestSupport.Format(topic, "string", new()
            {
                ["Streaming:MaxConcurrentBrowses"] = "1",
                ["Streaming:BrowseWaitSeconds"] = "60",
            }));
            using var client = gateway.CreateClient();
            var browser = gateway.Services.GetRequiredService<RecordBrowser>();
            own.Cluster.PushRequestErrors(1, Enumerable.Repeat(ErrorCode.NotLeaderForPartition, 2000).ToArray());

            var first = client.GetAsync(new Uri($"/topics/{topic}/records", UriKind.Relative));
            await StreamingTestSupport.WaitUntilAsync(() => browser.ReadsInProgress == 1, TimeSpan.FromSeconds(30), "the first browse to read");
            using var second = await client.GetAsync(new Uri($"/topics/{topic}/records", UriKind.Relative));
            var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
            own.Cluster.ClearRequestErrors(1);
            using var firstResponse = await first;
            var page = await firstResponse.Content.ReadFromJsonAsync<JsonElement>();

            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Equal("too_many_browses", problem.GetProperty("code").GetString());
            Assert.NotNull(second.Headers.RetryAfter);
            Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
            Assert.Equal("r0", page.GetProperty("records")[0].GetProperty("value").GetString());
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private static async Task<StreamSubscription> GetSubscriptionAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> gateway)
    {
        StreamSubscription? found = null;
        await StreamingTestSupport.WaitUntilAsync(() => (found = gateway.Hub().Subscriptions is [var first, ..] ? first : null) is not null,
            TimeSpan.FromSeconds(10), "the subscription");
        return found!;
    }
}
