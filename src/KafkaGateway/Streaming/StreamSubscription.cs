using System.Threading.Channels;

namespace KafkaGateway.Streaming;

/// <summary>
/// One open stream: a bounded channel the consumer writes into and the HTTP response reads from, the filter, and
/// the next offset of every partition as far as the client has been sent records.
/// </summary>
public sealed class StreamSubscription
{
    private readonly Channel<StreamItem> _channel;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _overflowed;
    private volatile bool _closed;

    internal StreamSubscription(string topic, IReadOnlyList<int> partitions, StreamStart start, StreamFilter filter, string client, int bufferSize)
    {
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

    /// <summary>The partitions this stream reads (and its resume token covers).</summary>
    public IReadOnlyList<int> Partitions { get; }

    public StreamStart Start { get; }

    public StreamFilter Filter { get; }

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
            return ResumeToken.Encode(TopicHash, _positions);
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

    /// <summary>Hands an item over without waiting; false when the buffer is full.</summary>
    internal bool TryWrite(StreamItem item) => _channel.Writer.TryWrite(item);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for buffer space (private consumers apply back-pressure instead of
    /// overflowing); false when the stream is closed.
    /// </summary>
    internal bool WaitForSpace(TimeSpan timeout)
    {
        if (_closed || _overflowed)
        {
            return false;
        }

        var waiting = _channel.Writer.WaitToWriteAsync().AsTask();
        return !waiting.Wait(timeout) || waiting.Result;
    }

    /// <summary>The subscriber fell behind: wake its reader, which ends the stream, and stop buffering for it.</summary>
    internal void MarkOverflowed()
    {
        _overflowed = true;
        _channel.Writer.TryComplete();
    }

    /// <summary>The stream ended: let go of buffered items.</summary>
    internal void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out _))
        {
        }

        _started.TrySetCanceled();
    }
}
