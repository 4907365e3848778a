using System.Text;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>Resumed (private) streams move onto the shared live tail once caught up, at exact offsets.</summary>
public sealed class StreamingRejoinTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Stream_ManyResumedStreamsWhileRecordsArrive_MoveOntoTheSharedConsumerAndGetEveryRecordOnce()
    {
        const int Partitions = 2, Before = 40, During = 60, Streams = 20;
        var topic = cluster.CreateTopic(Partitions);
        using var producer = cluster.Producer();
        for (var i = 0; i < Before; i++)
        {
            await producer.ProduceTextAsync(topic, i % Partitions, $"b{i}");
        }

        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new()
        {
            ["Streaming:MaxStreamsPerClient"] = "100",
        }));
        using var client = gateway.CreateClient();
        await using var live = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        await live.ReadUntilAsync(1, "caught-up");

        // Tokens at different places, as after a burst that overflowed live subscribers at different lags.
        var perPartition = Before / Partitions;
        var starts = Enumerable.Range(0, Streams).Select(i => (long)(i * perPartition / Streams)).ToArray();
        var streams = new List<OpenStream>();
        foreach (var start in starts)
        {
            var token = ResumeToken.For(topic, Enumerable.Range(0, Partitions).ToDictionary(p => p, _ => start)).Encode();
            streams.Add(await OpenStream.OpenAsync(client, $"/topics/{topic}/stream", token));
        }

        // Records keep arriving while the streams catch up and move over.
        var producing = Task.Run(async () =>
        {
            for (var i = Before; i < Before + During; i++)
            {
                await producer.ProduceTextAsync(topic, i % Partitions, $"d{i}");
                await Task.Delay(10);
            }
        });
        var total = (Before + During) / Partitions;
        var received = await Task.WhenAll(streams.Select((stream, i) =>
            stream.ReadUntilAsync(Partitions * (total - (int)starts[i]), timeout: TimeSpan.FromSeconds(60))));
        await producing;
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveConsumers == 1, TimeSpan.FromSeconds(30),
            $"every resumed stream on the shared consumer (consumers: {gateway.Hub().ActiveConsumers})");
        await producer.ProduceTextAsync(topic, 0, "after");
        var after = await Task.WhenAll(streams.Select(stream => stream.ReadUntilAsync(1)));

        for (var i = 0; i < Streams; i++)
        {
            var positions = received[i].Where(e => e.EventType == "record").Select(e => e.Position()).ToList();
            var expected = Enumerable.Range(0, Partitions)
                .SelectMany(p => Enumerable.Range((int)starts[i], total - (int)starts[i]).Select(o => (p, (long)o)));
            Assert.Equal(expected.Order(), positions.Order());
            Assert.Equal(positions.Count, positions.Distinct().Count());
            Assert.Equal("after", after[i].Single(e => e.EventType == "record").Data().GetProperty("value").GetString());
        }

        Assert.Equal(Streams + 1, gateway.Hub().ActiveSubscribers);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }
}
