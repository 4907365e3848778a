using System.Threading.Channels;

namespace KafkaGateway.Streaming;

/// <summary>
/// One open stream: a bounded channel the consumer writes into and the HTTP response reads from, the filter, and
/// the next offset of every partition as far as the client has been sent records. The buffer is bounded twice: by
/// <see cref="StreamingOptions.SubscriberBufferSize"/> items and by <see cref="StreamingOptions.SubscriberBufferBytes"/>
/// (records counted by <see cref="ConsumedRecord.ApproximateBytes"/>); one record is always accepted into an empty
/// buffer, so a record larger than the byte bound still moves. A stream on a private consumer buffers at most
/// <see cref="PrivateBufferBytes"/> until it joins the shared live tail.
/// </summary>
public sealed class StreamSubscription
{
    /// <summary>
    /// The byte bound of a stream on its private consumer (when <see cref="StreamingOptions.SubscriberBufferBytes"/> is
    /// larger). That consumer waits for its one client instead of overflowing, and librdkafka already prefetches up to
    /// <see cref="StreamConsumerLimits.QueuedKilobytes"/> KiB ahead of it, so a larger buffer would only hold more of
    /// the same records in every idle stream; once the stream joins the shared live tail, where a full buffer
    /// overflows, it gets the full bound.
    /// </summary>
    internal const long PrivateBufferBytes = 64 * 1024;

    private readonly Channel<StreamItem> _channel;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _overflowed;
    private volatile bool _closed;
    private readonly long _liveBufferBytes;
    private long _bufferBytes;
    private readonly object _spaceFreed = new();
    private long _bufferedBytes;
    private long _recordsRead;
    private long _maxBufferedBytes;

