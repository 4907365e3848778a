// Over 500 lines on purpose: the consume loop, start-position resolution and fan-out all run on the consumer's own
// thread over thread-confined state; keeping them in one file keeps visible which code runs on that thread.
using Confluent.Kafka;

namespace KafkaGateway.Streaming;

/// <summary>
/// One Kafka consumer on a dedicated thread, fanning records out to its subscribers' bounded channels.
/// Partitions are assigned (never subscribed), nothing is committed: the random <c>group.id</c> only satisfies
/// librdkafka. A live tail is shared by every <c>from=latest</c> stream of its topic; any other start gets a private
/// consumer for the stream's whole life. The consumer is closed and disposed on its own thread when stopped.
/// </summary>
internal sealed class TopicConsumer
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_errorEventInterval = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly List<StreamSubscription> _subscribers = [];
    private readonly List<StreamSubscription> _pending = [];
    private readonly object _stopLock = new();
    private volatile bool _stopping;
    private readonly ConsumerConfig _config;
    private readonly IReadOnlyList<int> _partitions;
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _added = new();
    private readonly StreamStart _start;
    private readonly TimeSpan _queryTimeout;
    private readonly ILogger _logger;
    private readonly Action<TopicConsumer> _onClosed;
    private readonly Action<IConsumer<byte[], byte[]>, LogMessage> _librdkafkaLog;
    private readonly Thread _thread;
    private Dictionary<int, long>? _positions;
    private List<StreamNotice> _notices = [];
    private long _lastErrorEventTicks;

    // A private stream's end offsets seen at start, until it has delivered up to them (then event: caught-up).
    private Dictionary<int, long>? _catchUpEnds;

    // A caught-up private stream asks the hub to move it onto the topic's shared live tail (null: never).
    private readonly Func<TopicConsumer, StreamSubscription, IReadOnlyDictionary<int, long>, bool>? _handOff;
    private int _deliveredSinceHandOffTry;

    public TopicConsumer(
        string topic, IReadOnlyList<int> partitions, StreamStart start, ClientConfig clientConfig, TimeSpan queryTimeout,
        ILogger logger, Action<IConsumer<byte[], byte[]>, LogMessage> librdkafkaLog, Action<TopicConsumer> onClosed,
        StreamSubscription first, Func<TopicConsumer, StreamSubscription, IReadOnlyDictionary<int, long>, bool>? handOff = null)
    {
        _handOff = start.IsLiveTail || first.UntilEnd ? null : handOff;
        // Pending until the start positions are fixed, so the first subscriber sees every record from the start.
        _pending.Add(first);
        _librdkafkaLog = librdkafkaLog;
        Topic = topic;
        _partitions = partitions;
        _start = start;
        _queryTimeout = queryTimeout;
        _logger = logger;
        _onClosed = onClosed;
        _config = new ConsumerConfig(clientConfig)
        {
            // librdkafka needs a group id to build a consumer; assign() with no commits never touches the group.
            GroupId = $"kafkagateway-stream-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            // Never reset silently: a position the log no longer holds (a topic deleted and created again, records
            // lost in an unclean leader election, retention passing a paused stream) comes back as an error, and the
            // stream resumes at the log's end or start with a notice (RecoverOutOfRange). "earliest" replayed the
            // whole partition to every subscriber without a word.
            AutoOffsetReset = AutoOffsetReset.Error,
            EnablePartitionEof = false,
            FetchWaitMaxMs = 100,
            // librdkafka's default, made explicit: its ListOffsets then answers the last stable offset, so a live
            // tail starts there and records of transactions open at subscribe time are not skipped.
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        if (start is GroupStart group)
        {
            // Only to read the group's committed offsets: assign() never joins the group, and nothing is committed.
            _config.GroupId = group.Group;
        }

        StreamConsumerLimits.Apply(_config);
        _thread = new Thread(RunGuarded) { IsBackground = true, Name = "stream-consumer" };
    }

    public string Topic { get; }

    /// <summary>True for the shared live tail of <see cref="Topic"/>.</summary>
    public bool IsShared => _start.IsLiveTail;

    /// <summary>Subscribers holding this consumer (maintained by the hub under its lock).</summary>
    public int References { get; set; }

    /// <summary>Completes when the consumer is closed and disposed.</summary>
    public Task Closed => _closed.Task;

    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Begin() => _thread.Start();

    /// <summary>
    /// Adds a subscriber to a running live tail; it starts at the consumer's current positions (or at the start
    /// positions once fixed). The first subscriber is given to the constructor.
    /// </summary>
    public void Add(StreamSubscription subscription)
    {
        lock (_gate)
        {
            if (_positions is null)
            {
                _pending.Add(subscription);
            }
            else
            {
                Attach(subscription);
            }
        }
    }

    public void Remove(StreamSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscription);
            _pending.Remove(subscription);
        }
    }

    /// <summary>
    /// A live tail learns the topic's current partitions (from a new subscriber or the hub's periodic metadata check);
    /// partitions created since it started are read from their earliest offset.
    /// </summary>
    public void ExtendPartitions(IReadOnlyList<int> partitions)
    {
        if (!IsShared)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                if (!_partitions.Contains(partition) && !(_positions?.ContainsKey(partition) ?? false) && !_added.Contains(partition))
                {
                    _added.Enqueue(partition);
                }
            }
        }
    }

    /// <summary>Ends every subscriber's stream with <paramref name="reason"/> and stops the consumer.</summary>
    public void End(string reason)
    {
        lock (_gate)
        {
            foreach (var subscription in _subscribers.Concat(_pending))
            {
                subscription.MarkEnded(reason);
            }
        }

        Stop();
    }

    /// <summary>Asks the thread to close the consumer; returns at once.</summary>
    public void Stop()
    {
        lock (_stopLock)
        {
            _stopping = true;
            Monitor.PulseAll(_stopLock);
        }
    }

    private void WaitBeforeRetry()
    {
        lock (_stopLock)
        {
            if (!_stopping)
            {
                Monitor.Wait(_stopLock, s_retryDelay);
            }
        }
    }

    private void Attach(StreamSubscription subscription)
    {
        foreach (var notice in _notices)
        {
            if (subscription.Partitions.Contains(notice.Partition))
            {
                subscription.TryWrite(notice);
            }
        }

        subscription.MarkStarted(_positions!);
        _subscribers.Add(subscription);
        if (IsShared)
        {
            var start = subscription.Partitions.Where(_positions!.ContainsKey).ToDictionary(p => p, p => _positions![p]);
            subscription.TryWrite(new CaughtUp(start, start));
        }
    }

    /// <summary>
    /// A private stream is caught up when every partition's position reached the end offset seen at start: by a
    /// delivered (or filtered) record, or, when the consumer is idle, by its position having passed offsets that hold
    /// no record (transaction markers, compacted gaps).
    /// </summary>
    private void CheckCaughtUp(IConsumer<byte[], byte[]> consumer, bool idle)
    {
        var ends = _catchUpEnds!;
        Dictionary<int, long> positions;
        StreamSubscription? subscription;
        lock (_gate)
        {
            foreach (var (partition, end) in ends)
            {
                if (_positions![partition] >= end)
                {
                    continue;
                }

                if (!idle)
                {
                    return;
                }

                // Offset.Unset (nothing consumed yet) is negative and never counts.
                var position = consumer.Position(new TopicPartition(Topic, partition)).Value;
                if (position < end)
                {
                    return;
                }

                _positions[partition] = position;
            }

            positions = new Dictionary<int, long>(_positions!);
            subscription = _subscribers.Count > 0 ? _subscribers[0] : null;
        }

        _catchUpEnds = null;
        if (subscription is not null)
        {
            Offer(subscription, new CaughtUp(positions, ends));
        }
    }

    /// <summary>
    /// A caught-up private stream moves onto the topic's shared live tail when that has read at least as far in every
    /// partition: one consumer and thread less, and the stream then learns added partitions with the tail. True when
    /// it moved; this consumer then closes.
    /// </summary>
    private bool TryHandOff()
    {
        _deliveredSinceHandOffTry = 0;
        StreamSubscription? subscription;
        Dictionary<int, long> positions;
        lock (_gate)
        {
            subscription = _subscribers.Count > 0 ? _subscribers[0] : null;
            positions = new Dictionary<int, long>(_positions!);
        }

        // Everything up to positions is in the subscriber's buffer already (this thread put it there). Only a reader
        // that keeps up moves: on the live tail a full buffer overflows instead of holding the consumer back.
        if (subscription is null || subscription.IsFinished || subscription.BufferedBytes > 0
            || !_handOff!(this, subscription, positions))
        {
            return false;
        }

        lock (_gate)
        {
            _subscribers.Remove(subscription);
        }

        return true;
    }

    /// <summary>
    /// The shared live tail adopts <paramref name="subscription"/>, a private stream that has delivered everything
    /// before <paramref name="delivered"/>: only when the tail has read no further in any of its partitions (else
    /// records between would be lost); records the tail reads below those offsets are skipped for it (no duplicate).
    /// </summary>
    public bool TryAdopt(StreamSubscription subscription, IReadOnlyDictionary<int, long> delivered)
    {
        lock (_gate)
        {
            if (!IsShared || _stopping || _positions is null)
            {
                return false;
            }

            foreach (var partition in subscription.Partitions)
            {
                if (!_positions.TryGetValue(partition, out var tail) || !delivered.TryGetValue(partition, out var done) || done < tail)
                {
                    return false;
                }
            }

            subscription.JoinLiveTail(delivered);
            _subscribers.Add(subscription);
            return true;
        }
    }

    /// <summary>Hands <paramref name="item"/> to a private stream's subscriber, waiting for buffer space (back-pressure).</summary>
    private void Offer(StreamSubscription subscription, StreamItem item)
    {
        while (!subscription.TryWrite(item, s_pollTimeout))
        {
            if (_stopping || subscription.IsFinished)
            {
                return;
            }
        }
    }

    /// <summary>The thread's body: an exception escaping a dedicated thread would end the whole process.</summary>
    private void RunGuarded()
    {
        try
        {
            Run();
        }
#pragma warning disable CA1031 // last resort on a dedicated thread; Run logs and reports its own failures
        catch (Exception)
#pragma warning restore CA1031
        {
            // Only reachable when logging itself failed (e.g. the host disposed it during shutdown).
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    private void Run()
    {
        IConsumer<byte[], byte[]>? consumer = null;
        try
        {
            consumer = new ConsumerBuilder<byte[], byte[]>(_config)
                .SetErrorHandler((_, error) => OnError(error))
                .SetLogHandler(_librdkafkaLog)
                .Build();
            if (!TryStart(consumer))
            {
                return;
            }

            while (!_stopping)
            {
                if (!_added.IsEmpty)
                {
                    AssignAdded(consumer);
                }

                ConsumeResult<byte[], byte[]>? result;
                try
                {
                    result = consumer.Consume(s_pollTimeout);
                }
                catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.Local_AutoOffsetReset)
                {
                    RecoverOutOfRange(consumer, ex.ConsumerRecord?.TopicPartitionOffset?.Partition.Value);
                    continue;
                }
                catch (ConsumeException ex)
                {
                    StreamingLog.ConsumeFailed(_logger, Topic, ex.Error.Code, ex.Error.Reason);
                    Broadcast(new KafkaUnavailable($"{ex.Error.Reason} ({ex.Error.Code})"), throttled: true);
                    continue;
                }

                if (result is null || result.IsPartitionEOF)
                {
                    if (_catchUpEnds is not null)
                    {
                        CheckCaughtUp(consumer, idle: true);
                    }
                    else if (_handOff is not null && TryHandOff())
                    {
                        return;
                    }

                    continue;
                }

                Deliver(ConsumedRecord.From(result));
                if (_catchUpEnds is not null)
                {
                    CheckCaughtUp(consumer, idle: false);
                }
                else if (_handOff is not null && ++_deliveredSinceHandOffTry >= 256 && TryHandOff())
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            StreamingLog.ConsumerFailed(_logger, ex, Topic);
            Broadcast(new KafkaUnavailable(ex.Message), throttled: false);
        }
        finally
        {
            Shutdown(consumer);
        }
    }

    /// <summary>Fixes the start positions, retrying while Kafka is unreachable; false when stopped first.</summary>
    private bool TryStart(IConsumer<byte[], byte[]> consumer)
    {
        while (!_stopping)
        {
            try
            {
                var (positions, ends, notices) = ResolveStart(consumer);
                consumer.Assign(positions.Select(p => new TopicPartitionOffset(Topic, p.Key, p.Value)));
                lock (_gate)
                {
                    _positions = positions;
                    _notices = notices;
                    // A live tail's subscribers are caught up the moment they attach; a private stream once it
                    // has read up to the ends it saw now.
                    _catchUpEnds = IsShared ? null : ends;
                    foreach (var subscription in _pending)
                    {
                        Attach(subscription);
                    }

                    _pending.Clear();
                    _notices = IsShared ? [] : notices;
                }

                StreamingLog.ConsumerStarted(_logger, Topic, IsShared, positions.Count);
                if (_catchUpEnds is not null)
                {
                    CheckCaughtUp(consumer, idle: false);
                }

                return true;
            }
            catch (KafkaException ex)
            {
                StreamingLog.StartFailed(_logger, Topic, ex.Error.Code, ex.Error.Reason);
                Broadcast(new KafkaUnavailable($"{ex.Error.Reason} ({ex.Error.Code}); retrying"), throttled: false);
                WaitBeforeRetry();
            }
        }

        return false;
    }

    private void AssignAdded(IConsumer<byte[], byte[]> consumer)
    {
        var added = new Dictionary<int, long>();
        while (_added.TryPeek(out var partition))
        {
            try
            {
                added[partition] = consumer.QueryWatermarkOffsets(new TopicPartition(Topic, partition), _queryTimeout).Low;
                _added.TryDequeue(out _);
            }
            catch (KafkaException ex)
            {
                // Next loop turn tries again.
                StreamingLog.StartFailed(_logger, Topic, ex.Error.Code, ex.Error.Reason);
                return;
            }
        }

        lock (_gate)
        {
            foreach (var (partition, offset) in added)
            {
                _positions![partition] = offset;
            }

            // Re-assigning at the consumed positions loses nothing: fetched but unconsumed records are fetched again.
            consumer.Assign(_positions!.Select(p => new TopicPartitionOffset(Topic, p.Key, p.Value)));
        }
    }

    /// <summary>
    /// The broker answered a fetch with OFFSET_OUT_OF_RANGE (librdkafka stops fetching the partition, as
    /// auto.offset.reset is error). When the log still holds the position (a transient answer) the stream goes on from
    /// it; when its end is now below the position (the topic was deleted and created again, or records were lost in an
    /// unclean leader election) it resumes at the end, when its start passed the position (retention) at the start,
    /// each with an <c>offset_out_of_range</c> notice to the partition's subscribers.
    /// </summary>
    private void RecoverOutOfRange(IConsumer<byte[], byte[]> consumer, int? failed)
    {
        List<int> partitions;
        lock (_gate)
        {
            partitions = failed is { } one && _positions!.ContainsKey(one) ? [one] : [.. _positions!.Keys];
        }

        var notices = new List<StreamNotice>();
        try
        {
            var watermarks = partitions.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), _queryTimeout));
            lock (_gate)
            {
                foreach (var (partition, marks) in watermarks)
                {
                    var position = _positions![partition];
                    if (position < marks.Low || position > marks.High)
                    {
                        var resumedAt = position < marks.Low ? marks.Low.Value : marks.High.Value;
                        notices.Add(new StreamNotice(Http.GatewayErrors.OffsetOutOfRange.Code, partition, position, resumedAt));
                        _positions[partition] = resumedAt;
                    }
                }

                // Re-assigning at the consumed positions loses nothing and restarts the stopped partition's fetching.
                consumer.Assign(_positions!.Select(p => new TopicPartitionOffset(Topic, p.Key, p.Value)));
                foreach (var notice in notices)
                {
                    StreamingLog.PositionOutOfRange(_logger, Topic, notice.Partition, notice.Requested, notice.ResumedAt);
                    foreach (var subscription in _subscribers)
                    {
                        if (subscription.Partitions.Contains(notice.Partition))
                        {
                            subscription.LowerFloor(notice.Partition, notice.ResumedAt);
                            subscription.TryWrite(notice);
                        }
                    }
                }
            }
        }
        catch (KafkaException ex)
        {
            // Kafka unreachable: the partition stays stopped until the next out-of-range answer or error; try again
            // after the usual delay by re-assigning (which fetches again and fails again if still out of range).
            StreamingLog.StartFailed(_logger, Topic, ex.Error.Code, ex.Error.Reason);
            Broadcast(new KafkaUnavailable($"{ex.Error.Reason} ({ex.Error.Code}); retrying"), throttled: true);
            WaitBeforeRetry();
            lock (_gate)
            {
                consumer.Assign(_positions!.Select(p => new TopicPartitionOffset(Topic, p.Key, p.Value)));
            }
        }
    }

    private (Dictionary<int, long> Positions, Dictionary<int, long> Ends, List<StreamNotice> Notices) ResolveStart(IConsumer<byte[], byte[]> consumer)
    {
        var positions = new Dictionary<int, long>();
        var ends = new Dictionary<int, long>();
        var notices = new List<StreamNotice>();
        var watermarks = _partitions.ToDictionary(
            p => p, p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), _queryTimeout));
        var otherwise = _start is GroupStart g ? g.Otherwise : _start;
        var byTime = otherwise is TimestampStart timestamp
            ? TimestampOffsetLookup.Find(consumer, Topic, watermarks, timestamp.Time, _queryTimeout)
            : null;
        var committed = _start is GroupStart
            ? consumer.Committed(_partitions.Select(p => new TopicPartition(Topic, p)), _queryTimeout)
                .Where(c => c.Offset.Value >= 0).ToDictionary(c => c.Partition.Value, c => c.Offset.Value)
            : null;

        foreach (var partition in _partitions)
        {
            long low = watermarks[partition].Low, high = watermarks[partition].High;
            ends[partition] = high;
            positions[partition] = _start switch
            {
                GroupStart when committed!.ContainsKey(partition)
                    => FromToken(ResumeToken.For(Topic, committed), partition, low, high, notices),
                GroupStart => otherwise switch
                {
                    TimestampStart => byTime![partition],
                    _ when otherwise.IsLiveTail => high,
                    _ => low,
                },
                TimestampStart => byTime![partition],
                TokenStart { TopicRecreated: true } token => FromRecreatedTopic(token.Token, partition, low, notices),
                TokenStart token => FromToken(token.Token, partition, low, high, notices),
                _ when _start.IsLiveTail => high,
                _ => low,
            };
        }

        return (positions, ends, notices);
    }

    /// <summary>
    /// A partition the token names resumes at its offset. Below the log start (retention, deleted records) it resumes at
    /// the earliest offset, beyond the end (a token of another cluster, or records lost in an unclean leader election)
    /// at the end, each with a notice: replaying everything from earliest would flood a client that was up to date.
    /// Partitions added since the token was made start at earliest.
    /// </summary>
    internal static long FromToken(ResumeToken token, int partition, long low, long high, List<StreamNotice> notices)
    {
        if (!token.NextOffsets.TryGetValue(partition, out var requested))
        {
            return low;
        }

        if (requested < low || requested > high)
        {
            var resumedAt = requested < low ? low : high;
            notices.Add(new StreamNotice(Http.GatewayErrors.OffsetOutOfRange.Code, partition, requested, resumedAt));
            return resumedAt;
        }

        return requested;
    }

    /// <summary>
    /// A token of a topic deleted and created again under its name: its offsets are positions in a log that is gone, and
    /// resuming at them would skip or repeat records of the new topic at random. Every partition starts at its earliest
    /// offset (all of the new topic is new to the client); those the token names get a <c>topic_recreated</c> notice.
    /// </summary>
    internal static long FromRecreatedTopic(ResumeToken token, int partition, long low, List<StreamNotice> notices)
    {
        if (token.NextOffsets.TryGetValue(partition, out var requested))
        {
            notices.Add(new StreamNotice(TopicRecreatedReason, partition, requested, low));
        }

        return low;
    }

    /// <summary>The <c>notice</c> reason of <see cref="FromRecreatedTopic"/>.</summary>
    internal const string TopicRecreatedReason = "topic_recreated";

    private void Deliver(ConsumedRecord record)
    {
        if (!IsShared)
        {
            DeliverWithBackPressure(record);
            return;
        }

        lock (_gate)
        {
            _positions![record.Partition] = record.Offset + 1;
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscription = _subscribers[i];
                if (!subscription.Filter.Matches(record) || subscription.IsBelowFloor(record) || subscription.TryWrite(record))
                {
                    continue;
                }

                // Full buffer: the subscriber is too slow. It ends with event: overflow; nothing more is kept for it.
                subscription.MarkOverflowed();
                _subscribers.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// A private consumer serves one subscriber, so a full buffer pauses the consumer instead of dropping the
    /// subscriber: catching up from earliest never overflows, and memory stays bounded by the buffer.
    /// </summary>
    private void DeliverWithBackPressure(ConsumedRecord record)
    {
        StreamSubscription? subscription;
        lock (_gate)
        {
            _positions![record.Partition] = record.Offset + 1;
            subscription = _subscribers.Count > 0 ? _subscribers[0] : null;
        }

        if (subscription is null || !subscription.Filter.Matches(record))
        {
            return;
        }

        Offer(subscription, record);
    }

    private void OnError(Error error)
    {
        if (error.IsFatal || error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Authentication or ErrorCode.Local_Resolve)
        {
            StreamingLog.KafkaError(_logger, Topic, error.Code, error.Reason);
            Broadcast(new KafkaUnavailable($"{error.Reason} ({error.Code})"), throttled: true);
        }
    }

    private void Broadcast(StreamItem item, bool throttled)
    {
        var now = Environment.TickCount64;
        if (throttled && now - Interlocked.Read(ref _lastErrorEventTicks) < (long)s_errorEventInterval.TotalMilliseconds)
        {
            return;
        }

        Interlocked.Exchange(ref _lastErrorEventTicks, now);
        lock (_gate)
        {
            foreach (var subscription in _subscribers.Concat(_pending))
            {
                subscription.TryWrite(item);
            }
        }
    }

    private void Shutdown(IConsumer<byte[], byte[]>? consumer)
    {
        try
        {
            consumer?.Close();
        }
        catch (KafkaException ex)
        {
            StreamingLog.CloseFailed(_logger, Topic, ex.Error.Code, ex.Error.Reason);
        }
        finally
        {
            try
            {
                consumer?.Dispose();
            }
            finally
            {
                // The hub's bookkeeping first: a failing log line must not leave the consumer counted as open.
                _onClosed(this);
                _closed.TrySetResult();
            }

            StreamingLog.ConsumerClosed(_logger, Topic, IsShared);
        }
    }
}
