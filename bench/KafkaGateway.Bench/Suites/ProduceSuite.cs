using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Bench.LoadGeneration;
using KafkaGateway.Bench.Reporting;

namespace KafkaGateway.Bench.Suites;

/// <summary>
/// Produce: the gateway (HTTP, JSON in, Avro out) against a direct Confluent.Kafka producer writing the same Avro bytes
/// to the same cluster with the same settings, in alternating rounds.
/// </summary>
internal sealed class ProduceSuite(BenchCluster cluster, BenchSettings settings)
{
    private static readonly int[] s_batchSizes = [1, 10, 100, 1000];
    private static readonly double[] s_loads = [0.25, 0.50, 0.75];
    private const int SingleRecordConcurrency = 64;

    private static int ConcurrencyFor(int batchSize) => batchSize <= 10 ? 32 : 16;

    public async Task<SuiteReport> RunAsync()
    {
        var report = new SuiteReport("produce");
        const string topic = "bench-produce";
        cluster.CreateTopic(topic, 3);
        var schemaId = await cluster.RegisterValueSchemaAsync(topic, SensorRecords.Schema);
        var records = new SensorRecords(schemaId);
        using var http1 = LoadClient.Create(new LoadClientOptions(cluster.Http1Address, HttpVersion.Version11, MaxConnections: 256));
        using var http2 = LoadClient.Create(new LoadClientOptions(cluster.Http2Address, HttpVersion.Version20));
        using var producer = cluster.CreateDirectProducer();
        using var template = JsonDocument.Parse(SensorRecords.Json("s-1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        var path = new Uri($"/topics/{topic}/records", UriKind.Relative);

        Func<Task<int>> Gateway(HttpClient http, int batchSize, bool single = false)
        {
            var body = SensorRecords.RequestBody(batchSize, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), single);
            return async () =>
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(path, content);
                await response.Content.LoadIntoBufferAsync();
                return response.StatusCode == HttpStatusCode.OK ? batchSize : 0;
            };
        }

        Func<Task<int>> Direct(int batchSize) => async () =>
        {
            var deliveries = new Task<DeliveryResult<byte[]?, byte[]?>>[batchSize];
            var now = new Timestamp(DateTimeOffset.UtcNow);
            for (var i = 0; i < batchSize; i++)
            {
                // Serialized per record, as the gateway does: the same codec and framing, so the same bytes.
                deliveries[i] = producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = records.Encode(template.RootElement), Timestamp = now });
            }

