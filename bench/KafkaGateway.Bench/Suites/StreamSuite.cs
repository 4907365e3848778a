using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.Streaming;
using Microsoft.Extensions.DependencyInjection;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Bench.LoadGeneration;
using KafkaGateway.Bench.Reporting;

namespace KafkaGateway.Bench.Suites;

/// <summary>
/// Stream: catching up from the earliest offset over SSE against a direct consumer, the memory of idle private
/// streams, and live fan-out to 1, 100, 1,000 and (scale line) 10,000 SSE subscribers of one topic at 100 records/s.
/// </summary>
internal sealed class StreamSuite(BenchCluster cluster, BenchSettings settings)
{
    private const int ProduceRate = 100;

    // Issue 15's measurement: 20 from=earliest streams that never read, on a ~30 MB topic.
    private const int IdleStreams = 20;
    private const int IdleTopicRecords = 30_000;
    private const int ScaleSubscribers = 10_000;
    private const double MiB = 1024 * 1024;

    public async Task<SuiteReport> RunAsync()
    {
        var report = new SuiteReport("stream");
        using var producer = cluster.CreateDirectProducer();
        // BENCH_STREAM_PARTS=catchup,idle,fanout (default all) runs a part of the suite, e.g. to re-measure one line.
        var parts = (Environment.GetEnvironmentVariable("BENCH_STREAM_PARTS") ?? "catchup,idle,fanout").Split(',', StringSplitOptions.TrimEntries);
        if (parts.Contains("catchup"))
        {
            await CatchUpAsync(report, producer);
        }

        if (parts.Contains("idle"))
        {
            await IdlePrivateStreamsAsync(report, producer);
        }

        if (parts.Contains("fanout"))
        {
            await FanOutAsync(report, producer);
        }
        return report;
    }

