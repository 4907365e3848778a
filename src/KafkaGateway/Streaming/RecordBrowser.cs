using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>Where a browse page starts: a cursor, an offset, a timestamp, or (by default) the earliest record.</summary>
/// <param name="Partitions">The partitions to read.</param>
/// <param name="Cursor">Continue from this cursor (its partitions win over <paramref name="Partitions"/>).</param>
/// <param name="Offset">Start every partition at this offset.</param>
/// <param name="Timestamp">Start every partition at the first record at or after this time.</param>
/// <param name="Limit">At most this many records.</param>
public sealed record BrowseRequest(IReadOnlyList<int> Partitions, ResumeToken? Cursor, long? Offset, DateTimeOffset? Timestamp, int Limit);

/// <summary>A page read by <see cref="RecordBrowser"/>.</summary>
/// <param name="Records">The raw records.</param>
/// <param name="Next">Where the next page starts (with the page limit of the request).</param>
/// <param name="End">True when every partition read was read up to the end offset seen when the page began.</param>
public sealed record BrowsedPage(IReadOnlyList<ConsumedRecord> Records, ResumeToken Next, bool End);

/// <summary>
/// Reads pages of records for browsing. Each page reads up to the high watermark it saw when it began, so it answers
/// quickly instead of waiting for new records; the cursor holds the next offset of every browsed partition, so pages
/// cover every record exactly once. Consumers are pooled: a request rents one, assigns its partitions and gives it
/// back unassigned. At most <see cref="StreamingOptions.MaxConcurrentBrowses"/> pages are read at once (each holds a
/// thread and a consumer; beyond, 429), and a page holds at most <see cref="StreamingOptions.MaxBrowseBytes"/>.
/// </summary>
public sealed class RecordBrowser(
    KafkaConnection connection, IOptions<StreamingOptions> options, IOptions<KafkaOptions> kafkaOptions, ILoggerFactory loggerFactory)
    : IDisposable
{
    private const int MaxIdleConsumers = 4;
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentBag<IConsumer<byte[], byte[]>> _idle = [];
    private int _reading;

    /// <summary>Pages being read right now (bounded by <see cref="StreamingOptions.MaxConcurrentBrowses"/>).</summary>
    public int ReadsInProgress => Math.Min(Volatile.Read(ref _reading), options.Value.MaxConcurrentBrowses);
    private volatile bool _disposed;

    /// <summary>Reads one page of raw records of <paramref name="topic"/>, the cursor after them and whether it reached the end.</summary>
    /// <exception cref="GatewayException">429 <c>too_many_browses</c> when every slot is taken; 503 <c>kafka_unavailable</c>.</exception>
    public async Task<BrowsedPage> ReadAsync(
        string topic, BrowseRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _reading) > options.Value.MaxConcurrentBrowses)
        {
            Interlocked.Decrement(ref _reading);
            throw new GatewayException(GatewayErrors.TooManyBrowses,
                $"The gateway reads at most {options.Value.MaxConcurrentBrowses} pages at once (Streaming:MaxConcurrentBrowses).")
            {
                RetryAfterSeconds = 1,
            };
        }

        try
        {
            // Consume(timeout) blocks: a dedicated thread keeps it off the thread pool.
            return await Task.Factory.StartNew(
                () => Read(topic, request, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            Interlocked.Decrement(ref _reading);
        }
    }

    private BrowsedPage Read(string topic, BrowseRequest request, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(kafkaOptions.Value.MetadataTimeoutSeconds);
        var consumer = Rent();
        var healthy = true;
        try
        {
            var partitions = request.Cursor is { } cursor ? cursor.NextOffsets.Keys.Order().ToArray() : request.Partitions;
            var watermarks = partitions.ToDictionary(
                p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), timeout));
            var byTime = request.Timestamp is { } time && request.Cursor is null
                ? TimestampOffsetLookup.Find(consumer, topic, watermarks, time, timeout)
                : null;

            var next = new Dictionary<int, long>();
            var high = new Dictionary<int, long>();
            foreach (var partition in partitions)
            {
                var (low, end) = (watermarks[partition].Low.Value, watermarks[partition].High.Value);
                high[partition] = end;
                var start = request.Cursor is { } c ? c.NextOffsets[partition]
                    : request.Offset is { } offset ? offset
                    : byTime is not null ? byTime[partition]
                    : low;
                next[partition] = Math.Clamp(start, low, end);
            }

            var pending = next.Where(p => p.Value < high[p.Key]).Select(p => p.Key).ToHashSet();
            var records = new List<ConsumedRecord>();
            var pageBytes = 0L;
            if (pending.Count > 0)
            {
                consumer.Assign(pending.Select(p => new TopicPartitionOffset(topic, p, next[p])));
                var deadline = Environment.TickCount64 + (options.Value.BrowseWaitSeconds * 1000L);
                while (records.Count < request.Limit && pageBytes < options.Value.MaxBrowseBytes && pending.Count > 0
                    && Environment.TickCount64 < deadline
                    && !cancellationToken.IsCancellationRequested)
                {
                    var result = consumer.Consume(s_pollTimeout);
                    if (result is null)
                    {
                        // Transaction markers and compacted tails hold offsets no record is delivered for.
                        foreach (var partition in pending.ToArray())
                        {
                            var position = consumer.Position(new TopicPartition(topic, partition));
                            if (position.Value >= high[partition])
                            {
                                next[partition] = Math.Max(next[partition], high[partition]);
                                pending.Remove(partition);
                            }
                        }

                        continue;
                    }

                    var p = result.Partition.Value;
                    if (result.IsPartitionEOF || !string.Equals(result.Topic, topic, StringComparison.Ordinal)
                        || !pending.Contains(p) || result.Offset.Value < next[p])
                    {
                        continue;
                    }

                    var record = ConsumedRecord.From(result);
                    records.Add(record);
                    pageBytes += record.ApproximateBytes;
                    next[p] = result.Offset.Value + 1;
                    if (next[p] >= high[p])
                    {
                        pending.Remove(p);
                    }
                }
            }

            // The end as seen when the page began: records produced since are for the next page (polling with next).
            var atEnd = next.All(p => p.Value >= high[p.Key]);
            return new BrowsedPage(records, ResumeToken.For(topic, next, request.Limit), atEnd);
        }
        catch (KafkaException ex)
        {
            healthy = false;
            throw Kafka.KafkaErrorMapper.Unavailable($"Kafka did not answer while reading topic '{topic}': {ex.Error.Reason} ({ex.Error.Code}).", ex.Error, ex);
        }
        finally
        {
            Return(consumer, healthy);
        }
    }

    private IConsumer<byte[], byte[]> Rent()
    {
        if (_idle.TryTake(out var consumer))
        {
            return consumer;
        }

        var config = new ConsumerConfig(connection.CreateClientConfig())
        {
            // Assigned, never subscribed; nothing is committed under this throwaway group id.
            GroupId = $"kafkagateway-browse-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            FetchWaitMaxMs = 50,
        };
        StreamConsumerLimits.Apply(config);
        return new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler(KafkaLogBridge.Create<IConsumer<byte[], byte[]>>(loggerFactory, "browse-consumer")).Build();
    }

    private void Return(IConsumer<byte[], byte[]> consumer, bool healthy)
    {
        try
        {
            consumer.Unassign();
        }
        catch (KafkaException)
        {
            healthy = false;
        }

        if (healthy && !_disposed && _idle.Count < Math.Min(MaxIdleConsumers, options.Value.MaxConcurrentBrowses))
        {
            _idle.Add(consumer);
            if (_disposed)
            {
                // Disposed meanwhile: no consumer may be left to a finalizer.
                DrainIdle();
            }

            return;
        }

        CloseAndDispose(consumer);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        DrainIdle();
    }

    private void DrainIdle()
    {
        while (_idle.TryTake(out var consumer))
        {
            CloseAndDispose(consumer);
        }
    }

    private static void CloseAndDispose(IConsumer<byte[], byte[]> consumer)
    {
        try
        {
            consumer.Close();
        }
        catch (KafkaException)
        {
            // A consumer that failed is dropped either way.
        }
        finally
        {
            consumer.Dispose();
        }
    }
}
