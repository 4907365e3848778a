using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// Proof under load: concurrent clients that follow the README's retry rules (Idempotency-Key per logical write,
/// replays of lost answers, resend only what is not_persisted) while brokers go down and up, answer errors and slow
/// down. Afterwards the topic is read back and compared with what every client was told.
/// </summary>
public sealed class ProduceUnderFaultsTests(ITestOutputHelper output) : FaultClusterGateway(new Dictionary<string, string?>
{
    // Longer than any fault lasts, so librdkafka never times a record out during the run: a timeout bumps the
    // idempotent producer's epoch, after which the gateway answers its records possibly_persisted and
    // replaces it (README, "Idempotency-Key"; EpochBumpProduceTests). This test is about the other faults.
    ["Producer:MessageTimeoutMilliseconds"] = "20000",
    ["Producer:DeliveryTimeoutMilliseconds"] = "3000",
    ["Producer:StatisticsIntervalMilliseconds"] = "200",
    ["Producer:IdempotencyInFlightWaitMilliseconds"] = "1000",
    ["Kafka:Properties:reconnect.backoff.max.ms"] = "300",
})
{
    private const int Clients = 6;
    private const int Seed = 1313;
    private static readonly TimeSpan s_loadDuration = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, int> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RecordState> _ledger = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _history = new(StringComparer.Ordinal);

    [Fact]
    public async Task Produce_ConcurrentKeyedClientsRetryingUnderBrokerFaults_EveryAnsweredRecordIsInKafkaOnceAndNothingUnannounced()
    {
        var topic = Cluster.CreateTopic(partitions: 3);
        using var warmClient = Gateway.CreateClient();
        var warm = await warmClient.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), ProduceTests.Json("""{"value": {"id": "warm"}}"""));
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var warmRecord = (await warm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("records")[0];
        _ledger["warm"] = RecordState.Persisted(warmRecord.GetProperty("partition").GetInt32(), warmRecord.GetProperty("offset").GetInt64());

        // Act: clients and faults for a bounded time.
        using var stop = new CancellationTokenSource(s_loadDuration);
        var faults = Task.Run(() => InjectFaultsAsync(new Random(Seed), stop.Token));
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => RunClientAsync(c, topic, stop.Token))).ToArray();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(90));
        await faults;
        Heal();
        // Records answered "possibly persisted" are settled by the producer within message.timeout.ms.
        var undelivered = Pool.FlushAll(TimeSpan.FromSeconds(30));
        var stored = ReadTopic(topic);

        // Assert: what Kafka holds against what the clients were told.
        var counts = stored.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.ToList());
        var persisted = _ledger.Where(e => e.Value.Kind == Kind.Persisted).ToList();
        var possibly = _ledger.Where(e => e.Value.Kind == Kind.Possibly).ToList();
        var notPersisted = _ledger.Where(e => e.Value.Kind == Kind.NotPersisted).ToList();
        // The mock cluster checks producer sequences only for transactional producers, so a batch that the
        // idempotent producer sent again after losing the answer (connection closed, broker down after the append)
        // is written again, where a Kafka broker answers the first offsets instead. Copies written under the same
        // producer id, epoch and sequence are that mock artifact; any other copy (another producer, another epoch,
        // another sequence) is a real second write and fails the test.
        var writers = Enumerable.Range(0, 3).ToDictionary(p => p, p => PartitionLog.Writers(
            Cluster.Cluster.Listeners.Select(l => (l.Host, l.Port)), topic, p, stored.Where(r => r.Partition == p).Select(r => r.Offset + 1).DefaultIfEmpty(0).Max()));
        var copies = counts.Where(c => c.Value.Count > 1).ToList();
        var resentSameSequence = copies
            .Where(c => c.Value.Select(r => writers[r.Partition].GetValueOrDefault(r.Offset)).Distinct().Count() == 1
                && c.Value.Select(r => r.Partition).Distinct().Count() == 1)
            .Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var duplicates = copies.Where(c => !resentSameSequence.Contains(c.Key)).Select(c => c.Key).ToList();
        var epochs = writers.Values.SelectMany(w => w.Values).Select(w => (w.ProducerId, w.Epoch)).Distinct().Count();
        var missing = persisted.Where(e => !counts.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var misplaced = persisted.Where(e => counts.TryGetValue(e.Key, out var at)
            && !at.Any(r => r.Partition == e.Value.Partition && r.Offset == e.Value.Offset)).Select(e => e.Key).ToList();
        var unannounced = counts.Keys.Where(id => !_ledger.TryGetValue(id, out var state) || state.Kind == Kind.NotPersisted).ToList();
        var possiblyStored = possibly.Count(e => counts.ContainsKey(e.Key));

        output.WriteLine($"seed {Seed}, {Clients} clients for {s_loadDuration.TotalSeconds:0} s; faults: {Format(_faults)}");
        output.WriteLine($"answers: {Format(_answers)}");
        output.WriteLine($"records: {_ledger.Count} attempted; {persisted.Count} answered persisted, {possibly.Count} possibly persisted " +
            $"({possiblyStored} of them found in Kafka), {notPersisted.Count} not persisted (client gave up)");
        output.WriteLine($"topic: {stored.Count} records from {epochs} producer id/epoch pair(s); duplicates {duplicates.Count} " +
            $"(plus {resentSameSequence.Count} resent under the same producer id, epoch and sequence, which a Kafka broker de-duplicates " +
            $"and the mock cluster does not), answered-but-missing {missing.Count}, " +
            $"at another offset than answered {misplaced.Count}, in Kafka without success or possibly_persisted {unannounced.Count}; " +
            $"undelivered after flush {undelivered}");

        foreach (var id in duplicates.Concat(missing).Concat(misplaced).Concat(unannounced).Take(20).Concat(resentSameSequence.Take(3)))
        {
            var state = _ledger.GetValueOrDefault(id);
            var at = counts.TryGetValue(id, out var list)
                ? string.Join(" ", list.Select(r => $"{r.Partition}/{r.Offset} {writers[r.Partition].GetValueOrDefault(r.Offset)}"))
                : "nowhere";
            output.WriteLine($"  {id}: told {state?.Kind} {state?.Partition}/{state?.Offset}, in Kafka at {at}");
            foreach (var line in _history.GetValueOrDefault(id) ?? new ConcurrentQueue<string>())
            {
                output.WriteLine("      " + line);
            }
        }

        foreach (var violation in _violations.Take(20))
        {
            output.WriteLine("  " + violation);
        }

        Assert.Empty(_violations);
        Assert.True(_faults.Values.Sum() >= 5, $"only {_faults.Values.Sum()} faults injected");
        Assert.True(persisted.Count > Clients, $"only {persisted.Count} records persisted: the load did not run");
        Assert.Empty(duplicates);
        Assert.Empty(missing);
        Assert.Empty(misplaced);
        Assert.Empty(unannounced);
        Assert.Equal(0, undelivered);
    }

    private async Task RunClientAsync(int client, string topic, CancellationToken stop)
    {
        var random = new Random(Seed + client + 1);
        using var http = Gateway.CreateClient();
        var pending = new Queue<List<string>>();
        var write = 0;
        while (!stop.IsCancellationRequested)
        {
            var ids = pending.Count > 0
                ? pending.Dequeue()
                : [.. Enumerable.Range(0, random.Next(1, 6)).Select(r => $"c{client}-w{write}-r{r}")];
            foreach (var id in ids)
            {
                _ledger.TryAdd(id, RecordState.NotPersisted);
            }

            if (await WriteAsync(http, random, topic, ids, $"c{client}-write-{write++}", stop) is { Count: > 0 } resend)
            {
                pending.Enqueue(resend);
            }
        }
    }

    /// <summary>One logical write under one key (a new key only after "nothing was written"); returns the records to send again.</summary>
    private async Task<List<string>> WriteAsync(HttpClient http, Random random, string topic, List<string> ids, string key, CancellationToken stop)
    {
        var body = "{\"records\": [" + string.Join(", ", ids.Select(id => "{\"value\": {\"id\": \"" + id + "\"}}")) + "]}";
        Answer? carried = null;
        for (var attempt = 0; attempt < 5 && !stop.IsCancellationRequested; attempt++)
        {
            Answer answer;
            if (carried is not null)
            {
                answer = carried;
                carried = null;
            }
            else if (random.NextDouble() < 0.15)
            {
                // A client that timed out and retried while its first request is still in flight: the retry waits
                // for the first answer (or 409). Only a 503 (nothing written) may be followed by a real second
                // attempt, when the retry arrived after its Retry-After; then the later answer is the one that counts.
                var both = await Task.WhenAll(SendAsync(http, topic, body, key), SendAsync(http, topic, body, key));
                var settled = both.Where(a => a.Status != 409).OrderBy(a => a.Status == 503 ? 1 : 0).ToList();
                if (settled.Count == 2 && settled[0].Status != settled[1].Status && settled[1].Status != 503)
                {
                    _violations.Enqueue($"{key}: concurrent attempts answered {settled[0].Status} and {settled[1].Status}");
                }

                answer = settled.FirstOrDefault() ?? both[0];
            }
            else
            {
                answer = await SendAsync(http, topic, body, key);
            }

            switch (answer.Status)
            {
                case 200:
                    var records = answer.Body.GetProperty("records");
                    for (var i = 0; i < ids.Count; i++)
                    {
                        Settle(ids[i], RecordState.Persisted(records[i].GetProperty("partition").GetInt32(), records[i].GetProperty("offset").GetInt64()));
                    }

                    await MaybeReplayAsync(http, random, topic, body, key, answer);
                    return [];
                case 409:
                    await Task.Delay(100, CancellationToken.None);
                    continue;
                case 503:
                    // Nothing was written: retried at once with the key, the 503 is replayed; only after its
                    // Retry-After may the key run again. A new key may write at any time.
                    if (random.NextDouble() < 0.5)
                    {
                        var again = await SendAsync(http, topic, body, key);
                        if (!again.Replayed)
                        {
                            if (again.ReceivedAt - answer.SentAt < TimeSpan.FromSeconds(answer.RetryAfter))
                            {
                                _violations.Enqueue($"{key}: 503 retried at once answered {again.Status} without a replay");
                            }

                            carried = again;
                            continue;
                        }
                    }

                    await Task.Delay(random.Next(50, 250), CancellationToken.None);
                    key += "-again";
                    continue;
                default:
                    if (!answer.Body.TryGetProperty("records", out var outcomes) || answer.Code == "internal_error")
                    {
                        _violations.Enqueue($"{key}: unexpected answer {answer.Status} {answer.Code}");
                        return [];
                    }

                    var resend = new List<string>();
                    foreach (var outcome in outcomes.EnumerateArray())
                    {
                        var id = ids[outcome.GetProperty("index").GetInt32()];
                        _history.GetOrAdd(id, _ => new()).Enqueue($"{key}: {answer.Status} {answer.Code} {outcome.GetRawText()}");
                        switch (outcome.GetProperty("status").GetString())
                        {
                            case "persisted":
                                Settle(id, RecordState.Persisted(outcome.GetProperty("partition").GetInt32(), outcome.GetProperty("offset").GetInt64()));
                                break;
                            case "possibly_persisted":
                                Settle(id, RecordState.Possibly);
                                break;
                            default:
                                resend.Add(id);
                                break;
                        }
                    }

                    await MaybeReplayAsync(http, random, topic, body, key, answer);
                    return resend;
            }
        }

        return [];
    }

    /// <summary>A client that lost the answer asks again with the same key: the same answer, written nowhere again.</summary>
    private async Task MaybeReplayAsync(HttpClient http, Random random, string topic, string body, string key, Answer first)
    {
        if (random.NextDouble() >= 0.3)
        {
            return;
        }

        var replay = await SendAsync(http, topic, body, key);
        if (replay.Status != first.Status || !replay.Replayed
            || (first.Body.TryGetProperty("records", out var a) && a.GetRawText() != replay.Body.GetProperty("records").GetRawText()))
        {
            _violations.Enqueue($"{key}: replay answered {replay.Status} {replay.Code} (replayed {replay.Replayed}) after {first.Status} {first.Code}");
        }
    }

    private async Task<Answer> SendAsync(HttpClient http, string topic, string body, string key)
    {
        var sentAt = DateTime.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records") { Content = ProduceTests.Json(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var code = response.IsSuccessStatusCode ? "ok" : json.GetProperty("code").GetString()!;
        var replayed = response.Headers.Contains("Idempotent-Replayed");
        _answers.AddOrUpdate($"{(int)response.StatusCode} {code}{(replayed ? " (replay)" : "")}", 1, (_, n) => n + 1);
        var retryAfter = (int?)response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0;
        return new Answer((int)response.StatusCode, code, replayed, json, retryAfter, sentAt, DateTime.UtcNow);
    }

    private void Settle(string id, RecordState state) =>
        _ledger.AddOrUpdate(id, state, (_, previous) =>
        {
            if (previous.Kind == Kind.Persisted && state.Kind == Kind.Persisted && previous != state)
            {
                _violations.Enqueue($"{id}: answered persisted at {previous.Partition}/{previous.Offset} and at {state.Partition}/{state.Offset}");
            }

            // The strongest statement a client received stands: persisted, else possibly persisted.
            return previous.Kind == Kind.Persisted || (previous.Kind == Kind.Possibly && state.Kind == Kind.NotPersisted) ? previous : state;
        });

    private async Task InjectFaultsAsync(Random random, CancellationToken stop)
    {
        var cluster = Cluster.Cluster;
        while (!stop.IsCancellationRequested)
        {
            var broker = random.Next(1, 4);
            switch (random.Next(5))
            {
                case 0:
                    Count("broker down/up");
                    cluster.SetBrokerDown(broker);
                    await Pause(random, 300, 900);
                    cluster.SetBrokerUp(broker);
                    break;
                case 1:
                    Count("all brokers down/up");
                    cluster.SetBrokerDown(-1);
                    await Pause(random, 400, 1200);
                    cluster.SetBrokerUp(-1);
                    break;
                case 2:
                    Count("produce request errors");
                    cluster.PushRequestErrors(0, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas, ErrorCode.Local_Transport);
                    break;
                case 3:
                    Count("connection drops");
                    cluster.PushRequestErrors(0, ErrorCode.Local_Transport, ErrorCode.Local_Transport);
                    break;
                default:
                    // Slower than the request's delivery deadline: answers "possibly persisted", then the record lands.
                    Count("RTT beyond the deadline");
                    cluster.SetBrokerRtt(broker, 3500);
                    await Pause(random, 500, 1500);
                    cluster.SetBrokerRtt(broker, 0);
                    break;
            }

            await Pause(random, 200, 600);
        }
    }

    private static Task Pause(Random random, int minMs, int maxMs) => Task.Delay(random.Next(minMs, maxMs), CancellationToken.None);

    private void Count(string fault) => _faults.AddOrUpdate(fault, 1, (_, n) => n + 1);

    private void Heal()
    {
        Cluster.Cluster.SetBrokerUp(-1);
        Cluster.Cluster.SetBrokerRtt(-1, 0);
        Cluster.Cluster.ClearRequestErrors(0);
    }

    private List<StoredRecord> ReadTopic(string topic)
    {
        long total;
        using (var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(Cluster.ClientConfig()) { GroupId = "wm" }).Build())
        {
            total = Enumerable.Range(0, 3).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
        }

        var records = KafkaGateway.IntegrationTests.Harness.Harness.ConsumeAll<byte[], byte[]>(
            Cluster.ClientConfig(), topic, (int)total, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(total, records.Count);
        return [.. records.Select(r => new StoredRecord(
            JsonDocument.Parse(r.Message.Value).RootElement.GetProperty("id").GetString()!, r.Partition.Value, r.Offset.Value))];
    }

    private static string Format(ConcurrentDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));

    private enum Kind
    {
        NotPersisted,
        Possibly,
        Persisted,
    }

    private sealed record RecordState(Kind Kind, int Partition, long Offset)
    {
        public static readonly RecordState NotPersisted = new(Kind.NotPersisted, -1, -1);
        public static readonly RecordState Possibly = new(Kind.Possibly, -1, -1);

        public static RecordState Persisted(int partition, long offset) => new(Kind.Persisted, partition, offset);
    }

    private sealed record Answer(int Status, string Code, bool Replayed, JsonElement Body, int RetryAfter, DateTime SentAt, DateTime ReceivedAt);

    private sealed record StoredRecord(string Id, int Partition, long Offset);
}