    private async Task CatchUpAsync(SuiteReport report, IProducer<byte[]?, byte[]?> producer)
    {
        const string topic = "bench-catchup";
        cluster.CreateTopic(topic, 3);
        var records = new SensorRecords(await cluster.RegisterValueSchemaAsync(topic, SensorRecords.Schema));
        var count = settings.CatchUpRecords;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var value = records.Encode("s-1", now);
        for (var i = 0; i < count; i++)
        {
            ProduceRetrying(producer, topic, value);
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        using var http = LoadClient.Create(new LoadClientOptions(cluster.Http1Address, HttpVersion.Version11));

        async Task<double> Gateway()
        {
            var clock = Stopwatch.StartNew();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var seen = await SseSubscriber.ReadUntilAsync(http, $"/topics/{topic}/stream?from=earliest", count, timeout.Token);
            return seen / clock.Elapsed.TotalSeconds;
        }

        Task<double> Direct() => Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            using var consumer = cluster.CreateDirectConsumer();
            consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            var output = new ArrayBufferWriter<byte>(256);
            using var writer = new Utf8JsonWriter(output);
            long seen = 0;
            var deadline = Stopwatch.StartNew();
            while (seen < count && deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message?.Value is { } bytes)
                {
                    // Decoded to JSON like the gateway's stream, so both arms do the same work per record.
                    output.ResetWrittenCount();
                    writer.Reset(output);
                    records.Decode(bytes, writer);
                    writer.Flush();
                    seen++;
                }
            }

            consumer.Close();
            return seen / clock.Elapsed.TotalSeconds;
        });

        var results = await Alternation.RunAsync(settings.Rounds, ("gateway", Gateway), ("direct", Direct));
        var gateway = Spread.Of(results["gateway"]);
        var direct = Spread.Of(results["direct"]);
        var ratio = gateway.Median / direct.Median;
        report.Line("### Catch-up from earliest (one reader, 3 partitions)");
        report.Line();
        report.Line("| Records | Gateway SSE records/s | Direct consumer (+ Avro to JSON) records/s | Ratio |");
        report.Line("| ---: | ---: | ---: | ---: |");
        report.Line($"| {count:N0} | {gateway.Format()} | {direct.Format()} | {ratio:F2} |");
        report.Line();
        report.Check(ratio >= 0.50, $"stream catch-up: gateway {gateway.Median:N0}/s = {ratio:F3} x direct consumer {direct.Median:N0}/s (target >= 0.50)");
    }

    /// <summary>
    /// Memory of private streams (own consumer each) whose clients connected and never read: what the fetch and queue
    /// limits and the byte-bounded buffer cap, then what is returned once they close. Every point (before, open, after
    /// close) is measured the same way, after a warm-up and an aggressive full GC, so the figure is what the streams hold;
    /// the figure as sampled (uncollected garbage and the GC's retained free space included) is reported beside it.
    /// </summary>
    private async Task IdlePrivateStreamsAsync(SuiteReport report, IProducer<byte[]?, byte[]?> producer)
    {
        const string topic = "bench-idle-private";
        const string warmUpTopic = "bench-idle-warmup";
        cluster.CreateTopic(topic, 3);
        cluster.CreateTopic(warmUpTopic, 3);
        var records = new SensorRecords(await cluster.RegisterValueSchemaAsync(topic, SensorRecords.Schema));
        await cluster.RegisterValueSchemaAsync(warmUpTopic, SensorRecords.Schema);
        // ~1 KB Avro records, so the topic holds ~30 MB.
        var value = records.Encode(new string('s', 1000), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        for (var i = 0; i < IdleTopicRecords; i++)
        {
            ProduceRetrying(producer, topic, value);
        }

        for (var i = 0; i < 3000; i++)
        {
            ProduceRetrying(producer, warmUpTopic, value);
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        // The floor runs first: memory freed by the gateway's streams stays in glibc's arenas and would be reused by
        // consumers opened after them, hiding their cost.
        var floor = await BareConsumerFloorAsync(topic);
        var hub = cluster.Services.GetRequiredService<StreamHub>();
        using var http = LoadClient.Create(new LoadClientOptions(cluster.Http1Address, HttpVersion.Version11));

        // Warm-up: one idle stream of the same records on another (small) topic, opened, filled and closed, so code
        // compiled at the first stream, Kestrel's and the thread pool's first buffers and threads count as the
        // gateway's own, not per stream (they were 0.25 MiB of JIT code per stream alone). Its consumer's native memory,
        // which glibc keeps for reuse, could lower the figure by at most one consumer's share over all streams.
        var warmUp = new List<HttpResponseMessage>();
        try
        {
            warmUp.Add(await OpenIdleStreamAsync(http, warmUpTopic));
            await SettledResidentBytesAsync(TimeSpan.FromSeconds(15));
        }
        finally
        {
            DisposeAll(warmUp);
        }

        await AwaitClosedAsync(hub);
        var rssBefore = await HeldResidentBytesAsync();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var threadsBefore = ThreadCount();
        var responses = new List<HttpResponseMessage>();
        long rssOpenSampled, rssOpen, heapOpen, committedOpenForced, committedOpen;
        int threadsOpen;
        try
        {
            for (var i = 0; i < IdleStreams; i++)
            {
                responses.Add(await OpenIdleStreamAsync(http, topic));
            }

            // The consumers fill their queues, buffers and the sockets, then stop: wait for RSS to settle.
            rssOpenSampled = await SettledResidentBytesAsync(TimeSpan.FromSeconds(30));
            threadsOpen = ThreadCount();
            heapOpen = SettledHeap();
            committedOpenForced = GC.GetGCMemoryInfo().TotalCommittedBytes;
            rssOpen = await HeldResidentBytesAsync();
            committedOpen = GC.GetGCMemoryInfo().TotalCommittedBytes;
        }
        finally
        {
            DisposeAll(responses);
        }

        var consumersLeft = await AwaitClosedAsync(hub);
        var rssClosedSampled = await SettledResidentBytesAsync(TimeSpan.FromSeconds(15));
        var rssClosed = await HeldResidentBytesAsync();
        var perStream = (rssOpen - rssBefore) / (double)IdleStreams;
        var perStreamSampled = (rssOpenSampled - rssBefore) / (double)IdleStreams;
        var retained = rssClosed - rssBefore;
        var returnedShare = rssOpen > rssBefore ? (rssOpen - rssClosed) / (double)(rssOpen - rssBefore) : 1;
        var returnedSampledShare = rssOpenSampled > rssBefore ? (rssOpenSampled - rssClosedSampled) / (double)(rssOpenSampled - rssBefore) : 1;

        report.Line("### Idle private streams (from=earliest, connected, never reading)");
        report.Line();
        report.Line("| Streams | Topic | RSS before MiB | RSS open MiB | RSS per stream MiB | As sampled, per stream MiB | Threads per stream | RSS after close MiB | Returned after close | 15 s after close, nothing forced, MiB | Consumers left |");
        report.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        report.Line($"| {IdleStreams} | {IdleTopicRecords:N0} records, ~{IdleTopicRecords * (value.Length + 70) / MiB:N0} MiB | {rssBefore / MiB:N0} | {rssOpen / MiB:N0} | {perStream / MiB:F2} | {perStreamSampled / MiB:F2} | {(threadsOpen - threadsBefore) / (double)IdleStreams:F1} | {rssClosed / MiB:N0} | {returnedShare:P0} | {rssClosedSampled / MiB:N0} ({returnedSampledShare:P0} of the sampled growth returned) | {consumersLeft} |");
        report.Line();
        report.Line("Before, open and after close are each measured after an aggressive full GC (`GCCollectionMode.Aggressive`, which also returns the GC's free regions to the OS) and `malloc_trim` (glibc's free pages returned), RSS then sampled every 500 ms until it changes by less than 1 MiB over 2 s, after a warm-up stream on another topic (opened, filled, closed). " +
            "\"As sampled\" is the same open state before that GC: it adds garbage not yet collected and free space the GC keeps for its next allocations, which are the process's (bounded by the GC's budgets, not by the number of streams) and depend on the GC's settings and the CPU's cache size. " +
            "Both ends of each connection are in this process (the client side is one idle HttpClient connection), so the per-stream figure is an upper bound for the gateway. " +
            "Returned after close is (open − after close) / (open − before). The next column is RSS 15 s after the close with nothing forced: what the gateway gave back by itself (its consumers' native memory, which it trims after closes; the GC's free space is returned on the GC's own schedule).");
        report.Line();
        Console.WriteLine(FormattableString.Invariant($"idle private streams: {perStream / MiB:F2} MiB RSS per stream ({perStreamSampled / MiB:F2} as sampled), {returnedShare:P0} returned after close ({retained / MiB:N0} MiB above before)"));
        report.Check(perStream <= 4 * MiB && consumersLeft == 0,
            $"{IdleStreams} idle from=earliest streams on a ~30 MB topic: {perStream / MiB:F2} MiB RSS per stream (target <= 4 MiB; {perStreamSampled / MiB:F2} as sampled); after close {consumersLeft} consumers left, {returnedShare:P0} of the growth returned ({Math.Abs(retained) / MiB:N0} MiB {(retained >= 0 ? "above" : "below")} the start)");
        report.Line();
        report.Line(FormattableString.Invariant($"Of the growth per stream, the live managed heap (after a full GC) is {(heapOpen - heapBefore) / (double)IdleStreams / MiB:F2} MiB; the GC's committed memory was {committedOpenForced / MiB:N0} MiB after a forced full GC and {committedOpen / MiB:N0} MiB after the aggressive one; the rest of the growth is native (librdkafka, the in-process mock brokers, glibc arenas, thread stacks)."));
        report.Line();
        foreach (var line in floor)
        {
            report.Line(line);
        }
    }

    private static async Task<HttpResponseMessage> OpenIdleStreamAsync(HttpClient http, string topic)
    {
        var response = await http.GetAsync(new Uri($"/topics/{topic}/stream?from=earliest", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        try
        {
            response.EnsureSuccessStatusCode();
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static void DisposeAll(List<HttpResponseMessage> responses)
    {
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    /// <summary>Waits (at most 30 s) until the hub has closed every consumer and subscriber; returns the consumers left.</summary>
    private static async Task<int> AwaitClosedAsync(StreamHub hub)
    {
        var clock = Stopwatch.StartNew();
        while ((hub.ActiveConsumers > 0 || hub.ActiveSubscribers > 0) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        return hub.ActiveConsumers;
    }

    /// <summary>
    /// RSS after an aggressive full GC (garbage collected, the GC's free regions decommitted) and glibc's free pages
    /// returned (<see cref="KafkaGateway.Kafka.NativeHeap.Trim"/>), once settled: what the process holds. Without the trim,
    /// streams opened after other work (the produce phase, the floor's consumers) reuse memory glibc kept from it, and
    /// measured 0.7 MiB less each than they cost.
    /// </summary>
    private static async Task<long> HeldResidentBytesAsync()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        KafkaGateway.Kafka.NativeHeap.Trim();
        return await SettledResidentBytesAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// The floor under the gateway's per-stream figure: <see cref="IdleStreams"/> bare Confluent.Kafka consumers (no
    /// gateway, no HTTP) assigned at earliest on the same topic and never consumed, so they fill their prefetch queue
    /// and stop, as an idle private stream's consumer does. The mock brokers live in this process too, so their
    /// per-connection memory counts, as it does in the gateway line.
    /// </summary>
    private async Task<List<string>> BareConsumerFloorAsync(string topic)
    {
        var report = new List<string>();
        report.Add("Floor: the same number of bare Confluent.Kafka consumers (no gateway, no HTTP), assigned at earliest on the same topic and never consumed:");
        report.Add("");
        report.Add("| Consumer settings | RSS per consumer MiB | Threads per consumer |");
        report.Add("| --- | ---: | ---: |");
        (string Name, Action<ConsumerConfig> Set)[] variants =
        [
            ("the previous limits (fetch.max.bytes 1 MiB, max.partition.fetch.bytes 256 KiB, queued.max.messages.kbytes 1024, queued.min.messages 1000)", c =>
            {
                c.FetchMaxBytes = 1024 * 1024;
                c.MaxPartitionFetchBytes = 256 * 1024;
                c.QueuedMaxMessagesKbytes = 1024;
                c.QueuedMinMessages = 1000;
            }),
            ($"the gateway's limits (StreamConsumerLimits: fetch.max.bytes = message.max.bytes {StreamConsumerLimits.FetchMaxBytes / 1024} KiB, max.partition.fetch.bytes {StreamConsumerLimits.MaxPartitionFetchBytes / 1024} KiB, queued.max.messages.kbytes {StreamConsumerLimits.QueuedKilobytes}, queued.min.messages {StreamConsumerLimits.QueuedMinMessages})", StreamConsumerLimits.Apply),
            ("no prefetch at all (assigned at the end offset: connections and threads only)", _ => { }),
        ];
        foreach (var (name, set) in variants)
        {
            var atEnd = name.StartsWith("no prefetch", StringComparison.Ordinal);
            SettledHeap();
            var before = await SettledResidentBytesAsync(TimeSpan.FromSeconds(10));
            var threadsBefore = ThreadCount();
            var consumers = new List<IConsumer<byte[], byte[]>>();
            long open;
            int threadsOpen;
            try
            {
                for (var i = 0; i < IdleStreams; i++)
                {
                    var config = new ConsumerConfig
                    {
                        BootstrapServers = cluster.BootstrapServers,
                        BrokerAddressFamily = BrokerAddressFamily.V4,
                        GroupId = "bench-floor-" + Guid.NewGuid().ToString("N"),
                        EnableAutoCommit = false,
                        EnableAutoOffsetStore = false,
                        AutoOffsetReset = AutoOffsetReset.Error,
                        EnablePartitionEof = false,
                        FetchWaitMaxMs = 100,
                        IsolationLevel = IsolationLevel.ReadCommitted,
                    };
                    set(config);
                    var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
                    consumers.Add(consumer);
                    consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, atEnd ? Offset.End : Offset.Beginning)));
                    consumer.Consume(TimeSpan.Zero);
                }

                open = await SettledResidentBytesAsync(TimeSpan.FromSeconds(30));
                threadsOpen = ThreadCount();
            }
            finally
            {
                foreach (var consumer in consumers)
                {
                    consumer.Close();
                    consumer.Dispose();
                }
            }

            var per = (open - before) / (double)IdleStreams;
            report.Add($"| {name} | {per / MiB:F2} | {(threadsOpen - threadsBefore) / (double)IdleStreams:F1} |");
            Console.WriteLine(FormattableString.Invariant($"bare consumer floor ({name[..Math.Min(20, name.Length)]}): {per / MiB:F2} MiB RSS, {(threadsOpen - threadsBefore) / (double)IdleStreams:F1} threads per consumer"));
        }

        report.Add("");
        return report;
    }

    private static void ProduceRetrying(IProducer<byte[]?, byte[]?> producer, string topic, byte[] value)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = value });
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>RSS once it moved by less than 1 MiB over the last 2 s (or when <paramref name="limit"/> is reached).</summary>
    private static async Task<long> SettledResidentBytesAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var samples = new List<long> { MachineDescription.ResidentBytes() };
        while (clock.Elapsed < limit)
        {
            await Task.Delay(500);
            samples.Add(MachineDescription.ResidentBytes());
            if (samples.Count >= 5 && samples.TakeLast(5).Max() - samples.TakeLast(5).Min() < MiB)
            {
                break;
            }
        }

        return samples[^1];
    }

    private static int ThreadCount()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    private async Task FanOutAsync(SuiteReport report, IProducer<byte[]?, byte[]?> producer)
    {
        report.Line("### Live fan-out at 100 records/s (SSE, HTTP/1.1, one connection per subscriber)");
        report.Line();
        report.Line("| Subscribers | Records produced | Expected events/s | Delivered events/s | Delivered share | Subscribers with every record | Overflowed | p50 ms | p99 ms | max ms | RSS per subscriber KiB | Managed heap per subscriber KiB | Direct consumer p50 / p99 ms |");
        report.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var delivered = new List<Spread>();
        var expected = new List<Spread>();
        var p50s = new List<Spread>();
        var p99s = new List<Spread>();
        var directP99s = new List<Spread>();
        // The scale line: over HTTP/1.1, 10,000 subscribers would need 20,000 sockets in this process (both ends), above
        // the open-file limit of the machines this runs on (a container's hard limit of 20,000 cannot be raised); over
        // HTTP/2 (h2c) they share ~100 connections (Kestrel's 100 streams per connection), as browsers' EventSources do.
        IReadOnlyList<int> counts = Environment.GetEnvironmentVariable("BENCH_FANOUT_SUBSCRIBERS") is { Length: > 0 } only
            ? [.. only.Split(',').Select(c => int.Parse(c, System.Globalization.CultureInfo.InvariantCulture))]
            : [.. settings.Subscribers, ScaleSubscribers];
        foreach (var subscribers in counts)
        {
            // BENCH_FANOUT_HTTP2=1 runs every line over HTTP/2, to tell the protocol's cost from the subscriber count's.
            var http2 = Environment.GetEnvironmentVariable("BENCH_FANOUT_HTTP2") == "1"
                || (subscribers == ScaleSubscribers && OpenFileLimit() < 2L * ScaleSubscribers + 2000);
            var result = await FanOutOnceAsync(producer, subscribers, http2);
            var share = result.DeliveredPerSecond / (subscribers * (double)ProduceRate);
            var rss = subscribers < 100 ? "–" : (result.RssPerSubscriber / 1024).ToString("N1", System.Globalization.CultureInfo.InvariantCulture);
            delivered.Add(new Spread(result.DeliveredPerSecond, result.DeliveredPerSecond, result.DeliveredPerSecond));
            expected.Add(new Spread(subscribers * (double)ProduceRate, subscribers * (double)ProduceRate, subscribers * (double)ProduceRate));
            p50s.Add(new Spread(result.Latency.P50, result.Latency.P50, result.Latency.P50));
            p99s.Add(new Spread(result.Latency.P99, result.Latency.P99, result.Latency.P99));
            directP99s.Add(new Spread(result.Direct.P99, result.Direct.P99, result.Direct.P99));
            report.Line($"| {subscribers:N0}{(http2 ? " (HTTP/2)" : "")} | {result.Produced:N0} | {subscribers * ProduceRate:N0} | {result.DeliveredPerSecond:N0} | {share:P1} | {result.Complete:N0} / {subscribers:N0} | {result.Overflowed:N0} | {result.Latency.P50:F1} | {result.Latency.P99:F1} | {result.Latency.Max:F1} | {rss} | {(subscribers < 100 ? "–" : (result.HeapPerSubscriber / 1024).ToString("N1", System.Globalization.CultureInfo.InvariantCulture))} | {result.Direct.P50:F1} / {result.Direct.P99:F1} |");
            // Below 100 subscribers RSS noise exceeds the subscribers' memory (N = 1 printed negative figures): not shown.
            Console.WriteLine(FormattableString.Invariant($"fan-out {subscribers}: {result.Complete}/{subscribers} complete, {share:P1} delivered, {result.Overflowed} overflowed, p99 {result.Latency.P99:F1} ms, {rss} KiB RSS/subscriber"));
            if (subscribers == ScaleSubscribers)
            {
                report.Line();
                // No latency target at this scale; MISS only when nothing measured arrived at all.
                report.Check(share > 0,
                    $"scale line (no target): {subscribers:N0} live subscribers at {ProduceRate} records/s: {share:P1} of the events delivered, {result.Complete:N0}/{subscribers:N0} got every record, {result.Overflowed:N0} overflowed, p99 {result.Latency.P99:F1} ms, {result.RssPerSubscriber / 1024:N1} KiB RSS per subscriber");
            }
            else if (subscribers == settings.Subscribers[^1])
            {
                report.Line();
                report.Check(result.Complete == subscribers && result.Latency.P99 <= 250 && result.RssPerSubscriber <= 64 * 1024,
                    $"{subscribers:N0} live subscribers at {ProduceRate} records/s: {result.Complete:N0}/{subscribers:N0} got every record, p99 {result.Latency.P99:F1} ms (target <= 250 ms), {result.RssPerSubscriber / 1024:N1} KiB RSS per subscriber (target <= 64 KiB)");
            }
        }

        report.Line();
        report.Line("RSS and managed heap per subscriber are (after − before) / N with the subscribers connected and idle, each after a full GC (not shown below 100 subscribers, where it is noise). " +
            "Both ends of every connection live in this process, so the figures include the load generator's HttpClient connection and SSE parser: an upper bound for the gateway.");
        report.Line("The 10,000-subscriber line has no target: it shows where one gateway process on this machine saturates (100 records/s x 10,000 = 1,000,000 events/s, with the load generator in the same process). " +
            "Subscribers that fall behind by more than `Streaming:SubscriberBufferBytes` are overflowed and disconnected, as designed (Overflowed column). " +
            $"It runs over HTTP/2 (h2c, ~100 streams per connection) when the open-file limit is below {2 * ScaleSubscribers + 2000:N0} (this run: {OpenFileLimit():N0}), as 10,000 HTTP/1.1 connections need twice that many sockets in this process.");
        report.Line();
        var categories = counts.Select(s => s.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        report.Plots["stream-fanout.svg"] = SvgChart.Line("Live SSE fan-out at 100 records/s", "subscribers", "events/s",
            categories, [new("delivered", delivered), new("expected (N x 100)", expected, Dashed: true)], logY: true);
        report.Plots["stream-latency.svg"] = SvgChart.Line("Record-to-client latency, live fan-out", "subscribers", "latency ms",
            categories, [new("gateway SSE p50", p50s), new("gateway SSE p99", p99s), new("direct consumer p99", directP99s, Dashed: true)], logY: true);
    }

    private sealed record FanOutResult(long Produced, double DeliveredPerSecond, int Complete, int Overflowed, Latencies Latency, double RssPerSubscriber, double HeapPerSubscriber, Latencies Direct);

    /// <summary>The soft limit of open files of this process (Linux), or <see cref="long.MaxValue"/> when unknown.</summary>
    private static long OpenFileLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return soft is null ? long.MaxValue : soft == "unlimited" ? long.MaxValue : long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return long.MaxValue;
        }
    }

    private async Task<FanOutResult> FanOutOnceAsync(IProducer<byte[]?, byte[]?> producer, int subscriberCount, bool http2)
    {
        var topic = $"bench-fanout-{subscriberCount}";
        cluster.CreateTopic(topic, 3);
        var records = new SensorRecords(await cluster.RegisterValueSchemaAsync(topic, SensorRecords.Schema));
        using var http = LoadClient.Create(http2
            ? new LoadClientOptions(cluster.Http2Address, HttpVersion.Version20)
            : new LoadClientOptions(cluster.Http1Address, HttpVersion.Version11));
        // The previous run's streams close asynchronously: they would count against Streaming:MaxStreamsPerClient.
        var hub = cluster.Services.GetRequiredService<StreamHub>();
        var closing = Stopwatch.StartNew();
        while (hub.ActiveSubscribers > 0 && closing.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        var heapBefore = SettledHeap();
        var rssBefore = MachineDescription.ResidentBytes();

        var measured = new long[subscriberCount];
        var warm = new int[subscriberCount];
        var latencies = Enumerable.Range(0, subscriberCount).Select(_ => new List<double>()).ToArray();
        var subscribers = new List<SseSubscriber>(subscriberCount);
        using var connectTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(2 + subscriberCount / 2000));
        try
        {
            // Connected a few at a time: a thousand simultaneous handshakes measure the accept queue, not streaming.
            for (var i = 0; i < subscriberCount; i += 50)
            {
                var batch = Enumerable.Range(i, Math.Min(50, subscriberCount - i)).Select(index =>
                {
                    var subscriber = new SseSubscriber(http, $"/topics/{topic}/stream", record =>
                    {
                        if (record.Id is { } id && id.StartsWith('m'))
                        {
                            latencies[index].Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - record.ValueTimestampMs);
                            measured[index]++;
                        }
                        else if (record.Id is ['w', '-', .. var n] && int.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out var number))
                        {
                            // Warm-up records arrive in order: the last one seen is the highest.
                            Volatile.Write(ref warm[index], number + 1);
                        }
                    });
                    subscribers.Add(subscriber);
                    return subscriber.ConnectAsync(connectTimeout.Token);
                }).ToArray();
                await Task.WhenAll(batch);
            }

            // The shared live tail starts at the end of the topic when its consumer is assigned; warm-up records until
            // every subscriber has one make sure no measured record predates that. They come every 2 s, not faster:
            // with 10,000 subscribers the first one takes seconds to reach all, and every extra warm-up record is
            // 10,000 events queued ahead of the measured ones (at 200 ms, 29 of them were 290,000 events, more than
            // the 15 s drain could deliver on a loaded machine: none of the measured records arrived). Then one last
            // warm-up record, and the measurement starts once every subscriber has it: the queues are empty.
            var warmDeadline = Stopwatch.StartNew();
            var w = 0;
            var warmLimit = TimeSpan.FromSeconds(60 + subscriberCount / 100);
            while (warm.Any(x => x == 0))
            {
                if (warmDeadline.Elapsed > warmLimit)
                {
                    throw new InvalidOperationException($"Only {warm.Count(x => x > 0)} of {subscriberCount} subscribers received a warm-up record within {warmLimit.TotalSeconds:N0} s.");
                }

                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = records.Encode($"w-{w++}", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) });
                var next = Stopwatch.StartNew();
                while (warm.Any(x => x == 0) && next.Elapsed < TimeSpan.FromSeconds(2))
                {
                    await Task.Delay(50);
                }
            }

            var last = w++;
            producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = records.Encode($"w-{last}", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) });
            while (warm.Any(x => x <= last) && warmDeadline.Elapsed < warmLimit)
            {
                await Task.Delay(50);
            }

            Console.WriteLine(FormattableString.Invariant($"fan-out {subscriberCount}: warm after {warmDeadline.Elapsed.TotalSeconds:F1} s, {w} warm-up records, {warm.Count(x => x > last)} subscribers had the last, {hub.ActiveSubscribers} in the hub"));
            var heapAfter = SettledHeap();
            var rssAfter = MachineDescription.ResidentBytes();

            // Reference arm: one direct consumer of the same records, so the mock cluster's own delivery latency
            // (fetch wait, linger) can be told apart from the gateway's.
            using var stopDirect = new CancellationTokenSource();
            var directLatencies = new List<double>();
            var direct = Task.Run(() => ReadDirect(topic, records, directLatencies, stopDirect.Token), CancellationToken.None);
            await Task.Delay(1000);

            var total = (int)(ProduceRate * settings.FanoutRun.TotalSeconds);
            var clock = Stopwatch.StartNew();
            for (var n = 0; n < total; n++)
            {
                var due = TimeSpan.FromSeconds(n / (double)ProduceRate);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = records.Encode($"m-{n}", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
            // Drained when every subscriber has every record, or when nothing more arrived for 5 s (at most 15 s, or
            // 120 s for the scale line, whose backlog at saturation is longer).
            var drain = Stopwatch.StartNew();
            var drainLimit = TimeSpan.FromSeconds(subscriberCount >= ScaleSubscribers ? 120 : 15);
            var lastSum = measured.Sum();
            var lastProgress = Stopwatch.StartNew();
            while (measured.Any(m => m < total) && drain.Elapsed < drainLimit && lastProgress.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(100);
                var sum = measured.Sum();
                if (sum != lastSum)
                {
                    lastSum = sum;
                    lastProgress.Restart();
                }
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            Console.WriteLine(FormattableString.Invariant($"fan-out {subscriberCount}: after drain {hub.ActiveSubscribers} subscribers in the hub, {subscribers.Count(s => s.Ended)} streams ended by the gateway, {measured.Count(m => m > 0)} got a measured record, drain {drain.Elapsed.TotalSeconds:F1} s"));
            await stopDirect.CancelAsync();
            await direct;
            // Stopped before the counts are read, so no subscriber still writes to them.
            await Task.WhenAll(subscribers.Select(s => s.DisposeAsync().AsTask()));
            var received = measured.Sum();
            var failures = subscribers.Count(s => s.Failure is not null);
            if (failures > 0)
            {
                Console.WriteLine($"fan-out {subscriberCount}: {failures} subscriber(s) failed, first: {subscribers.First(s => s.Failure is not null).Failure!.Message}");
            }

            var all = latencies.SelectMany(l => l.ToArray());
            return new FanOutResult(total, received / elapsed, measured.Count(m => m == total), subscribers.Count(s => s.Overflowed), Latencies.From(all),
                (rssAfter - rssBefore) / (double)subscriberCount, (heapAfter - heapBefore) / (double)subscriberCount, Latencies.From(directLatencies));
        }
        finally
        {
            await Task.WhenAll(subscribers.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    private void ReadDirect(string topic, SensorRecords records, List<double> latencies, CancellationToken stop)
    {
        using var consumer = cluster.CreateDirectConsumer();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.End)));
        var output = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(output);
        while (!stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message?.Value is not { } bytes)
            {
                continue;
            }

            output.ResetWrittenCount();
            writer.Reset(output);
            records.Decode(bytes, writer);
            writer.Flush();
            using var document = JsonDocument.Parse(output.WrittenMemory);
            var root = document.RootElement;
            if (root.GetProperty("id").GetString() is ['m', ..])
            {
                latencies.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - root.GetProperty("timestamp").GetInt64());
            }
        }

        consumer.Close();
    }

    private static long SettledHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }
}
