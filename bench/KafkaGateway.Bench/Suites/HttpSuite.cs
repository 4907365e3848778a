using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using KafkaGateway.Bench.External;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Bench.LoadGeneration;
using KafkaGateway.Bench.Reporting;
using KafkaGateway.Kafka;

namespace KafkaGateway.Bench.Suites;

/// <summary>
/// Per-request cost of the gateway, measured from outside: the gateway runs as its own process (Release,
/// Development settings, embedded cluster), wrk and h2load load it from their own processes, and the gateway's CPU
/// comes from /proc. The direct Confluent.Kafka arm runs in this process on its own embedded cluster, as the
/// reference for the Kafka work itself (brokers included on both sides).
/// </summary>
internal sealed class HttpSuite(BenchSettings settings)
{
    private const string Topic = "bench-sensors";
    private const string ApiKey = "bench-key-0123456789";
    private static readonly int[] s_batchSizes = [10, 100, 1000];
    private static readonly int[] s_directBatchSizes = [1, 10, 100, 1000];
    private static readonly int[] s_floorBatchSizes = [10, 100];

    private static int ConcurrencyFor(int batchSize) => batchSize <= 10 ? 32 : 16;

    private double Seconds => settings.Quick ? 2 : 10;

    /// <summary>
    /// Measured runs per figure: one in quick mode, which has to stay under three minutes with the build (about 40 %
    /// of it is the four processes' warm-ups), the settings' rounds (3) in full mode.
    /// </summary>
    private int Rounds => settings.Quick ? 1 : settings.Rounds;

    private double WarmupSeconds => settings.Quick ? 1 : 3;

