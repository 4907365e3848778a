using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Confluent.Kafka;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Bench.LoadGeneration;
using KafkaGateway.Bench.Reporting;

namespace KafkaGateway.Bench.Suites;

/// <summary>
/// NDJSON ingestion: 1,000,000 sensor readings in one <c>POST /topics/{topic}/values?keyField=id</c> (HTTP/1.1,
/// JSON in, Avro out, keyed by sensor) against the direct Confluent.Kafka producer writing the same keyed Avro records,
/// each arm timed from the first byte to the last delivery (the gateway's 200). Alternating rounds; own command
/// (<c>ndjson</c>), not part of <c>all</c>.
/// </summary>
internal sealed class NdjsonIngestSuite(BenchCluster cluster, BenchSettings settings)
{
    private const int Sensors = 100;

    public async Task<SuiteReport> RunAsync()
    {
        var records = settings.Quick ? 200_000 : 1_000_000;
        var rounds = settings.Quick ? 1 : 2;
        var report = new SuiteReport("ndjson");
        const string topic = "bench-ndjson";
        cluster.CreateTopic(topic, 3);
        var sensor = new SensorRecords(await cluster.RegisterValueSchemaAsync(topic, SensorRecords.Schema));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = Body(records, timestamp);
        using var http = LoadClient.Create(new LoadClientOptions(cluster.Http1Address, HttpVersion.Version11));
        http.Timeout = TimeSpan.FromMinutes(10);
        using var producer = cluster.CreateDirectProducer();
        var path = new Uri($"/topics/{topic}/values?keyField=id", UriKind.Relative);

        async Task<double> Gateway()
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(path, content);
            var answer = await response.Content.ReadAsStringAsync();
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"NDJSON ingestion answered {(int)response.StatusCode}: {answer[..Math.Min(answer.Length, 500)]}");
            }

            return records / elapsed.TotalSeconds;
        }

        async Task<double> Direct()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Half of librdkafka's queue (100,000 records, as the gateway's) in flight at most: the direct arm never
            // meets Local_QueueFull and never sleeps, so it is the producer's pace, not a retry loop's.
            using var inFlight = new SemaphoreSlim(50_000);
            var delivered = 0;
            var failed = 0;
            void Report(DeliveryReport<byte[]?, byte[]?> delivery)
            {
                if (delivery.Status != PersistenceStatus.Persisted)
                {
                    Interlocked.Increment(ref failed);
                }

                inFlight.Release();
                if (Interlocked.Increment(ref delivered) == records)
                {
                    done.TrySetResult();
                }
            }

            var now = new Timestamp(DateTimeOffset.UtcNow);
            var started = Stopwatch.GetTimestamp();
            await Task.Run(() =>
            {
                for (var i = 0; i < records; i++)
                {
                    // Serialized per record from its JSON, as the gateway does: the same codec, so the same bytes.
                    var id = "s-" + (i % Sensors).ToString(CultureInfo.InvariantCulture);
                    var message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(id), Value = sensor.Encode(id, timestamp + i), Timestamp = now };
                    inFlight.Wait();
                    producer.Produce(topic, message, Report);
                }
            });

            await done.Task;
            var elapsed = Stopwatch.GetElapsedTime(started);
            return failed == 0 ? records / elapsed.TotalSeconds : throw new InvalidOperationException($"{failed} direct deliveries failed");
        }

        Console.WriteLine(FormattableString.Invariant($"ndjson: warming up, then {rounds} round(s) of {records:N0} records per arm"));
        await Gateway();
        await Direct();
        var gateway = new List<double>();
        var direct = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            gateway.Add(await Gateway());
            direct.Add(await Direct());
            Console.WriteLine(FormattableString.Invariant($"ndjson round {round + 1}: gateway {gateway[^1]:N0}/s, direct {direct[^1]:N0}/s"));
        }

        var g = Spread.Of(gateway);
        var d = Spread.Of(direct);
        report.Line($"### NDJSON ingestion: {records:N0} sensor readings in one request (keyField=id, {Sensors} sensors, 3 partitions)");
        report.Line();
        report.Line("| Arm | Records/s | Ratio to direct |");
        report.Line("| --- | ---: | ---: |");
        report.Line($"| gateway, one NDJSON request over HTTP/1.1 (chunks of Producer:NdjsonChunkRecords) | {g.Format()} | {g.Median / d.Median:F2} |");
        report.Line($"| direct Confluent.Kafka producer, same keyed Avro records | {d.Format()} | 1.00 |");
        report.Line();
        report.Check(true, $"ndjson {records:N0} readings in one request: gateway {g.Median:N0}/s = {g.Median / d.Median:F3} x direct {d.Median:N0}/s (measurement only)");
        return report;
    }

    private static byte[] Body(int records, long timestamp)
    {
        var text = new StringBuilder(records * 56);
        for (var i = 0; i < records; i++)
        {
            text.Append(SensorRecords.Json("s-" + (i % Sensors).ToString(CultureInfo.InvariantCulture), timestamp + i)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
