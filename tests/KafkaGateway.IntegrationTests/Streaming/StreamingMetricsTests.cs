using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Observability;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>
/// The streaming instruments docs/security.md advertises, read with a MeterListener limited to one gateway's
/// meters (other tests' gateways in the same process have their own IMeterFactory) and to a unique topic.
/// </summary>
public sealed class StreamingMetricsTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stream_OpenReadAndClose_CountsTheOpenStreamAndTheEventsSent()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string"));
        using var client = gateway.CreateClient();
        using var metrics = new StreamingMeasurements(gateway, topic);
        using var producer = cluster.Producer();

        var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");
        await producer.ProduceTextAsync(topic, 0, "one");
        await producer.ProduceTextAsync(topic, 0, "two");
        await producer.ProduceTextAsync(topic, 0, "three");
        var events = await stream.ReadUntilAsync(3);
        var openWhileReading = metrics.Sum(GatewayTelemetry.Streaming.OpenStreams);
        var sentWhileReading = metrics.Sum(GatewayTelemetry.Streaming.EventsSent);
        await stream.DisposeAsync();
        await StreamingTestSupport.WaitUntilAsync(() => metrics.Sum(GatewayTelemetry.Streaming.OpenStreams) == 0, s_wait,
            "the closed stream to leave the open-streams count");

        Assert.Equal(1, openWhileReading);
        // Every event the client read was counted before it was flushed to the client.
        Assert.True(sentWhileReading >= events.Count, $"{sentWhileReading} events counted, {events.Count} read");
        Assert.Equal(0, metrics.Sum(GatewayTelemetry.Streaming.Overflows));
    }

    [Fact]
    public async Task Stream_SubscriberOverItsBuffer_CountsOneOverflow()
    {
        var topic = cluster.CreateTopic(1);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new()
        {
            ["Streaming:SubscriberBufferSize"] = "100000",
            ["Streaming:SubscriberBufferBytes"] = "16384",
        }));
        using var client = gateway.CreateClient();
        using var metrics = new StreamingMeasurements(gateway, topic);
        await using var stream = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream");

        // Not reading: 500 records of 2 KB are far over the 16 KiB byte bound.
        using var producer = cluster.Producer();
        var payload = new string('x', 2000);
        for (var i = 0; i < 500; i++)
        {
            producer.Produce(new TopicPartition(topic, 0), new() { Value = Encoding.UTF8.GetBytes($"{i}:{payload}") });
        }

        producer.Flush(s_wait);
        await StreamingTestSupport.WaitUntilAsync(() => metrics.Sum(GatewayTelemetry.Streaming.Overflows) > 0, s_wait,
            "the overflow to be counted");
        var events = await stream.ReadToEndAsync();

        Assert.Equal("overflow", events[^1].EventType);
        Assert.Equal(1, metrics.Sum(GatewayTelemetry.Streaming.Overflows));
    }

    /// <summary>Sums of the long measurements of one gateway's streaming instruments for one topic label.</summary>
    private sealed class StreamingMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

        public StreamingMeasurements(WebApplicationFactory<Program> gateway, string topic)
        {
            var scope = gateway.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == GatewayTelemetry.StreamingMeter && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "topic" && Equals(tag.Value, topic))
                    {
                        _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Sum(string instrument) => _sums.GetValueOrDefault(instrument);

        public void Dispose() => _listener.Dispose();
    }
}
