using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Streaming;

public sealed class StreamingKafkaOutageTests
{
    [Fact]
    public async Task Stream_AllBrokersDown_SendsKafkaUnavailableErrorThenResumesWhenBack()
    {
        // A cluster of its own: taking every broker down must not disturb other tests.
        var own = new KafkaClusterFixture();
        await own.InitializeAsync();
        try
        {
            var topic = own.CreateTopic(1);
            await using var gateway = GatewayFactory.For(own, StreamingTestSupport.Format(topic, "string"));
            using var client = gateway.CreateClient();
            await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");

            own.Cluster.SetBrokerDown(-1);
            var outage = (await stream.ReadUntilAsync(1, "error", TimeSpan.FromSeconds(30))).Single(e => e.EventType == "error");
            own.Cluster.SetBrokerUp(-1);
            using var producer = own.Producer();
            await producer.ProduceTextAsync(topic, 0, "after");
            var record = (await stream.ReadUntilAsync(1, "record", TimeSpan.FromSeconds(30))).Single(e => e.EventType == "record");

            Assert.Equal("kafka_unavailable", outage.Data().GetProperty("reason").GetString());
            Assert.Equal("after", record.Data().GetProperty("value").GetString());
        }
        finally
        {
            await own.DisposeAsync();
        }
    }
}
