using System.Collections.Concurrent;
using System.Net;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>Graceful shutdown on real Kestrel sockets: every record answered 2xx is in Kafka, and no more.</summary>
public sealed class ShutdownTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Shutdown_UnderConcurrentLoad_EveryRecordAnswered200IsInKafkaAndNoOther()
    {
        var topic = cluster.CreateTopic(partitions: 3);
        var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { ["Gateway:TopicFormats:Default"] = "json" });
        gateway.UseKestrel(0);
        gateway.StartServer();
        var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var statuses = new ConcurrentBag<HttpStatusCode>();
        using var stop = new CancellationTokenSource();

        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 10_000; i++)
            {
                try
                {
                    var response = await http.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
                        ProduceTests.Json($"{{\"records\": [{{\"value\": {{\"worker\": {worker}, \"i\": {i}}}}}]}}"));
                    statuses.Add(response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    // The listener is gone: this request was never answered, so it must not count.
                    await Task.Delay(10);
                }
            }
        })).ToArray();

        // Stop under load: once requests are being answered, not after a guessed time.
        await Harness.Harness.WaitUntilAsync(() => statuses.Count(s => s == HttpStatusCode.OK) >= 50, TimeSpan.FromSeconds(60),
            "50 produce requests to be answered 200");
        var lifetime = gateway.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        lifetime.StopApplication();
        await gateway.DisposeAsync();
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var ok = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.True(ok > 0, "no request succeeded before the shutdown");
        Assert.Equal(ok, CountRecords(topic));
        Assert.All(statuses.Where(s => s != HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
    }

    private long CountRecords(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = "count" }).Build();
        return Enumerable.Range(0, 3).Sum(p =>
        {
            var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5));
            return w.High.Value - w.Low.Value;
        });
    }
}
