// Over 500 lines on purpose: leasing, retiring and closing producers share one state machine per producer
// (PooledProducer's lease count and retired flag); the statistics parsing that feeds it stays beside it.
using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaGateway.Kafka;
using KafkaGateway.Security;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// Long-lived, idempotent producers keyed by Kafka identity: created on first use, shared by every request of that
/// identity, flushed and disposed when idle, replaced after a fatal error, bounded in number. Requests lease a
/// producer (<see cref="Lease"/>), so none is closed while a request is queueing records on it or waiting for
/// their delivery reports.
/// </summary>
public sealed partial class ProducerPool : IDisposable
{
    /// <summary>The identity of the gateway's own Kafka credentials (<c>Kafka:Tls</c>).</summary>
    public const string DefaultIdentity = "default";

    private readonly ConcurrentDictionary<string, PooledProducer> _producers = new(StringComparer.Ordinal);
    // Out of the pool but not closed yet: leased by requests still waiting for deliveries, or being flushed.
    private readonly ConcurrentDictionary<PooledProducer, byte> _retiring = new();
    private readonly Lock _createLock = new();
    private readonly KafkaConnection _connection;
    private readonly KafkaIdentities _identities;
    private readonly ProducerOptions _options;
    private readonly ILogger<ProducerPool> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly KafkaClientErrors _errors;
    private readonly ITimer _idleSweep;
    private bool _disposed;
    private int _fatalRetirements;
    private int _timeoutRetirements;
    private int _closedProducers;

    public ProducerPool(
        KafkaConnection connection, KafkaIdentities identities, IOptions<ProducerOptions> options, ILoggerFactory loggerFactory,
        TimeProvider time, KafkaClientErrors errors)
    {
        _errors = errors;
        _connection = connection;
        _identities = identities;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ProducerPool>();
        _time = time;
        var sweep = TimeSpan.FromSeconds(Math.Max(5, _options.IdleProducerSeconds / 4));
        _idleSweep = time.CreateTimer(_ => DisposeIdle(), null, sweep, sweep);
        connection.Tls.Changed += RotateAll;
    }

    /// <summary>Producers retired because the TLS material changed.</summary>
    public int Rotations { get; private set; }

    /// <summary>Producers retired because librdkafka reported a fatal error.</summary>
    public int FatalRetirements => Volatile.Read(ref _fatalRetirements);

    /// <summary>
    /// Producers retired because a record timed out inside librdkafka (<c>Producer:MessageTimeoutMilliseconds</c>), after which
    /// the idempotent producer bumps its epoch (see <see cref="PooledProducer.MessageTimedOut"/>).
    /// </summary>
    public int TimeoutRetirements => Volatile.Read(ref _timeoutRetirements);

    /// <summary>Producers flushed and disposed so far (idle, rotated, broken or at shutdown).</summary>
    public int ClosedProducers => Volatile.Read(ref _closedProducers);

    /// <summary>
    /// New TLS material: requests from now on get new producers built with it; the old producers leave the pool and
    /// are closed once the last request using them let go, so records they hold are still delivered (and answered).
    /// </summary>
    private void RotateAll()
    {
        RetireAll();
        Rotations++;
    }

    /// <summary>Takes every producer out of the pool; each is closed when the last request using it let go.</summary>
    internal void RetireAll()
    {
        List<PooledProducer> retired;
        lock (_createLock)
        {
            retired = [.. _producers.Values];
            _producers.Clear();
        }

        retired.ForEach(Retire);
    }

    /// <summary>Producers alive now (retired ones still finishing their requests not counted).</summary>
    public int Count => _producers.Count;