            var results = await Task.WhenAll(deliveries);
            return results.All(r => r.Status == PersistenceStatus.Persisted) ? batchSize : 0;
        };

        // JIT, connection pools and the producers' metadata warm up once, unmeasured, before the first arm runs.
        Console.WriteLine("produce: warming up");
        foreach (var warm in new[] { Gateway(http1, 1, single: true), Gateway(http2, 1, single: true), Gateway(http1, 100), Direct(1), Direct(100) })
        {
            await LoadRunner.ClosedLoopAsync(SingleRecordConcurrency, TimeSpan.Zero, settings.Warmup * 3, warm);
        }

        // 1. Throughput against batch size.
        var gatewayBatch = new List<Spread>();
        var directBatch = new List<Spread>();
        var gatewayCpu = new List<Spread>();
        var directCpu = new List<Spread>();
        report.Line("### Throughput against records per request (closed loop)");
        report.Line();
        report.Line("| Records/request | Concurrency | Gateway HTTP/1.1 records/s | Direct producer records/s | Ratio | Gateway CPU µs/record | Direct CPU µs/record | Gateway alloc B/record | Direct alloc B/record | Failed requests |");
        report.Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var batchSize in s_batchSizes)
        {
            var concurrency = ConcurrencyFor(batchSize);
            var results = await Alternation.RunAsync(settings.Rounds, 
                ("gateway", () => LoadRunner.ClosedLoopAsync(concurrency, settings.Warmup, settings.Measure, Gateway(http1, batchSize))),
                ("direct", () => LoadRunner.ClosedLoopAsync(concurrency, settings.Warmup, settings.Measure, Direct(batchSize))));
            var gateway = Spread.Of(results["gateway"].Select(r => r.RecordsPerSecond));
            var direct = Spread.Of(results["direct"].Select(r => r.RecordsPerSecond));
            var gCpu = Spread.Of(results["gateway"].Select(r => r.CpuMicrosecondsPerRecord));
            var dCpu = Spread.Of(results["direct"].Select(r => r.CpuMicrosecondsPerRecord));
            gatewayBatch.Add(gateway);
            directBatch.Add(direct);
            gatewayCpu.Add(gCpu);
            directCpu.Add(dCpu);
            var failures = results.Values.SelectMany(r => r).Sum(r => r.Failures);
            report.Line($"| {batchSize:N0} | {concurrency} | {gateway.Format()} | {direct.Format()} | {gateway.Median / direct.Median:F2} | {gCpu.Format("F1")} | {dCpu.Format("F1")} | {Spread.Of(results["gateway"].Select(r => r.AllocatedBytesPerRecord)).Format()} | {Spread.Of(results["direct"].Select(r => r.AllocatedBytesPerRecord)).Format()} | {failures} |");
            Console.WriteLine(FormattableString.Invariant($"produce batch={batchSize}: gateway {gateway.Median:N0}/s, direct {direct.Median:N0}/s"));
        }

        report.Line();
        var batchRatio = gatewayBatch[^1].Median / directBatch[^1].Median;
        report.Check(batchRatio >= 0.70, $"produce 1,000 records/request: gateway {gatewayBatch[^1].Median:N0}/s = {batchRatio:F3} x direct {directBatch[^1].Median:N0}/s (target >= 0.70)");

        var categories = s_batchSizes.Select(b => b.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        report.Plots["produce-throughput.svg"] = SvgChart.Line("Produce throughput against batch size", "records per request (per ProduceAsync batch for direct)",
            "records/s", categories, [new("gateway (HTTP/1.1)", gatewayBatch), new("direct Confluent.Kafka", directBatch, Dashed: true)], logY: true);
        report.Plots["produce-cpu.svg"] = SvgChart.Line("Process CPU per record", "records per request", "CPU µs per record",
            categories, [new("gateway arm (client + gateway)", gatewayCpu), new("direct arm", directCpu, Dashed: true)], logY: true);

        // 2. Single-record requests at concurrency 64.
        var single = await Alternation.RunAsync(settings.Rounds, 
            ("gateway HTTP/1.1", () => LoadRunner.ClosedLoopAsync(SingleRecordConcurrency, settings.Warmup, settings.Measure, Gateway(http1, 1, single: true))),
            ("gateway HTTP/2", () => LoadRunner.ClosedLoopAsync(SingleRecordConcurrency, settings.Warmup, settings.Measure, Gateway(http2, 1, single: true))),
            ("direct", () => LoadRunner.ClosedLoopAsync(SingleRecordConcurrency, settings.Warmup, settings.Measure, Direct(1))));
        report.Line("### Single-record requests at concurrency 64 (closed loop)");
        report.Line();
        report.Line("| Arm | Records/s | Ratio to direct | CPU µs/record | Alloc B/record | Failed requests |");
        report.Line("| --- | ---: | ---: | ---: | ---: | ---: |");
        var directSingle = Spread.Of(single["direct"].Select(r => r.RecordsPerSecond));
        var maxRates = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (arm, runs) in single)
        {
            var rate = Spread.Of(runs.Select(r => r.RecordsPerSecond));
            maxRates[arm] = rate.Median;
            report.Line($"| {arm} | {rate.Format()} | {rate.Median / directSingle.Median:F2} | {Spread.Of(runs.Select(r => r.CpuMicrosecondsPerRecord)).Format("F1")} | {Spread.Of(runs.Select(r => r.AllocatedBytesPerRecord)).Format()} | {runs.Sum(r => r.Failures)} |");
        }

        report.Line();
        var singleRatio = maxRates["gateway HTTP/1.1"] / directSingle.Median;
        var singleRatio2 = maxRates["gateway HTTP/2"] / directSingle.Median;

        // 3. Open-loop latency at 25/50/75 % of each arm's own maximum.
        report.Line("### Latency at fixed rates (open loop, from the scheduled send time)");
        report.Line();
        report.Line("| Arm | Load | Target rate/s | Achieved rate/s | p50 ms | p99 ms | p99.9 ms | max ms | Failed |");
        report.Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var latencySeries = new Dictionary<string, List<Latencies>>(StringComparer.Ordinal);
        foreach (var load in s_loads)
        {
            var arms = new (string, Func<Task<FixedRateResult>>)[]
            {
                ("gateway HTTP/1.1", () => LoadRunner.FixedRateAsync(maxRates["gateway HTTP/1.1"] * load, settings.LatencyRun, Gateway(http1, 1, single: true))),
                ("gateway HTTP/2", () => LoadRunner.FixedRateAsync(maxRates["gateway HTTP/2"] * load, settings.LatencyRun, Gateway(http2, 1, single: true))),
                ("direct", () => LoadRunner.FixedRateAsync(maxRates["direct"] * load, settings.LatencyRun, Direct(1))),
            };
            foreach (var (arm, run) in arms)
            {
                var result = await run();
                (latencySeries.TryGetValue(arm, out var list) ? list : latencySeries[arm] = []).Add(result.Latency);
                var l = result.Latency;
                report.Line($"| {arm} | {load:P0} | {result.TargetRate:N0} | {result.AchievedRate:N0} | {l.P50:F2} | {l.P99:F2} | {l.P999:F2} | {l.Max:F2} | {result.Failures} |");
                Console.WriteLine(FormattableString.Invariant($"latency {arm} at {load:P0} ({result.TargetRate:N0}/s): p50 {l.P50:F2} ms, p99 {l.P99:F2} ms, p99.9 {l.P999:F2} ms"));
            }
        }

        report.Line();
        var p99AtHalf = latencySeries["gateway HTTP/1.1"][1].P99;
        var p99AtHalf2 = latencySeries["gateway HTTP/2"][1].P99;
        report.Check(singleRatio >= 0.50 && p99AtHalf <= 25,
            $"single-record produce at concurrency 64 (HTTP/1.1): {maxRates["gateway HTTP/1.1"]:N0}/s = {singleRatio:F3} x direct {directSingle.Median:N0}/s (target >= 0.50), p99 at 50 % load {p99AtHalf:F1} ms (target <= 25 ms)");
        report.Check(singleRatio2 >= 0.50 && p99AtHalf2 <= 25,
            $"single-record produce at concurrency 64 (HTTP/2): {maxRates["gateway HTTP/2"]:N0}/s = {singleRatio2:F3} x direct (target >= 0.50), p99 at 50 % load {p99AtHalf2:F1} ms (target <= 25 ms)");

        var loadNames = s_loads.Select(l => l.ToString("P0", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var lines = new List<ChartSeries>();
        foreach (var (arm, list) in latencySeries)
        {
            lines.Add(new($"{arm} p50", list.Select(l => new Spread(l.P50, l.P50, l.P50)).ToArray(), Dashed: true));
            lines.Add(new($"{arm} p99", list.Select(l => new Spread(l.P99, l.P99, l.P99)).ToArray()));
            lines.Add(new($"{arm} p99.9", list.Select(l => new Spread(l.P999, l.P999, l.P999)).ToArray()));
        }

        report.Plots["produce-latency.svg"] = SvgChart.Line("Single-record produce latency (open loop)", "load (share of each arm's max rate)", "latency ms",
            loadNames, lines, logY: true);
        return report;
    }
}
