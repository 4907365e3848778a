using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>
/// Owns every Kafka consumer behind the gateway's event streams.
/// <list type="bullet">
/// <item>Live tails (<c>from=latest</c>) of one topic share one consumer that reads every partition from its end and
/// fans out to all subscribers through bounded per-subscriber channels.</item>
/// <item>A stream starting anywhere else (earliest, a timestamp, a group, a resume token) gets its own consumer to catch
/// up; once caught up it moves onto the topic's live tail, if any, at exact offsets (<see cref="HandOff"/>), and its
/// consumer closes.</item>
/// <item>Consumers are assigned partitions (no group membership, nothing committed), run on dedicated threads with
/// <c>Consume(timeout)</c> so they never block the thread pool, and are closed and disposed when their last
/// subscriber leaves.</item>
/// <item>A live tail picks up partitions added to its topic (checked every
/// <see cref="StreamingOptions.PartitionCheckSeconds"/> and when a subscriber joins) from their earliest offset.</item>
/// <item>Limits: <see cref="StreamingOptions.MaxStreams"/> overall, <see cref="StreamingOptions.MaxStreamsPerClient"/>
/// per client and <see cref="StreamingOptions.MaxConsumers"/> consumers (the memory bound), answered with 429.</item>
/// </list>
/// </summary>
public sealed class StreamHub(
    KafkaConnection connection, IAdminClient admin, IOptions<StreamingOptions> options, IOptions<KafkaOptions> kafkaOptions,
    ILogger<StreamHub> logger, ILoggerFactory loggerFactory, KafkaBlockingCalls blockingCalls)
    : BackgroundService
{
    private readonly Action<IConsumer<byte[], byte[]>, LogMessage> _librdkafkaLog =
        KafkaLogBridge.Create<IConsumer<byte[], byte[]>>(loggerFactory, "stream-consumer");

    private readonly object _gate = new();
    private readonly Dictionary<string, TopicConsumer> _liveTails = new(StringComparer.Ordinal);
    private readonly HashSet<TopicConsumer> _consumers = [];
    private readonly Dictionary<string, int> _streamsByClient = new(StringComparer.Ordinal);
    private readonly HashSet<StreamSubscription> _subscriptions = [];
    private int _activeConsumers;
    private int _nativeTrimPending;
    private static readonly TimeSpan s_nativeTrimDelay = TimeSpan.FromSeconds(2);

    /// <summary>Consumers not yet closed and disposed.</summary>
    public int ActiveConsumers => Volatile.Read(ref _activeConsumers);

    /// <summary>Open streams.</summary>
    public int ActiveSubscribers
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>The open streams, a snapshot (for diagnostics and tests).</summary>
    internal IReadOnlyList<StreamSubscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions];
            }
        }
    }

    /// <summary>
    /// Opens a stream of <paramref name="topic"/> over <paramref name="partitions"/> (the partitions it reads; all
    /// of the topic for a live tail's shared consumer). <paramref name="topicId"/> goes into the stream's resume tokens.
    /// </summary>
    /// <exception cref="GatewayException">429 when a stream limit is reached.</exception>
    public StreamSubscription Subscribe(
        string topic, IReadOnlyList<int> topicPartitions, IReadOnlyList<int> partitions, StreamStart start, StreamFilter filter, string client,
        bool untilEnd = false, Guid? topicId = null)
    {
        var settings = options.Value;
        var subscription = new StreamSubscription(
            topic, partitions, start, filter, client, settings.SubscriberBufferSize, settings.SubscriberBufferBytes, untilEnd, topicId);
        TopicConsumer consumer;
        lock (_gate)
        {
            if (_subscriptions.Count >= settings.MaxStreams)
            {
                throw TooManyStreams($"The gateway serves at most {settings.MaxStreams} streams at once (Streaming:MaxStreams).");
            }

            var perClient = _streamsByClient.GetValueOrDefault(client);
            if (perClient >= settings.MaxStreamsPerClient)
            {
                throw TooManyStreams(
                    $"A client may hold at most {settings.MaxStreamsPerClient} streams at once (Streaming:MaxStreamsPerClient).");
            }

            if (!(start.IsLiveTail && _liveTails.ContainsKey(topic)) && _consumers.Count >= settings.MaxConsumers)
            {
                // Each consumer holds up to a few MiB (fetch and queue limits): this bounds the gateway's memory.
                throw TooManyStreams(
                    $"The gateway runs at most {settings.MaxConsumers} stream consumers at once (Streaming:MaxConsumers); " +
                    "live tails (from=latest) of a topic that already has one share it.");
            }

            _streamsByClient[client] = perClient + 1;
            _subscriptions.Add(subscription);

            var created = false;
            if (start.IsLiveTail && _liveTails.TryGetValue(topic, out var live))
            {
                consumer = live;
                consumer.ExtendPartitions(topicPartitions);
                consumer.Add(subscription);
            }
            else
            {
                // The first subscriber is handed to the constructor, before the consumer thread starts: attached any
                // later, a private consumer could already have read (and passed over) records the stream must get.
                consumer = new TopicConsumer(
                    topic, start.IsLiveTail ? topicPartitions : partitions, start, connection.CreateClientConfig(),
                    TimeSpan.FromSeconds(kafkaOptions.Value.MetadataTimeoutSeconds), logger, _librdkafkaLog, OnConsumerClosed, subscription,
                    HandOff);
                created = true;
                _consumers.Add(consumer);
                Interlocked.Increment(ref _activeConsumers);
                if (start.IsLiveTail)
                {
                    _liveTails[topic] = consumer;
                }
            }

            consumer.References++;
            subscription.Consumer = consumer;
            if (created)
            {
                consumer.Begin();
            }
        }

        return subscription;
    }

    /// <summary>Closes a stream: frees its buffer at once and stops its consumer when it was the last subscriber.</summary>
    public void Unsubscribe(StreamSubscription subscription)
    {
        lock (_gate)
        {
            if (!_subscriptions.Remove(subscription))
            {
                return;
            }

            var remaining = _streamsByClient[subscription.Client] - 1;
            if (remaining == 0)
            {
                _streamsByClient.Remove(subscription.Client);
            }
            else
            {
                _streamsByClient[subscription.Client] = remaining;
            }

            if (subscription.Consumer is { } consumer)
            {
                consumer.Remove(subscription);
                if (--consumer.References == 0)
                {
                    if (consumer.IsShared && _liveTails.TryGetValue(consumer.Topic, out var live) && live == consumer)
                    {
                        _liveTails.Remove(consumer.Topic);
                    }

                    consumer.Stop();
                }
            }
        }

        subscription.Close();
    }

    /// <summary>
    /// Every <see cref="StreamingOptions.PartitionCheckSeconds"/>: live tails learn partitions added to their topics, and
    /// streams of topics that no longer exist end with <c>event: end</c> (<c>topic_deleted</c>).
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PartitionCheckSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                TopicConsumer[] consumers;
                lock (_gate)
                {
                    consumers = [.. _consumers];
                }

                if (consumers.Length == 0)
                {
                    continue;
                }

                try
                {
                    var metadata = await blockingCalls.RunAsync(
                        () => admin.GetMetadata(TimeSpan.FromSeconds(kafkaOptions.Value.MetadataTimeoutSeconds)), stoppingToken);
                    foreach (var consumer in consumers)
                    {
                        var topic = metadata.Topics.FirstOrDefault(t => t.Topic == consumer.Topic);
                        if (topic is null || topic.Error.Code == ErrorCode.UnknownTopicOrPart || topic.Partitions.Count == 0)
                        {
                            // Metadata of all topics answered without it: deleted. Streams end instead of reporting
                            // kafka_unavailable forever; a topic created again under the name gets a fresh consumer.
                            EndStreams(consumer, "topic_deleted");
                        }
                        else if (consumer.IsShared && !topic.Error.IsError)
                        {
                            consumer.ExtendPartitions(topic.Partitions.Select(p => p.PartitionId).ToArray());
                        }
                    }
                }
                catch (KafkaException ex)
                {
                    StreamingLog.PartitionCheckFailed(logger, ex.Error.Code, ex.Error.Reason);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Host shutdown: StopAsync closes the consumers.
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Task[] closing;
        lock (_gate)
        {
            StreamingLog.HubStopping(logger, _subscriptions.Count, _consumers.Count);
            foreach (var consumer in _consumers)
            {
                consumer.Stop();
            }

            closing = _consumers.Select(c => c.Closed).ToArray();
            _liveTails.Clear();
        }

        try
        {
            await Task.WhenAll(closing).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            StreamingLog.HubStopTimedOut(logger, closing.Count(t => !t.IsCompleted));
        }
    }

    /// <summary>
    /// Moves a caught-up private stream onto its topic's shared live tail (called on the private consumer's thread);
    /// the private consumer then closes. False when there is no live tail or it cannot take the stream without a gap.
    /// </summary>
    private bool HandOff(TopicConsumer from, StreamSubscription subscription, IReadOnlyDictionary<int, long> delivered)
    {
        lock (_gate)
        {
            if (!_subscriptions.Contains(subscription) || subscription.Consumer != from
                || !_liveTails.TryGetValue(from.Topic, out var live) || !live.TryAdopt(subscription, delivered))
            {
                return false;
            }

            live.References++;
            subscription.Consumer = live;
            if (--from.References == 0)
            {
                from.Stop();
            }

            StreamingLog.StreamHandedOver(logger, from.Topic, subscription.Client);
            return true;
        }
    }

    private void EndStreams(TopicConsumer consumer, string reason)
    {
        lock (_gate)
        {
            if (_liveTails.TryGetValue(consumer.Topic, out var live) && live == consumer)
            {
                _liveTails.Remove(consumer.Topic);
            }
        }

        StreamingLog.StreamsEnded(logger, consumer.Topic, reason);
        consumer.End(reason);
    }

    private void OnConsumerClosed(TopicConsumer consumer)
    {
        lock (_gate)
        {
            _consumers.Remove(consumer);
        }

        Interlocked.Decrement(ref _activeConsumers);
        ReturnNativeMemorySoon();
    }

    /// <summary>
    /// A closed consumer's native memory (its prefetched records, fetch buffers) goes back to glibc's arenas, which keep
    /// it: once, shortly after a burst of closes, the free pages are returned to the OS (<see cref="NativeHeap.Trim"/>).
    /// Closes while a trim is pending are covered by it.
    /// </summary>
    private void ReturnNativeMemorySoon()
    {
        if (Interlocked.Exchange(ref _nativeTrimPending, 1) == 0)
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(s_nativeTrimDelay).ConfigureAwait(false);
                Volatile.Write(ref _nativeTrimPending, 0);
                NativeHeap.Trim();
            });
        }
    }

    private static GatewayException TooManyStreams(string detail) =>
        new(GatewayErrors.TooManyStreams, detail) { RetryAfterSeconds = 5 };
}
