using Confluent.Kafka;
using KafkaGateway.Http;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>
/// Which topics exist and how many partitions they have, from the cluster's metadata of all topics, cached so the
/// produce path can refuse an unknown topic or partition at once instead of letting the producer wait
/// <c>message.timeout.ms</c> for a topic that never appears. Asking for all topics (never one by name) keeps brokers
/// with <c>auto.create.topics.enable</c> from creating the topic being asked about.
/// </summary>
/// <remarks>
/// Known topics are answered from the cache, refreshed in the background after <see cref="KnownTopicTtl"/>. A topic that is missing (or has fewer partitions than a
/// request names) is looked up in metadata fetched after the request arrived, so a topic created a moment ago is
/// found. At most one fetch runs and one waits (requests arriving during a fetch share the next), and fetches start
/// at least <see cref="MinFetchSpacing"/> apart, so a stream of requests to a topic that does not exist costs Kafka a bounded
/// number of metadata requests, and each such request answers within about one metadata round trip.
/// </remarks>
public sealed class TopicMetadataCache(IAdminClient admin, IOptions<KafkaOptions> options, KafkaBlockingCalls blockingCalls, TimeProvider time)
{
    /// <summary>Least time between the starts of two metadata fetches.</summary>
    public static readonly TimeSpan MinFetchSpacing = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a known topic's partition count is used before a background refresh is started.</summary>
    public static readonly TimeSpan KnownTopicTtl = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private Snapshot _snapshot = new(new Dictionary<string, int>(StringComparer.Ordinal), DateTimeOffset.MinValue);
    private Task<Snapshot>? _running;
    private DateTimeOffset _runningStarted = DateTimeOffset.MinValue;
    private TaskCompletionSource<Snapshot>? _pending;

    /// <summary>
    /// The partition count of <paramref name="topic"/>, or null when the cluster has no such topic. Asks Kafka when
    /// the topic is unknown or has fewer than <paramref name="requiredPartitions"/> partitions.
    /// </summary>
    /// <exception cref="GatewayException">503 <c>kafka_unavailable</c> when Kafka does not answer and the topic is not known.</exception>
    public Task<int?> GetPartitionCountAsync(string topic, int requiredPartitions, CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        var arrived = time.GetUtcNow();
        if (snapshot.Partitions.TryGetValue(topic, out var count) && count >= requiredPartitions)
        {
            if (arrived - snapshot.Taken >= KnownTopicTtl)
            {
                // Known: answer from what is known and refresh in the background, so a Kafka outage never makes
                // requests to known topics wait for metadata (the producer reports the outage at once).
                _ = FetchStartedAfterAsync(arrived).ContinueWith(
                    static fetch => _ = fetch.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            // Every produce request asks: a completed task per partition count, not one per request.
            return (uint)count < (uint)s_known.Length ? s_known[count] : Task.FromResult<int?>(count);
        }

        return FetchAsync(topic, snapshot, arrived, cancellationToken);
    }

    private static readonly Task<int?>[] s_known = [.. Enumerable.Range(0, 257).Select(n => Task.FromResult<int?>(n))];

    private async Task<int?> FetchAsync(string topic, Snapshot snapshot, DateTimeOffset arrived, CancellationToken cancellationToken)
    {
        int count;
        try
        {
            snapshot = await FetchStartedAfterAsync(arrived).WaitAsync(cancellationToken);
        }
        catch (KafkaException ex)
        {
            if (snapshot.Partitions.TryGetValue(topic, out var stale))
            {
                // Known before: let the producer (and its delivery report) have the last word.
                return stale;
            }

            throw KafkaErrorMapper.Unavailable($"Kafka did not answer metadata for topic '{topic}': {ex.Error.Reason} ({ex.Error.Code}); nothing was written.", ex.Error, ex);
        }

        return snapshot.Partitions.TryGetValue(topic, out count) ? count : null;
    }

    /// <summary>Records a topic the gateway just created, so the next request need not wait for metadata to show it.</summary>
    public void Add(string topic, int partitions)
    {
        lock (_lock)
        {
            var copy = new Dictionary<string, int>(_snapshot.Partitions, StringComparer.Ordinal) { [topic] = partitions };
            Volatile.Write(ref _snapshot, _snapshot with { Partitions = copy });
        }
    }

    // At most one fetch runs and one waits: a request finds the running fetch if it began after the request arrived,
    // else the waiting one (which begins after the running one ends, so after the request arrived too).
    private Task<Snapshot> FetchStartedAfterAsync(DateTimeOffset arrived)
    {
        lock (_lock)
        {
            if (_running is { IsCompleted: false } running)
            {
                if (_runningStarted >= arrived)
                {
                    return running;
                }

                if (_pending is null)
                {
                    _pending = new TaskCompletionSource<Snapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _ = StartPendingAfterAsync(running);
                }

                return _pending.Task;
            }

            return StartLocked();
        }
    }

    private Task<Snapshot> StartLocked()
    {
        var now = time.GetUtcNow();
        var start = _runningStarted + MinFetchSpacing > now ? _runningStarted + MinFetchSpacing : now;
        _runningStarted = start;
        _running = FetchAsync(start - now);
        return _running;
    }

    private async Task StartPendingAfterAsync(Task previous)
    {
        // Its outcome does not matter to the next fetch.
        await previous.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        TaskCompletionSource<Snapshot> pending;
        Task<Snapshot> run;
        lock (_lock)
        {
            pending = _pending!;
            _pending = null;
            run = StartLocked();
        }

        try
        {
            pending.TrySetResult(await run);
        }
        catch (Exception ex)
        {
            pending.TrySetException(ex);
        }
    }

    private async Task<Snapshot> FetchAsync(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time);
        }

        var timeout = TimeSpan.FromSeconds(options.Value.MetadataTimeoutSeconds);
        var taken = time.GetUtcNow();
        var metadata = await blockingCalls.RunAsync(() => admin.GetMetadata(timeout), CancellationToken.None);
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in metadata.Topics)
        {
            if (topic.Error.Code != ErrorCode.UnknownTopicOrPart && topic.Partitions.Count > 0)
            {
                partitions[topic.Topic] = topic.Partitions.Count;
            }
        }

        var snapshot = new Snapshot(partitions, taken);
        lock (_lock)
        {
            if (snapshot.Taken >= _snapshot.Taken)
            {
                Volatile.Write(ref _snapshot, snapshot);
            }
        }

        return snapshot;
    }

    private sealed record Snapshot(Dictionary<string, int> Partitions, DateTimeOffset Taken);
}
