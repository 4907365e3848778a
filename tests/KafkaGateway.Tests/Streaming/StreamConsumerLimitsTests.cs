using Confluent.Kafka;
using KafkaGateway.Streaming;

namespace KafkaGateway.Tests.Streaming;

public sealed class StreamConsumerLimitsTests
{
    [Fact]
    public void Apply_DefaultClientConfig_SetsBoundedFetchAndQueueLimitsLibrdkafkaAccepts()
    {
        var config = new ConsumerConfig { BootstrapServers = "127.0.0.1:1", GroupId = "limits" };

        StreamConsumerLimits.Apply(config);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();

        Assert.Equal(256 * 1024, config.FetchMaxBytes);
        Assert.Equal(256 * 1024, config.MessageMaxBytes);
        Assert.Equal(64 * 1024, config.MaxPartitionFetchBytes);
        Assert.Equal(256, config.QueuedMaxMessagesKbytes);
        Assert.Equal(100, config.QueuedMinMessages);
        Assert.Equal(50, config.FetchQueueBackoffMs);
    }

    [Fact]
    public void Apply_FetchQueueBackoffConfigured_KeepsConfiguredValue()
    {
        var config = new ConsumerConfig { BootstrapServers = "127.0.0.1:1", GroupId = "limits", FetchQueueBackoffMs = 200 };

        StreamConsumerLimits.Apply(config);

        Assert.Equal(200, config.FetchQueueBackoffMs);
    }

    [Fact]
    public void Apply_MessageMaxBytesRaisedForEveryClient_RaisesFetchAndQueueSoLibrdkafkaStillAccepts()
    {
        var config = new ConsumerConfig { BootstrapServers = "127.0.0.1:1", GroupId = "limits", MessageMaxBytes = 10_000_000 };

        StreamConsumerLimits.Apply(config);
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();

        Assert.Equal(10_000_000, config.FetchMaxBytes);
        Assert.True(config.QueuedMaxMessagesKbytes * 1024L >= 10_000_000);
    }
}