    public async Task<SuiteReport?> RunAsync()
    {
        if (!LoadTools.Ensure())
        {
            return null;
        }

        var report = new SuiteReport("produce");
        var scripts = Path.Combine(settings.OutputDirectory, "load");
        Directory.CreateDirectory(scripts);

        var direct = await DirectArmAsync();
        report.Line("### Direct Confluent.Kafka producer (in-process reference, brokers included)");
        report.Line();
        report.Line("| Records per awaited batch | Concurrency | Records/s | CPU µs/record |");
        report.Line("| ---: | ---: | ---: | ---: |");
        foreach (var (batch, result) in direct)
        {
            report.Line($"| {batch:N0} | {(batch == 1 ? 256 : ConcurrencyFor(batch))} | {result.RecordsPerSecond:N0} | {result.CpuMicrosecondsPerRecord:F1} |");
        }

        report.Line();
        var floor = await FloorArmAsync(report, scripts, direct);
        await GatewayArmAsync(report, "anonymous", new Dictionary<string, string>(), headers: new Dictionary<string, string>(), scripts, direct, floor, full: true);
        await GatewayArmAsync(report, "api-key", new Dictionary<string, string>
        {
            ["Security:AllowAnonymous"] = "false",
            ["Security:Authentication:ApiKeys:0:Name"] = "bench",
            ["Security:Authentication:ApiKeys:0:Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApiKey))),
            ["Security:Authorization:Rules:0:Principal"] = "apikey:bench",
            ["Security:Authorization:Rules:0:Topics:0"] = "*",
            ["Security:Authorization:Rules:0:Permissions:0"] = "produce",
            ["Security:Authorization:Rules:0:Permissions:1"] = "schemas:write",
            ["Security:Authorization:Rules:0:Permissions:2"] = "cluster",
            // Rate limiting on (high enough never to refuse): its per-request cost is part of the secured arm.
            ["Security:Limits:RequestsPerSecondPerClient"] = "1000000",
        }, headers: new Dictionary<string, string> { ["X-API-Key"] = ApiKey }, scripts, direct, floor, full: false);
        report.Line("CPU is the gateway process's user + system time from /proc/<pid>/stat over the measured run (the embedded " +
            "brokers run inside it; wrk and h2load do not), divided by the requests wrk or h2load completed; \"of which librdkafka " +
            "threads\" is the part of it on threads named rdk:… (the gateway's Kafka clients and the embedded brokers). Each gateway " +
            "is warmed up until its JIT settled (see the warm-up line in the log) before anything is measured. Allocations are the " +
            "runtime's `dotnet.gc.heap.total_allocated` (the gateway's /metrics) over the same run. " +
            (Rounds == 1 ? "Each figure is one run (quick mode). " : $"Each figure is the median of {Rounds} runs (min-max in brackets). ") + "The gateway's runtime settings are its build's runtimeconfig.json: " +
            $"{GatewayProcess.RuntimeSettings()}.");
        report.Line();
        return report;
    }

    private async Task<Dictionary<int, ClosedLoopResult>> DirectArmAsync()
    {
        Console.WriteLine("produce: direct arm (in-process Confluent.Kafka on its own embedded cluster)");
        using var cluster = MockCluster.Start(3);
        cluster.CreateTopic(Topic, 4, 3);
        using var producer = BenchCluster.CreateDirectProducer(cluster.BootstrapServers);
        var records = new SensorRecords(1);
        var value = records.Encode("s-1", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Func<Task<int>> Direct(int batchSize) => async () =>
        {
            var deliveries = new Task<DeliveryResult<byte[]?, byte[]?>>[batchSize];
            var now = new Timestamp(DateTimeOffset.UtcNow);
            for (var i = 0; i < batchSize; i++)
            {
                deliveries[i] = producer.ProduceAsync(Topic, new Message<byte[]?, byte[]?> { Value = value, Timestamp = now });
            }

            var results = await Task.WhenAll(deliveries);
            return results.All(r => r.Status == PersistenceStatus.Persisted) ? batchSize : 0;
        };

        // The same JIT criterion as the gateway's warm-up, for this process (the arm's CPU is this process's).
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        for (var share = 1.0; share > 0.02 && warmUp.Elapsed < TimeSpan.FromSeconds(settings.Quick ? 10 : 30);)
        {
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            var cycle = System.Diagnostics.Stopwatch.StartNew();
            foreach (var batch in s_directBatchSizes)
            {
                await LoadRunner.ClosedLoopAsync(batch == 1 ? 256 : ConcurrencyFor(batch), TimeSpan.Zero, TimeSpan.FromSeconds(0.5), Direct(batch));
            }

            share = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore) / cycle.Elapsed;
        }

        var results = new Dictionary<int, ClosedLoopResult>();
        foreach (var batch in s_directBatchSizes)
        {
            var concurrency = batch == 1 ? 256 : ConcurrencyFor(batch);
            var runs = new List<ClosedLoopResult>();
            for (var round = 0; round < Rounds; round++)
            {
                runs.Add(await LoadRunner.ClosedLoopAsync(concurrency, TimeSpan.FromSeconds(WarmupSeconds / 2), TimeSpan.FromSeconds(Seconds / 2), Direct(batch)));
            }

            results[batch] = runs.OrderBy(r => r.CpuMicrosecondsPerRecord).ElementAt(runs.Count / 2);
            Console.WriteLine(FormattableString.Invariant($"direct batch={batch}: {results[batch].RecordsPerSecond:N0} records/s, {results[batch].CpuMicrosecondsPerRecord:F1} µs CPU/record"));
        }

        return results;
    }

    /// <summary>
    /// The framework floor (<see cref="FloorServer"/>: ASP.NET Core, one MVC controller and Confluent.Kafka, none of
    /// the gateway's work) measured like the gateway, for the request shapes with CPU targets: what any gateway built
    /// on these parts pays on this machine in this run.
    /// </summary>
    private async Task<Floor> FloorArmAsync(SuiteReport report, string scripts, Dictionary<int, ClosedLoopResult> direct)
    {
        Console.WriteLine("produce: framework floor (ASP.NET Core + one MVC controller + Confluent.Kafka, none of the gateway)");
        await using var floor = await GatewayProcess.StartFloorAsync(settings.OutputDirectory);
        using var http = new HttpClient();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var none = new Dictionary<string, string>();
        var url = floor.Http1 + $"/topics/{Topic}/records";
        var single = Script(scripts, "floor-single", "POST", SensorRecords.RequestBody(1, now, single: true), none);
        var batches = s_floorBatchSizes.ToDictionary(batch => batch, batch => Script(scripts, $"floor-batch{batch}", "POST", SensorRecords.RequestBody(batch, now), none));
        var health = Script(scripts, "floor-health", "GET", null, none);
        Func<double, ToolResult> Health(int connections) => seconds => LoadTools.Wrk(floor.Http1 + "/health/live", connections, seconds, health);
        Func<double, ToolResult> Single(int connections) => seconds => LoadTools.Wrk(url, connections, seconds, single);
        Func<double, ToolResult> Batch(int batch, int connections) => seconds => LoadTools.Wrk(url, connections, seconds, batches[batch]);
        await WarmUpAsync(floor, http, [Health(8), Single(16), Batch(10, 4), Batch(100, 4)]);

        report.Line("### Framework floor: ASP.NET Core, one MVC controller and Confluent.Kafka, none of the gateway");
        report.Line();
        report.Line("A process of this benchmark (`floor-server`, bench/KafkaGateway.Bench/External/FloorServer.cs) that does the least a gateway " +
            "with MVC controllers can: binds the body as a `JsonElement`, produces each value's JSON with Confluent.Kafka's `ProduceAsync` " +
            "(the direct arm's settings, its own embedded cluster), awaits the deliveries and answers partition and offset; the health probe " +
            "is a minimal-API endpoint writing fixed text. No logging, authentication, authorization, limits, schema validation, audit or " +
            "metrics. Measured exactly as the gateway below, so the CPU targets' lines carry its figure from the same run.");
        report.Line();
        report.Line("| Request | Protocol | Concurrency | Requests/s | p50 ms | p99 ms | Floor CPU µs/request | of which librdkafka threads | CPU µs/record | Alloc B/request | Failed |");
        report.Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var healthRun = await MeasureAsync(floor, http, Health(64));
        Row(report, "GET /health/live", "HTTP/1.1", 64, healthRun, 1);
        var singleRun = await MeasureAsync(floor, http, Single(256));
        Row(report, "POST one record", "HTTP/1.1", 256, singleRun, 1);
        var ratios = new Dictionary<int, double>();
        foreach (var (batch, _) in batches)
        {
            var run = await MeasureAsync(floor, http, Batch(batch, ConcurrencyFor(batch)));
            Row(report, $"POST {batch:N0} records", "HTTP/1.1", ConcurrencyFor(batch), run, batch);
            ratios[batch] = run.CpuPerRequest / batch / direct[batch].CpuMicrosecondsPerRecord;
        }

        report.Line();
        return new Floor(healthRun.CpuPerRequest, singleRun.CpuPerRequest, ratios);
    }

    private async Task GatewayArmAsync(SuiteReport report, string name, Dictionary<string, string> gatewaySettings,
        IReadOnlyDictionary<string, string> headers, string scripts, Dictionary<int, ClosedLoopResult> direct, Floor floor, bool full)
    {
        gatewaySettings["Producer:LingerMilliseconds"] = BenchCluster.LingerMs.ToString(CultureInfo.InvariantCulture);
        gatewaySettings["Producer:BatchSizeBytes"] = BenchCluster.BatchSizeBytes.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine($"produce: gateway process, {name}");
        await using var gateway = await GatewayProcess.StartAsync(name, settings.OutputDirectory, gatewaySettings);
        using var http = new HttpClient();
        foreach (var (header, value) in headers)
        {
            http.DefaultRequestHeaders.Add(header, value);
        }

        await RegisterSchemaAsync(http, gateway);
        var path = $"/topics/{Topic}/records";
        var single = Script(scripts, $"{name}-single", "POST", SensorRecords.RequestBody(1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), single: true), headers);
        var health = Script(scripts, $"{name}-health", "GET", null, headers);

        report.Line($"### Gateway process, {(name == "anonymous" ? "anonymous (Development settings)" : "API-key authentication, authorization rules and rate limiting on")}");
        report.Line();
        report.Line("| Request | Protocol | Concurrency | Requests/s | p50 ms | p99 ms | Gateway CPU µs/request | of which librdkafka threads | CPU µs/record | Alloc B/request | Failed |");
        report.Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var label = name == "anonymous" ? "" : ", API key";

        // Each shape runs at its measured concurrency, or at a low one (`light`) while warming up.
        Func<double, ToolResult> Health(bool light = false) => seconds => LoadTools.Wrk(gateway.Http1 + "/health/live", light ? 8 : 64, seconds, health);
        Func<double, ToolResult> Single(int connections) => seconds => LoadTools.Wrk(gateway.Http1 + path, connections, seconds, single);
        Func<double, ToolResult> Tls(bool light = false) => seconds => LoadTools.Wrk(gateway.Https + path, light ? 16 : 256, seconds, single);
        var body = Path.Combine(scripts, $"{name}-single.json");
        var h2Headers = new Dictionary<string, string>(headers) { ["content-type"] = "application/json" };
        Func<double, ToolResult> H2(bool light = false) => seconds => LoadTools.H2Load(gateway.Http2 + path, light ? 2 : 32, 8, seconds, body, h2Headers);
        var batchScripts = s_batchSizes.ToDictionary(batch => batch, batch =>
            Script(scripts, $"{name}-batch{batch}", "POST", SensorRecords.RequestBody(batch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), headers));
        Func<double, ToolResult> Batch(int batch, bool light = false) => seconds =>
            LoadTools.Wrk(gateway.Http1 + path, light ? 4 : ConcurrencyFor(batch), seconds, batchScripts[batch]);
        await WarmUpAsync(gateway, http, full
            ? [Health(light: true), Single(16), Tls(light: true), H2(light: true), .. s_batchSizes.Select(b => Batch(b, light: true))]
            : [Health(light: true), Single(16)]);

        var healthRun = await MeasureAsync(gateway, http, Health());
        Row(report, "GET /health/live", "HTTP/1.1", 64, healthRun, 1);
        report.Check(healthRun.CpuPerRequest <= 12, $"health probe CPU (HTTP/1.1, c=64{label}): {healthRun.CpuPerRequest:F1} µs/request (target <= 12 µs; framework floor {floor.Health:F1} µs)");

        var c256 = await MeasureAsync(gateway, http, Single(256));
        Row(report, "POST one record", "HTTP/1.1", 256, c256, 1);
        var directSingle = direct[1].CpuMicrosecondsPerRecord;
        report.Check(c256.CpuPerRequest <= 40 && c256.Tool.Failures == 0,
            $"single-record produce CPU (HTTP/1.1, c=256{label}): {c256.CpuPerRequest:F1} µs/request = {c256.CpuPerRequest / directSingle:F2} x direct {directSingle:F1} µs/record (target <= 40 µs; framework floor {floor.Single:F1} µs){Failed(c256)}");
        report.Check(c256.AllocatedPerRequest is <= 4096,
            $"single-record produce allocations (HTTP/1.1, c=256{label}): {Bytes(c256.AllocatedPerRequest)} B/request (target <= 4,096 B)");

        var c512 = await MeasureAsync(gateway, http, Single(512));
        Row(report, "POST one record", "HTTP/1.1", 512, c512, 1);
        report.Check(c512.Tool.RequestsPerSecond >= 25_000 && c512.Tool.P99Ms <= 100 && c512.Tool.Failures == 0,
            $"single-record produce throughput (HTTP/1.1, c=512{label}): {c512.Tool.RequestsPerSecond:N0} requests/s (target >= 25,000), p99 {c512.Tool.P99Ms:F1} ms (target <= 100 ms), {c512.CpuPerRequest:F1} µs CPU/request{Failed(c512)}");

        if (full)
        {
            var tls = await MeasureAsync(gateway, http, Tls());
            Row(report, "POST one record", "HTTPS (TLS 1.3), HTTP/1.1", 256, tls, 1);
            report.Check(tls.Tool.Requests > 0 && tls.Tool.Failures == 0,
                $"single-record produce over HTTPS (TLS 1.3 keep-alive, c=256{label}): {tls.Tool.RequestsPerSecond:N0} requests/s, {tls.CpuPerRequest:F1} µs CPU/request (reported; PASS = answered without failures){Failed(tls)}");

            var h2 = await MeasureAsync(gateway, http, H2());
            Row(report, "POST one record", "HTTP/2 (h2c, 32 x 8 streams)", 256, h2, 1);
            report.Check(h2.Tool.Requests > 0 && h2.Tool.Failures == 0,
                $"single-record produce over HTTP/2 (h2c, 32 connections x 8 streams{label}): {h2.Tool.RequestsPerSecond:N0} requests/s, {h2.CpuPerRequest:F1} µs CPU/request (reported; PASS = answered without failures){Failed(h2)}");

            foreach (var batch in s_batchSizes)
            {
                var concurrency = ConcurrencyFor(batch);
                var run = await MeasureAsync(gateway, http, Batch(batch));
                Row(report, $"POST {batch:N0} records", "HTTP/1.1", concurrency, run, batch);
                var perRecord = run.CpuPerRequest / batch;
                var directPerRecord = direct[batch].CpuMicrosecondsPerRecord;
                var limit = batch == 10 ? 1.5 : 1.2;
                report.Check(perRecord / directPerRecord <= limit && run.Tool.Failures == 0,
                    $"produce {batch:N0} records/request CPU (HTTP/1.1, c={concurrency}{label}): {perRecord:F2} µs/record = {perRecord / directPerRecord:F2} x direct {directPerRecord:F2} µs/record (target <= {limit:F1} x{(floor.Ratios.TryGetValue(batch, out var floorRatio) ? FormattableString.Invariant($"; framework floor {floorRatio:F2} x") : "")}){Failed(run)}");
                if (batch == 1000)
                {
                    var rate = run.Tool.RequestsPerSecond * batch;
                    var directRate = direct[batch].RecordsPerSecond;
                    report.Check(rate / directRate >= 0.70,
                        $"produce 1,000 records/request throughput (HTTP/1.1, c={concurrency}{label}): gateway {rate:N0} records/s = {rate / directRate:F3} x direct {directRate:N0}/s (target >= 0.70)");
                }
            }
        }

        report.Line();
    }