    internal StreamSubscription(
        string topic, IReadOnlyList<int> partitions, StreamStart start, StreamFilter filter, string client, int bufferSize,
        long bufferBytes, bool untilEnd = false, Guid? topicId = null)
    {
        _liveBufferBytes = bufferBytes;
        _bufferBytes = start.IsLiveTail ? bufferBytes : Math.Min(bufferBytes, PrivateBufferBytes);
        TopicId = topicId;
        UntilEnd = untilEnd;
        Topic = topic;
        TopicHash = ResumeToken.HashTopic(topic);
        Partitions = partitions;
        Start = start;
        Filter = filter;
        Client = client;
        _channel = Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Topic { get; }

    public ulong TopicHash { get; }

    /// <summary>The topic's Kafka id when the stream opened, written into its resume tokens; null when unknown.</summary>
    public Guid? TopicId { get; }

    /// <summary>The partitions this stream reads (and its resume token covers).</summary>
    public IReadOnlyList<int> Partitions { get; }

    public StreamStart Start { get; }

    public StreamFilter Filter { get; }

    /// <summary>True for <c>until=end</c>: the stream ends once it has caught up.</summary>
    public bool UntilEnd { get; }

    /// <summary>Bytes of records buffered and not yet read by the response.</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    /// <summary>The most bytes of records ever buffered at once (what the bound held the stream to).</summary>
    public long MaxBufferedBytes => Interlocked.Read(ref _maxBufferedBytes);

    /// <summary>Who opened the stream, for the per-client limit.</summary>
    public string Client { get; }

    /// <summary>Completes when the consumer has fixed the start positions.</summary>
    public Task Started => _started.Task;

    /// <summary>True once the consumer found the buffer full; the stream then ends with <c>event: overflow</c>.</summary>
    public bool Overflowed => _overflowed;

    private readonly Dictionary<int, long> _positions = [];

    public ChannelReader<StreamItem> Reader => _channel.Reader;

    internal TopicConsumer? Consumer { get; set; }

    /// <summary>
    /// The token of the next offset per partition of what the client has been sent. Locked because a stream whose
    /// start is late (Kafka down) may need a token while the consumer thread is still fixing the start.
    /// </summary>
    public string ResumeTokenText()
    {
        lock (_positions)
        {
            return ResumeToken.Encode(TopicHash, _positions, topicId: TopicId);
        }
    }

    /// <summary>The client has been sent everything of <paramref name="partition"/> before <paramref name="nextOffset"/>.</summary>
    public void Advance(int partition, long nextOffset)
    {
        lock (_positions)
        {
            _positions[partition] = nextOffset;
        }
    }

    /// <summary>
    /// Moves the token forward to <paramref name="positions"/> (never back) for the partitions this stream reads:
    /// at <c>caught-up</c>, offsets the consumer passed without a delivered record (filtered out, transaction markers).
    /// </summary>
    public void AdvanceTo(IReadOnlyDictionary<int, long> positions)
    {
        lock (_positions)
        {
            foreach (var partition in Partitions)
            {
                if (positions.TryGetValue(partition, out var offset) && offset > _positions.GetValueOrDefault(partition, -1))
                {
                    _positions[partition] = offset;
                }
            }
        }
    }

    /// <summary>Takes the next buffered item, if any, and frees its share of the byte bound.</summary>
    public bool TryRead(out StreamItem item)
    {
        if (!_channel.Reader.TryRead(out item!))
        {
            return false;
        }

        if (item is ConsumedRecord record)
        {
            Interlocked.Add(ref _bufferedBytes, -record.ApproximateBytes);
            lock (_spaceFreed)
            {
                _recordsRead++;
                Monitor.PulseAll(_spaceFreed);
            }
        }

        return true;
    }

    /// <summary>Fixes the start positions (called by the consumer thread before the first item).</summary>
    internal void MarkStarted(IReadOnlyDictionary<int, long> positions)
    {
        lock (_positions)
        {
            foreach (var partition in Partitions)
            {
                if (positions.TryGetValue(partition, out var offset))
                {
                    _positions[partition] = offset;
                }
            }
        }

        _started.TrySetResult();
    }

    /// <summary>
    /// Hands an item over without waiting; false when the buffer is full (by count, or by bytes for a record).
    /// Called by one consumer thread at a time, so the byte check and the add cannot interleave with another write.
    /// </summary>
    internal bool TryWrite(StreamItem item)
    {
        if (item is not ConsumedRecord record)
        {
            return _channel.Writer.TryWrite(item);
        }

        var buffered = Interlocked.Read(ref _bufferedBytes);
        if (buffered > 0 && buffered + record.ApproximateBytes > Interlocked.Read(ref _bufferBytes))
        {
            return false;
        }

        var now = Interlocked.Add(ref _bufferedBytes, record.ApproximateBytes);
        if (_channel.Writer.TryWrite(item))
        {
            if (now > Interlocked.Read(ref _maxBufferedBytes))
            {
                Interlocked.Exchange(ref _maxBufferedBytes, now);
            }

            return true;
        }

        Interlocked.Add(ref _bufferedBytes, -record.ApproximateBytes);
        return false;
    }

    /// <summary>
    /// Hands an item over, waiting up to <paramref name="timeout"/> for buffer space (private consumers apply
    /// back-pressure instead of overflowing). False when it could not: the caller checks whether to go on waiting.
    /// </summary>
    internal bool TryWrite(StreamItem item, TimeSpan timeout)
    {
        if (_closed || _overflowed)
        {
            return false;
        }

        // Counted before trying: a record read after a failed try changes the count, so the wait cannot miss it.
        long seen;
        lock (_spaceFreed)
        {
            seen = _recordsRead;
        }

        if (TryWrite(item))
        {
            return true;
        }

        var waiting = _channel.Writer.WaitToWriteAsync().AsTask();
        if (waiting.IsCompleted)
        {
            // Room by count, not by bytes: wait for the reader to take a record.
            lock (_spaceFreed)
            {
                if (_recordsRead == seen)
                {
                    Monitor.Wait(_spaceFreed, timeout);
                }
            }
        }
        else
        {
            waiting.Wait(timeout);
        }

        return TryWrite(item);
    }

    /// <summary>True once the stream is closed or overflowed: nothing more is buffered for it.</summary>
    internal bool IsFinished => _closed || _overflowed;

    /// <summary>The subscriber fell behind: wake its reader, which ends the stream, and stop buffering for it.</summary>
    internal void MarkOverflowed()
    {
        _overflowed = true;
        _channel.Writer.TryComplete();
    }

    // After a hand-over to the shared live tail: per partition, the offset the private consumer had delivered up to.
    private volatile IReadOnlyDictionary<int, long>? _floors;

    /// <summary>
    /// The stream moves from its private consumer to the shared live tail: records of a partition below its floor were
    /// delivered by the private consumer already and are skipped, and the buffer gets the full byte bound.
    /// </summary>
    internal void JoinLiveTail(IReadOnlyDictionary<int, long> floors)
    {
        _floors = floors;
        Interlocked.Exchange(ref _bufferBytes, _liveBufferBytes);
    }

    /// <summary>
    /// The consumer resumed <paramref name="partition"/> at <paramref name="offset"/>, below where it was (the log was
    /// truncated or the topic created again): records from there on are new to the stream, whatever its floor said.
    /// </summary>
    internal void LowerFloor(int partition, long offset)
    {
        if (_floors is { } floors && floors.TryGetValue(partition, out var floor) && offset < floor)
        {
            _floors = new Dictionary<int, long>(floors) { [partition] = offset };
        }
    }

    /// <summary>True for a record the private consumer delivered before the hand-over.</summary>
    internal bool IsBelowFloor(ConsumedRecord record) =>
        _floors is { } floors && floors.TryGetValue(record.Partition, out var floor) && record.Offset < floor;

    /// <summary>Why the consumer ended the stream (e.g. <c>topic_deleted</c>), or null.</summary>
    public string? EndReason { get; private set; }

    /// <summary>
    /// The consumer ends the stream: what is buffered is still delivered, then the response sends <c>event: end</c>
    /// with <paramref name="reason"/> and completes.
    /// </summary>
    internal void MarkEnded(string reason)
    {
        EndReason ??= reason;
        _channel.Writer.TryComplete();
    }

    /// <summary>The stream ended: let go of buffered items.</summary>
    internal void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
        while (TryRead(out _))
        {
        }

        _started.TrySetCanceled();
    }
}
