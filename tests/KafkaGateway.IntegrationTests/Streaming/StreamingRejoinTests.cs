using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
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

    [Fact]
    public async Task Stream_TwoHundredOverflowedLiveSubscribersReconnect_AllEndOnTheSharedConsumerWithEveryRecordOnce()
    {
        // The scale: 200 live subscribers that stop reading are overflowed by one burst, then reconnect at once
        // with their tokens as EventSource would (Accept: text/event-stream, Last-Event-ID). Those beyond MaxConsumers
        // get 429 ProblemDetails and retry; the others catch up on private consumers and move onto the shared live
        // tail. Over TestServer, not sockets: the same middleware, controller and SSE writer, but its in-memory response
        // pipe applies back-pressure at 64 KiB, where loopback sockets autotune to megabytes each, so overflowing 200
        // of them would take ~1 GB of unread data in the kernel.
        const int Partitions = 2, Subscribers = 200, Burst = 60, During = 40, After = 10, MaxConsumers = 21;
        var topic = cluster.CreateTopic(Partitions);
        await using var gateway = GatewayFactory.For(cluster, StreamingTestSupport.Format(topic, "string", new()
        {
            ["Streaming:MaxStreamsPerClient"] = "500",
            ["Streaming:MaxConsumers"] = MaxConsumers.ToString(CultureInfo.InvariantCulture),
            ["Streaming:SubscriberBufferBytes"] = "16384",
        }));
        using var client = gateway.CreateClient();
        using var producer = cluster.Producer();

        // Keeps the topic's live tail alive while every other subscriber is overflowed: its filter passes nothing but
        // its own record, so its buffer never fills.
        await using var keeper = await OpenStream.OpenAsync(client, $"/topics/{topic}/stream?key=keeper");
        await keeper.ReadUntilAsync(1, "caught-up");
        var subscribers = new List<ReconnectingSubscriber>();
        for (var i = 0; i < Subscribers; i++)
        {
            subscribers.Add(await ReconnectingSubscriber.ConnectAsync(client, $"/topics/{topic}/stream"));
        }

        Assert.Equal(1, gateway.Hub().ActiveConsumers);

        // Nobody reads: 240 KB each is far beyond the 64 KiB response pipe plus the 16 KiB buffer.
        var payload = new string('x', 4000);
        for (var i = 0; i < Burst; i++)
        {
            producer.Produce(new TopicPartition(topic, i % Partitions), new() { Value = Encoding.UTF8.GetBytes($"burst-{i}:{payload}") });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveSubscribers == 1, TimeSpan.FromSeconds(60),
            $"all {Subscribers} live subscribers to overflow (open: {gateway.Hub().ActiveSubscribers})");

        // All reconnect at once while records keep arriving; a sentinel per partition marks the last record.
        var reading = subscribers.Select(s => Task.Run(() => s.ReadUntilAsync(v => v.StartsWith("end-", StringComparison.Ordinal), Partitions))).ToArray();
        for (var i = 0; i < During; i++)
        {
            await producer.ProduceTextAsync(topic, i % Partitions, $"during-{i}");
            await Task.Delay(10);
        }

        for (var p = 0; p < Partitions; p++)
        {
            await producer.ProduceTextAsync(topic, p, $"end-{p}");
        }

        await Task.WhenAll(reading).WaitAsync(TimeSpan.FromMinutes(3));
        await StreamingTestSupport.WaitUntilAsync(() => gateway.Hub().ActiveConsumers == 1, TimeSpan.FromSeconds(60),
            $"every reconnected stream on the shared consumer (consumers: {gateway.Hub().ActiveConsumers})");
        Assert.Equal(Subscribers + 1, gateway.Hub().ActiveSubscribers);

        // Now on the shared consumer: new records reach every subscriber once (the keeper's record too, as it has no filter).
        await producer.ProduceTextAsync(topic, 0, "for the keeper", key: "keeper");
        for (var i = 0; i < After; i++)
        {
            await producer.ProduceTextAsync(topic, i % Partitions, $"after-{i}");
        }

        await Task.WhenAll(subscribers.Select(s => Task.Run(() => s.ReadUntilAsync(v => v.StartsWith("after-", StringComparison.Ordinal), After))))
            .WaitAsync(TimeSpan.FromMinutes(1));
        var kept = (await keeper.ReadUntilAsync(1)).Single(e => e.EventType == "record");

        var ends = Enumerable.Range(0, Partitions).ToDictionary(p => p, p => (Burst + During + After) / Partitions + 1L + (p == 0 ? 1 : 0));
        var tooMany = subscribers.Sum(s => s.TooManyStreams);
        foreach (var subscriber in subscribers)
        {
            Assert.True(subscriber.Overflows >= 1, "every subscriber overflowed in the burst");
            var expected = subscriber.Start.SelectMany(s => Enumerable.Range((int)s.Value, (int)(ends[s.Key] - s.Value)).Select(o => (s.Key, (long)o)));
            Assert.Equal(expected.Order(), subscriber.Positions.Order());
        }

        Assert.True(tooMany > 0, "reconnects beyond Streaming:MaxConsumers are answered 429");
        Assert.Equal("for the keeper", kept.Data().GetProperty("value").GetString());
        Assert.Equal(1, gateway.Hub().ActiveConsumers);
        foreach (var subscriber in subscribers)
        {
            await subscriber.DisposeAsync();
        }
    }

    /// <summary>
    /// A client that behaves like a browser's EventSource, plus retrying a 429: it reconnects with the id of the last
    /// event after an overflow or a 429 (sooner than Retry-After, to keep the test short). Every 429 must be a clean
    /// too_many_streams ProblemDetails.
    /// </summary>
    private sealed class ReconnectingSubscriber : IAsyncDisposable
    {
        private readonly HttpClient _client;
        private readonly string _url;
        private HttpResponseMessage? _response;
        private IAsyncEnumerator<SseItem<string>>? _events;
        private string? _lastEventId;

        private ReconnectingSubscriber(HttpClient client, string url)
        {
            _client = client;
            _url = url;
        }

        /// <summary>Where the first stream started (its caught-up event's end offsets).</summary>
        public Dictionary<int, long> Start { get; } = [];

        public List<(int Partition, long Offset)> Positions { get; } = [];

        public int Overflows { get; private set; }

        public int TooManyStreams { get; private set; }

        public static async Task<ReconnectingSubscriber> ConnectAsync(HttpClient client, string url)
        {
            var subscriber = new ReconnectingSubscriber(client, url);
            await subscriber.OpenAsync();
            var caughtUp = await subscriber.NextAsync();
            Assert.Equal("caught-up", caughtUp?.EventType);
            foreach (var partition in caughtUp!.Value.Data().GetProperty("endOffsets").EnumerateObject())
            {
                subscriber.Start[int.Parse(partition.Name, CultureInfo.InvariantCulture)] = partition.Value.GetInt64();
            }

            return subscriber;
        }

        /// <summary>Reads (reconnecting as needed) until <paramref name="count"/> records whose value matches arrived.</summary>
        public async Task ReadUntilAsync(Func<string, bool> match, int count)
        {
            var seen = 0;
            while (seen < count)
            {
                if (await NextAsync() is not { } item)
                {
                    await ReconnectAsync();
                    continue;
                }

                if (item.EventType == "overflow")
                {
                    Overflows++;
                }
                else if (item.EventType == "record")
                {
                    Positions.Add(item.Position());
                    if (match(item.Data().GetProperty("value").GetString()!))
                    {
                        seen++;
                    }
                }
            }
        }

        private async Task<SseItem<string>?> NextAsync()
        {
            if (!await _events!.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)))
            {
                return null;
            }

            var item = _events.Current;
            if (!string.IsNullOrEmpty(item.EventId))
            {
                _lastEventId = item.EventId;
            }

            return item;
        }

        private async Task ReconnectAsync()
        {
            await CloseAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!await OpenAsync())
            {
                Assert.True(DateTime.UtcNow < deadline, "a reconnect was refused for two minutes");
                await Task.Delay(Random.Shared.Next(100, 300));
            }
        }

        /// <summary>False on 429 (checked to be a clean too_many_streams ProblemDetails).</summary>
        private async Task<bool> OpenAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_url, UriKind.Relative));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (_lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", _lastEventId);
            }

            var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                using (response)
                {
                    var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.Equal("too_many_streams", problem.GetProperty("code").GetString());
                    Assert.Contains("Streaming:MaxConsumers", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
                    Assert.NotNull(response.Headers.RetryAfter);
                }

                TooManyStreams++;
                return false;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _response = response;
            _events = SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator();
            return true;
        }

        private async Task CloseAsync()
        {
            _response?.Dispose();
            if (_events is not null)
            {
                await _events.DisposeAsync();
            }

            _response = null;
            _events = null;
        }

        public async ValueTask DisposeAsync() => await CloseAsync();
    }
}
