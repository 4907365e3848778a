using System.Diagnostics;
using System.Net.Http.Json;
using Confluent.Kafka;
using KafkaGateway.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>A gateway on its own embedded cluster (one mock broker), for behaviour that belongs to the embedded mode.</summary>
public static class EmbeddedClusterGateway
{
    /// <summary>A gateway that starts the embedded cluster itself, with its data folder in a new temporary folder.</summary>
    public static GatewayFactory Create() => new(new Dictionary<string, string?>
    {
        ["Kafka:BootstrapServers"] = "embedded",
        ["Kafka:EmbeddedBrokers"] = "1",
        ["Kafka:MetadataTimeoutSeconds"] = "2",
        ["Kafka:Properties:broker.address.family"] = "v4",
        ["Gateway:DataDirectory"] = Path.Combine(Path.GetTempPath(), "kafkagateway-tests", Guid.NewGuid().ToString("N")),
    });

    /// <summary>
    /// Creates <paramref name="topic"/> (one partition, two records) and lets a Confluent.Kafka consumer join
    /// <paramref name="group"/> (subscribe, not assign), read, commit as a member and leave: the group then
    /// "has had members", which the embedded cluster remembers for good.
    /// </summary>
    public static async Task PrepareGroupThatHadMembersAsync(GatewayFactory gateway, HttpClient client, string topic, string group)
    {
        (await client.PostAsJsonAsync("/topics", new { name = topic, partitions = 1 })).EnsureSuccessStatusCode();
        var bootstrap = gateway.Services.GetRequiredService<KafkaConnection>().BootstrapServers;
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, BrokerAddressFamily = BrokerAddressFamily.V4 }).Build())
        {
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = "a" });
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<Null, string> { Value = "b" });
        }

        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            BrokerAddressFamily = BrokerAddressFamily.V4,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var deadline = Stopwatch.StartNew();
        ConsumeResult<Ignore, Ignore>? read = null;
        while (read is null && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            read = consumer.Consume(TimeSpan.FromMilliseconds(200));
        }

        Assert.NotNull(read);
        consumer.Commit(read);
        consumer.Close();
    }
}
