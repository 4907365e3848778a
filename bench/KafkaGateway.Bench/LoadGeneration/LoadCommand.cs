using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using KafkaGateway.Bench.Harness;

namespace KafkaGateway.Bench.LoadGeneration;

/// <summary>
/// <c>load</c>: the load generator on its own, against any running gateway (the topic must have the sensor schema):
/// produce closed-loop (<c>--concurrency</c>) or at a fixed rate (<c>--rate</c>), or hold <c>--subscribers</c> SSE streams.
/// </summary>
/// <example>
/// load --url https://gateway:8443 --topic sensors --http 2 --rate 2000 --seconds 30 --cert client.crt --key client.key --ca ca.crt
/// load --url http://localhost:5080 --topic sensors --concurrency 64 --batch 100
/// load --url http://localhost:5080 --topic sensors --subscribers 200 --seconds 60
/// </example>
internal static class LoadCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name)
        {
            var index = Array.IndexOf(args, "--" + name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        int IntOption(string name, int fallback) => Option(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

        if (Option("url") is not { } url || Option("topic") is not { } topic)
        {
            Console.Error.WriteLine("usage: load --url <gateway> --topic <topic> [--http 1.1|2] [--concurrency N | --rate R | --subscribers N] " +
                "[--batch N] [--seconds S] [--cert file(.pem|.pfx)] [--key key.pem] [--ca ca.pem]");
            return 2;
        }

        var version = Option("http") == "2" ? HttpVersion.Version20 : HttpVersion.Version11;
        var seconds = TimeSpan.FromSeconds(IntOption("seconds", 10));
        using var http = LoadClient.Create(new LoadClientOptions(new Uri(url), version, 1024, Option("cert"), Option("key"), Option("ca")));
        if (Option("subscribers") is not null)
        {
            var count = IntOption("subscribers", 1);
            long received = 0;
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var subscribers = Enumerable.Range(0, count).Select(_ => new SseSubscriber(http, $"/topics/{Uri.EscapeDataString(topic)}/stream", record =>
            {
                Interlocked.Increment(ref received);
                latencies.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - record.ValueTimestampMs);
            })).ToList();
            await Task.WhenAll(subscribers.Select(s => s.ConnectAsync(CancellationToken.None)));
            await Task.Delay(seconds);
            await Task.WhenAll(subscribers.Select(s => s.DisposeAsync().AsTask()));
            var l = Latencies.From(latencies);
            Console.WriteLine(FormattableString.Invariant($"{count} subscribers: {received / seconds.TotalSeconds:N0} events/s; value.timestamp-to-client p50 {l.P50:F1} ms, p99 {l.P99:F1} ms"));
            return 0;
        }

        var batch = IntOption("batch", 1);
        var path = new Uri($"/topics/{Uri.EscapeDataString(topic)}/records", UriKind.Relative);
        async Task<int> Produce()
        {
            // Fresh timestamps so that stream subscribers can measure record-to-client latency.
            using var content = new ByteArrayContent(SensorRecords.RequestBody(batch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), single: batch == 1));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(path, content);
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK ? batch : 0;
        }

        if (Option("rate") is { } rate)
        {
            var result = await LoadRunner.FixedRateAsync(double.Parse(rate, CultureInfo.InvariantCulture), seconds, Produce);
            Console.WriteLine(FormattableString.Invariant(
                $"fixed rate {result.TargetRate:N0} requests/s (achieved {result.AchievedRate:N0}), {result.Failures} failed; latency from scheduled send: p50 {result.Latency.P50:F2} ms, p99 {result.Latency.P99:F2} ms, p99.9 {result.Latency.P999:F2} ms, max {result.Latency.Max:F2} ms"));
            return 0;
        }

        var closed = await LoadRunner.ClosedLoopAsync(IntOption("concurrency", 64), TimeSpan.FromSeconds(1), seconds, Produce);
        Console.WriteLine(FormattableString.Invariant(
            $"closed loop: {closed.RecordsPerSecond:N0} records/s ({closed.Operations / closed.Elapsed.TotalSeconds:N0} requests/s), {closed.Failures} failed requests, {closed.CpuMicrosecondsPerRecord:F1} µs load-generator CPU per record"));
        return 0;
    }
}