    /// <summary>
    /// Loads a fresh gateway until the JIT has settled: tiered compilation of a cold process takes 20-30 s of full
    /// load here (the background compiler competes with the requests for the two cores), and a run measured during
    /// it charged the compiler to the requests (a quick run with a 1.5 s warm-up measured 296 µs per single-record
    /// request; the same build at steady state ~75 µs). Cycles through every request shape the arm measures at low
    /// concurrency (the same code paths, CPU to spare for the compiler), 2 s each (1 s in quick mode), until the JIT's compilation time
    /// (the runtime's <c>dotnet.jit.compilation.time</c>) grew by at most 2 % of a cycle's wall time, or the limit.
    /// </summary>
    private async Task WarmUpAsync(GatewayProcess gateway, HttpClient http, IReadOnlyList<Func<double, ToolResult>> shapes)
    {
        var limit = TimeSpan.FromSeconds(settings.Quick ? 20 : 90);
        var perShape = settings.Quick ? 1 : 2;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var jitBefore = await gateway.JitSecondsAsync(http);
            var cycle = System.Diagnostics.Stopwatch.StartNew();
            foreach (var shape in shapes)
            {
                _ = shape(perShape);
            }

            var jit = (await gateway.JitSecondsAsync(http) - jitBefore) ?? 0;
            var share = jit / cycle.Elapsed.TotalSeconds;
            if (share <= 0.02 || clock.Elapsed > limit)
            {
                Console.WriteLine(FormattableString.Invariant(
                    $"warm-up: {clock.Elapsed.TotalSeconds:F0} s, JIT {share:P1} of the last cycle{(share > 0.02 ? " (time limit: still compiling)" : "")}"));
                return;
            }
        }
    }

    /// <summary><see cref="Rounds"/> measured runs (after <see cref="WarmUpAsync"/>); the median by CPU per request.</summary>
    private async Task<Measured> MeasureAsync(GatewayProcess gateway, HttpClient http, Func<double, ToolResult> load)
    {
        var runs = new List<Measured>();
        for (var round = 0; round < Rounds; round++)
        {
            var allocatedBefore = await gateway.AllocatedBytesAsync(http);
            var librdkafkaBefore = gateway.LibrdkafkaCpu();
            var cpuBefore = gateway.Cpu();
            var result = load(Seconds);
            var cpu = gateway.Cpu() - cpuBefore;
            var librdkafka = gateway.LibrdkafkaCpu() - librdkafkaBefore;
            var allocatedAfter = await gateway.AllocatedBytesAsync(http);
            var requests = Math.Max(1, result.Requests);
            var allocated = allocatedBefore is { } before && allocatedAfter is { } after ? (after - before) / requests : (double?)null;
            runs.Add(new Measured(result, cpu.TotalMicroseconds / requests, Math.Max(0, librdkafka.TotalMicroseconds) / requests, allocated, []));
        }

        var sorted = runs.OrderBy(r => r.CpuPerRequest).ToList();
        var median = sorted[sorted.Count / 2];
        return median with { All = runs };
    }

    private static void Row(SuiteReport report, string request, string protocol, int concurrency, Measured run, int records)
    {
        var cpu = run.All.Select(r => r.CpuPerRequest).ToArray();
        report.Line($"| {request} | {protocol} | {concurrency} | {run.Tool.RequestsPerSecond:N0} | {Ms(run.Tool.P50Ms)} | {Ms(run.Tool.P99Ms)} | {run.CpuPerRequest:F1}{(cpu.Length > 1 ? FormattableString.Invariant($" ({cpu.Min():F1}-{cpu.Max():F1})") : "")} | {run.LibrdkafkaCpuPerRequest:F1} | {run.CpuPerRequest / records:F2} | {Bytes(run.AllocatedPerRequest)} | {run.Tool.Failures} |");
        Console.WriteLine(FormattableString.Invariant($"{request} {protocol} c={concurrency}: {run.Tool.RequestsPerSecond:N0}/s, p99 {Ms(run.Tool.P99Ms)} ms, {run.CpuPerRequest:F1} µs CPU/request, {Bytes(run.AllocatedPerRequest)} B/request, load {Load()}"));
    }

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Bytes(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static string Failed(Measured run) => run.Tool.Failures == 0 ? "" : FormattableString.Invariant($", {run.Tool.Failures:N0} failed requests");

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>A wrk Lua script (and the body as a file, for h2load) for one request.</summary>
    private static string Script(string folder, string name, string method, byte[]? body, IReadOnlyDictionary<string, string> headers)
    {
        var lua = new StringBuilder();
        lua.AppendLine(CultureInfo.InvariantCulture, $"wrk.method = \"{method}\"");
        if (body is not null)
        {
            File.WriteAllBytes(Path.Combine(folder, name + ".json"), body);
            lua.AppendLine(CultureInfo.InvariantCulture, $"wrk.body = [==[{Encoding.UTF8.GetString(body)}]==]");
            lua.AppendLine("wrk.headers[\"Content-Type\"] = \"application/json\"");
        }

        foreach (var (header, value) in headers)
        {
            lua.AppendLine(CultureInfo.InvariantCulture, $"wrk.headers[\"{header}\"] = \"{value}\"");
        }

        var path = Path.Combine(folder, name + ".lua");
        File.WriteAllText(path, lua.ToString());
        return path;
    }

    private static async Task RegisterSchemaAsync(HttpClient http, GatewayProcess gateway)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new { schema = SensorRecords.Schema });
        using var content = new StringContent(body, Encoding.UTF8, "application/vnd.schemaregistry.v1+json");
        using var response = await http.PostAsync(new Uri($"{gateway.Http1}/registry/subjects/{Topic}-value/versions"), content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Registering the schema answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>The framework floor's CPU per health probe and per single-record request (µs), and its per-record ratio to the direct arm by records per request.</summary>
    private sealed record Floor(double Health, double Single, IReadOnlyDictionary<int, double> Ratios);

    private sealed record Measured(ToolResult Tool, double CpuPerRequest, double LibrdkafkaCpuPerRequest, double? AllocatedPerRequest, IReadOnlyList<Measured> All);
}