    /// <summary>
    /// Leases the producer for <paramref name="identity"/>, created when needed. Until the lease is disposed the
    /// producer is not closed: idle eviction, certificate rotation and fatal errors only take it out of the pool,
    /// and the last lease holder's release closes it.
    /// </summary>
    public ProducerLease Lease(string identity = DefaultIdentity)
    {
        // The common case: a healthy pooled producer, one interlocked increment.
        if (_producers.TryGetValue(identity, out var pooled) && !pooled.Broken && pooled.TryAcquire())
        {
            pooled.Touch(_time);
            return new ProducerLease(this, pooled);
        }

        lock (_createLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_producers.TryGetValue(identity, out pooled))
            {
                if (!pooled.Broken && pooled.TryAcquire())
                {
                    pooled.Touch(_time);
                    return new ProducerLease(this, pooled);
                }

                // A fatal error (e.g. the idempotent producer's sequence was lost) ends a producer for good; the error
                // handler usually took it out already.
                if (pooled.Broken)
                {
                    MarkBroken(pooled);
                }
                else if (_producers.TryRemove(new KeyValuePair<string, PooledProducer>(identity, pooled)))
                {
                    Retire(pooled);
                }
            }

            if (_producers.Count >= _options.MaxProducers)
            {
                throw new Http.GatewayException(Http.GatewayErrors.ProducerPoolExhausted, $"The gateway holds {_options.MaxProducers} producers (Producer:MaxProducers) already.")
                {
                    RetryAfterSeconds = 5,
                };
            }

            pooled = Create(identity);
            pooled.TryAcquire();
            _producers[identity] = pooled;
            return new ProducerLease(this, pooled);
        }
    }

    /// <summary>Flushes every producer, waiting up to <paramref name="timeout"/>; records still queued then are reported.</summary>
    public int FlushAll(TimeSpan timeout)
    {
        var remaining = 0;
        foreach (var pooled in _producers.Values.Concat(_retiring.Keys))
        {
            try
            {
                remaining += pooled.Producer.Flush(timeout);
            }
            catch (ObjectDisposedException)
            {
                // Closed meanwhile by its retirement, which flushed it.
            }
        }

        return remaining;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_createLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _idleSweep.Dispose();
        _connection.Tls.Changed -= RotateAll;
        // The host stopped: requests are over, so nothing waits for leases any more.
        foreach (var pooled in _producers.Values.Concat(_retiring.Keys).ToList())
        {
            pooled.MarkRetired();
            Close(pooled);
        }

        _producers.Clear();
    }

    private PooledProducer Create(string identity)
    {
        // A principal with its own Kafka identity (Kafka:Identities:<principal>) connects with its own certificate.
        var client = _identities.MaterialOf(identity) is { } material
            ? _connection.CreateClientConfig(material)
            : _connection.CreateClientConfig();
        var config = new ProducerConfig(client)
        {
            Acks = Acks.All,
            EnableIdempotence = true,
            // Without it librdkafka closes a gap left by a failed batch with an epoch bump, and a batch that was
            // written but whose answer was lost is then sent again under the new epoch, which no broker can
            // recognise as a duplicate: ProduceUnderFaultsTests saw such batches twice in Kafka (in 4 of 7 runs).
            // With it the producer fails fatally instead, and the pool replaces it (in-flight requests keep their
            // honest per-record answers). librdkafka calls the setting experimental.
            EnableGaplessGuarantee = true,
            MaxInFlight = 5,
            LingerMs = _options.LingerMilliseconds,
            BatchSize = _options.BatchSizeBytes,
            CompressionType = Enum.Parse<CompressionType>(_options.CompressionType, ignoreCase: true),
            MessageTimeoutMs = _options.MessageTimeoutMilliseconds,
            QueueBufferingMaxMessages = _options.MaxQueuedMessages,
            QueueBufferingMaxKbytes = _options.MaxQueuedKilobytes,
            EnableDeliveryReports = true,
            // Only the status: the answer needs partition, offset and status, and reading headers back out of every
            // delivery report costs native calls and copies per record.
            DeliveryReportFields = "status",
            ClientId = $"{client.ClientId}-producer-{identity}",
            StatisticsIntervalMs = _options.StatisticsIntervalMilliseconds,
            // Producing never creates topics (librdkafka's producer default would, on brokers that allow it): a
            // missing topic is refused up front, or created deliberately (ProduceTopics, Producer:AutoCreateTopics).
            AllowAutoCreateTopics = false,
        };
        var pooled = new PooledProducer(identity) { TimedOut = RetireAfterMessageTimeout };
        pooled.Producer = new ProducerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler(KafkaLogBridge.Create<IProducer<byte[]?, byte[]?>>(_loggerFactory, "producer-" + identity, _errors))
            .SetStatisticsHandler((_, json) =>
            {
                var statistics = ParseStatistics(identity, json, out var brokersUp);
                pooled.BrokersUp = brokersUp;
                pooled.Statistics = statistics;
                if (brokersUp > 0)
                {
                    pooled.AllBrokersDown = false;
                }
            })
            .SetErrorHandler((_, error) =>
            {
                if (error.IsFatal)
                {
                    // Out of the pool at once, so the next request gets a fresh producer; requests holding a lease
                    // still get their records' delivery reports, and the last of them closes it.
                    LogFatal(_logger, identity, error.Code, error.Reason);
                    MarkBroken(pooled);
                }
                else
                {
                    pooled.LastError = error;
                    _errors.Record("producer-" + identity, error);
                    if (error.Code == ErrorCode.Local_AllBrokersDown)
                    {
                        pooled.AllBrokersDown = true;
                    }
                }
            })
            .Build();
        pooled.Touch(_time);
        LogCreated(_logger, identity);
        return pooled;
    }

    private void DisposeIdle()
    {
        var cutoff = _time.GetUtcNow() - TimeSpan.FromSeconds(_options.IdleProducerSeconds);
        foreach (var (identity, pooled) in _producers)
        {
            if (pooled.LastUsed < cutoff && _producers.TryRemove(new KeyValuePair<string, PooledProducer>(identity, pooled)))
            {
                LogIdle(_logger, identity);
                Retire(pooled);
            }
        }
    }

    /// <summary>Takes a producer out of service: closed now when no request leases it, else by the last release.</summary>
    private void Retire(PooledProducer pooled)
    {
        _retiring.TryAdd(pooled, 0);
        if (pooled.MarkRetired())
        {
            CloseInBackground(pooled);
        }
    }

    /// <summary>A producer that refused a record with a fatal error leaves the pool (its error event may come later).</summary>
    internal void MarkBroken(PooledProducer pooled)
    {
        pooled.Broken = true;
        if (_producers.TryRemove(new KeyValuePair<string, PooledProducer>(pooled.Identity, pooled)))
        {
            Interlocked.Increment(ref _fatalRetirements);
            Retire(pooled);
        }
    }

    /// <summary>
    /// A record of <paramref name="pooled"/> timed out inside librdkafka: the producer leaves the pool, so the next
    /// requests go to a fresh producer (a new producer id, no retries carried over), and its remaining records keep
    /// their reports. Called once, on the producer's poll thread; retiring only marks it (closing runs elsewhere).
    /// </summary>
    private void RetireAfterMessageTimeout(PooledProducer pooled)
    {
        pooled.Broken = true;
        if (_producers.TryRemove(new KeyValuePair<string, PooledProducer>(pooled.Identity, pooled)))
        {
            Interlocked.Increment(ref _timeoutRetirements);
            LogRetiredAfterTimeout(_logger, pooled.Identity);
            Retire(pooled);
        }
    }

    internal void Release(PooledProducer pooled)
    {
        if (pooled.Release())
        {
            CloseInBackground(pooled);
        }
    }

    // Never on the caller's thread: the last release can come from a delivery callback's continuation, and a
    // producer must not be flushed or disposed from its own poll thread.
    private void CloseInBackground(PooledProducer pooled) => _ = Task.Run(() => Close(pooled));

    private void Close(PooledProducer pooled)
    {
        if (!pooled.TryClaimClose())
        {
            return;
        }

        try
        {
            // Flush before dispose: records still queued get their delivery reports.
            var left = pooled.Producer.Flush(TimeSpan.FromMilliseconds(_options.MessageTimeoutMilliseconds));
            if (left > 0)
            {
                LogUnflushed(_logger, pooled.Identity, left);
            }
        }
        finally
        {
            pooled.Producer.Dispose();
            _retiring.TryRemove(pooled, out _);
            Interlocked.Increment(ref _closedProducers);
        }
    }

    /// <summary>
    /// Throws 503 when the producer of <paramref name="identity"/> knows that no broker is reachable (its last
    /// statistics showed none up): nothing is queued, so the client knows for sure nothing was written.
    /// </summary>
    public void EnsureBrokersReachable(string identity)
    {
        // Both signals: librdkafka said all brokers went down, and no statistics since showed one up again. (A young
        // producer's statistics alone can show no broker up while it is still connecting.)
        if (_producers.TryGetValue(identity, out var pooled) && pooled.AllBrokersDown && pooled.BrokersUp == 0)
        {
            var cause = pooled.LastError is { } error ? $" Last Kafka client error: {error.Reason}" : "";
            throw Kafka.KafkaErrorMapper.Unavailable("No Kafka broker is reachable from the gateway; nothing was written." + cause, pooled.LastError);
        }
    }

    /// <summary>The last statistics of every producer alive (for the metrics gauges).</summary>
    public IEnumerable<ProducerStatistics> Statistics() =>
        _producers.Values.Select(p => p.Statistics).OfType<ProducerStatistics>();

    /// <summary>
    /// Queue depth (msg_cnt) and per-broker outbuf_cnt, waitresp_cnt and rtt.avg from a librdkafka statistics
    /// document; <paramref name="brokersUp"/> counts brokers in state UP (-1 when the document has no brokers).
    /// </summary>
    internal static ProducerStatistics ParseStatistics(string identity, string statisticsJson, out int brokersUp)
    {
        using var document = System.Text.Json.JsonDocument.Parse(statisticsJson);
        var root = document.RootElement;
        var queued = root.TryGetProperty("msg_cnt", out var count) ? count.GetInt64() : 0;
        var list = new List<BrokerStatistics>();
        if (!root.TryGetProperty("brokers", out var brokers))
        {
            brokersUp = -1;
            return new ProducerStatistics(identity, queued, list);
        }

        brokersUp = 0;
        foreach (var broker in brokers.EnumerateObject())
        {
            if (!broker.Value.TryGetProperty("nodeid", out var id) || id.GetInt32() < 0)
            {
                continue;
            }

            if (broker.Value.TryGetProperty("state", out var state) && state.GetString() == "UP")
            {
                brokersUp++;
            }

            list.Add(new BrokerStatistics(
                id.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
                Long(broker.Value, "outbuf_cnt"),
                Long(broker.Value, "waitresp_cnt"),
                broker.Value.TryGetProperty("rtt", out var rtt) ? Long(rtt, "avg") / 1_000_000.0 : 0));
        }

        return new ProducerStatistics(identity, queued, list);
    }

    private static long Long(System.Text.Json.JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : 0;

    /// <summary>The last non-fatal client error of the default producer (e.g. a TLS handshake failure), if any.</summary>
    public Error? LastError(string identity = DefaultIdentity) =>
        _producers.TryGetValue(identity, out var pooled) ? pooled.LastError : null;

    internal sealed class PooledProducer(string identity)
    {
        private const int RetiredFlag = 1 << 30;

        private long _lastUsedTicks;

        // Leases held, plus RetiredFlag once the producer left the pool: no new lease after that, and whoever sees
        // the count reach zero with the flag set closes it (exactly one party can).
        private int _state;
        private int _closed;

        public string Identity { get; } = identity;

        public IProducer<byte[]?, byte[]?> Producer { get; set; } = null!;

        public volatile bool Broken;

        /// <summary>
        /// A record of this producer timed out inside librdkafka (message.timeout.ms). The idempotent producer then
        /// drains and bumps its epoch, renumbering the records it still has to send, and a batch among them that the
        /// broker had written already (its answer lost) is written a second time: the broker cannot recognise it
        /// under the new epoch, and librdkafka exempts message timeouts from the gapless guarantee. So a record
        /// reported persisted after this point may be in Kafka twice and is answered possibly_persisted.
        /// </summary>
        public volatile bool MessageTimedOut;

        /// <summary>What the pool does when the first record of this producer times out.</summary>
        public Action<PooledProducer>? TimedOut { get; init; }

        /// <summary>Called from a delivery report with a message timeout (on the poll thread, before later reports).</summary>
        public void OnMessageTimedOut()
        {
            if (!MessageTimedOut)
            {
                MessageTimedOut = true;
                TimedOut?.Invoke(this);
            }
        }

        public Error? LastError { get; set; }

        /// <summary>Brokers up in the last statistics; -1 before the first statistics arrive.</summary>
        public volatile int BrokersUp = -1;

        /// <summary>librdkafka reported all brokers down, and no broker was seen up since.</summary>
        public volatile bool AllBrokersDown;

        /// <summary>The last statistics; null before the first arrive.</summary>
        public ProducerStatistics? Statistics { get; set; }

        public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

        public void Touch(TimeProvider time) => Interlocked.Exchange(ref _lastUsedTicks, time.GetUtcNow().UtcTicks);

        public bool TryAcquire()
        {
            while (true)
            {
                var state = Volatile.Read(ref _state);
                if ((state & RetiredFlag) != 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
                {
                    return true;
                }
            }
        }

        /// <summary>True when this was the last lease of a retired producer: the caller closes it.</summary>
        public bool Release() => Interlocked.Decrement(ref _state) == RetiredFlag;

        /// <summary>True when no lease is held: the caller closes it now.</summary>
        public bool MarkRetired() => Interlocked.Or(ref _state, RetiredFlag) == 0;

        public bool TryClaimClose() => Interlocked.Exchange(ref _closed, 1) == 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka producer for identity {Identity} created")]
    private static partial void LogCreated(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka producer for identity {Identity} idle; flushed and closed")]
    private static partial void LogIdle(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka producer for identity {Identity} hit a fatal error {Code}: {Reason}; it will be replaced")]
    private static partial void LogFatal(ILogger logger, string identity, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka producer for identity {Identity} had a record time out (Producer:MessageTimeoutMilliseconds); " +
        "it is replaced, and records it reports persisted from now on are answered possibly_persisted (its epoch bump can write a retried batch twice)")]
    private static partial void LogRetiredAfterTimeout(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka producer for identity {Identity} closed with {Count} record(s) undelivered")]
    private static partial void LogUnflushed(ILogger logger, string identity, int count);
}

/// <summary>A request's use of a pooled producer; disposing it lets the pool close a retired producer.</summary>
public readonly struct ProducerLease : IDisposable
{
    private readonly ProducerPool _pool;
    private readonly ProducerPool.PooledProducer _pooled;

    internal ProducerLease(ProducerPool pool, ProducerPool.PooledProducer pooled)
    {
        _pool = pool;
        _pooled = pooled;
    }

    /// <summary>The leased producer.</summary>
    public IProducer<byte[]?, byte[]?> Producer => _pooled.Producer;

    /// <summary>True once librdkafka reported a fatal error for this producer.</summary>
    public bool Broken => _pooled.Broken;

    /// <summary>The pooled producer (its health flags), for the request's delivery reports.</summary>
    internal ProducerPool.PooledProducer Pooled => _pooled;

    /// <summary>Takes the producer out of the pool after it refused a record with a fatal error.</summary>
    public void MarkBroken() => _pool?.MarkBroken(_pooled);

    /// <inheritdoc />
    public void Dispose() => _pool?.Release(_pooled);
}
