using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Http.Headers;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Bench.LoadGeneration;

namespace KafkaGateway.Bench.Suites;

/// <summary>
/// <c>profile [--batch N]</c>: produce requests of one record (or N records; the process id is printed so
/// <c>dotnet-trace collect -p</c> can sample CPU meanwhile) for a few seconds while the runtime's allocation sampling events
/// (GCAllocationTick, one per ~100 KB allocated) are counted per type: where the gateway's bytes per request go.
/// The load generator runs in this process too, so its HttpClient types show up as well.
/// </summary>
internal static class AllocationProfile
{
    public static async Task RunAsync(BenchCluster cluster, TimeSpan duration, int batchSize)
    {
        const string topic = "bench-profile";
        cluster.CreateTopic(topic, 3);
        await cluster.RegisterValueSchemaAsync(topic, SensorRecords.Schema);
        using var http = LoadClient.Create(new LoadClientOptions(cluster.Http1Address, HttpVersion.Version11, MaxConnections: 256));
        var body = SensorRecords.RequestBody(batchSize, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), single: batchSize == 1);
        var concurrency = batchSize == 1 ? 64 : 16;
        var path = new Uri($"/topics/{topic}/records", UriKind.Relative);
        async Task<int> Produce()
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(path, content);
            await response.Content.LoadIntoBufferAsync();
            return response.StatusCode == HttpStatusCode.OK ? batchSize : 0;
        }

        await LoadRunner.ClosedLoopAsync(concurrency, TimeSpan.Zero, TimeSpan.FromSeconds(2), Produce);
        Console.WriteLine(FormattableString.Invariant($"profiling process {Environment.ProcessId}: {batchSize} record(s) per request, concurrency {concurrency}, {duration.TotalSeconds:F0} s"));
        using var listener = new AllocationSampler();
        var result = await LoadRunner.ClosedLoopAsync(concurrency, TimeSpan.Zero, duration, Produce);
        Console.WriteLine(FormattableString.Invariant($"{result.Records:N0} records ({result.RecordsPerSecond:N0}/s), {result.AllocatedBytesPerRecord:N0} B allocated per record (process), {result.CpuMicrosecondsPerRecord:F1} µs CPU per record"));
        Console.WriteLine("Sampled allocations by type (share of sampled bytes):");
        var total = listener.Bytes.Values.Sum();
        foreach (var (type, bytes) in listener.Bytes.OrderByDescending(kv => kv.Value).Take(30))
        {
            Console.WriteLine(FormattableString.Invariant($"{bytes * 100.0 / total,6:F1} %  ~{bytes / (double)result.Records,8:N0} B/record  {type}"));
        }
    }

    private sealed class AllocationSampler : EventListener
    {
        private readonly Lock _lock = new();

        public Dictionary<string, long> Bytes { get; } = new(StringComparer.Ordinal);

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                // Keyword 0x1 = GC; AllocationTick is a verbose GC event.
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
            {
                return;
            }

            var typeIndex = eventData.PayloadNames.IndexOf("TypeName");
            var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
            if (typeIndex < 0 || amountIndex < 0 || eventData.Payload is null)
            {
                return;
            }

            var type = eventData.Payload[typeIndex] as string ?? "?";
            var amount = Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture);
            lock (_lock)
            {
                Bytes[type] = Bytes.GetValueOrDefault(type) + amount;
            }
        }
    }
}
