using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The Kafka topic the built-in registry persists to: one partition (record order is the registry's history),
/// compacted. Every record goes to partition 0 explicitly, so an auto-created topic with more partitions still keeps
/// one ordered history.
/// </summary>
/// <remarks>
/// <para><b>Fenced writes.</b> Records are written in Kafka transactions by a producer whose <c>transactional.id</c>
/// is fixed per registry topic (<see cref="TransactionalId"/>), the same on every gateway. <c>InitTransactions</c>
/// bumps the id's epoch, which fences whichever gateway wrote before: its next produce or commit fails
/// (<c>ProducerFenced</c>), and what it had sent in its open transaction is aborted. A fenced writer drops its producer
/// and starts again with a new one, reading the topic to its end before it decides anything (the registry does that
/// before every write).</para>
/// <para><b>Reading.</b> Every gateway tails the topic with <c>isolation.level=read_committed</c>, so aborted
/// records of a fenced writer are never applied.</para>
/// </remarks>
internal sealed partial class RegistryTopic(
    KafkaConnection connection,
    IAdminClient admin,
    KafkaBlockingCalls blockingCalls,
    IOptions<SchemaRegistryOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<RegistryTopic> logger) : IDisposable
{
    private static readonly TimeSpan s_adminTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_transactionTimeout = TimeSpan.FromSeconds(15);
    private readonly string _topic = options.Value.Topic;
    private readonly Lock _clientsLock = new();
    private IProducer<byte[], byte[]?>? _producer;
    private IConsumer<byte[], byte[]?>? _watermarks;
    private IAdminClient? _metadata;
    private bool _disposed;

    public string Name => _topic;

    /// <summary>The transactional id every gateway writing this registry topic shares; it fences earlier writers.</summary>
    public string TransactionalId => $"kafkagateway-registry-{_topic}";

    /// <summary>
    /// Writes <paramref name="records"/> in one transaction and returns their offsets, or null when this gateway's
    /// producer was fenced (another gateway initialised the transactional id since): nothing of it was committed;
    /// the next call starts a new producer, which fences the other one in turn.
    /// </summary>
    /// <exception cref="KafkaException">Kafka did not take the records (the transaction was aborted).</exception>
    public async Task<IReadOnlyList<long>?> AppendAsync(IReadOnlyList<RegistryRecord> records)
    {
        var producer = await WriterAsync();
        try
        {
            producer.BeginTransaction();
            var sent = records
                .Select(r => producer.ProduceAsync(new TopicPartition(_topic, 0),
                    new Message<byte[], byte[]?> { Key = r.SerializeKey(), Value = r.SerializeValue() }))
                .ToList();
            var results = await Task.WhenAll(sent);
            await blockingCalls.RunAsync(() => { producer.CommitTransaction(s_transactionTimeout); return true; }, CancellationToken.None);
            return results.Select(r => r.Offset.Value).ToList();
        }
        catch (KafkaException ex) when (IsFenced(ex.Error))
        {
            LogFenced(logger, _topic, TransactionalId, ex.Error.Reason);
            DropWriter(producer);
            return null;
        }
        catch (KafkaException ex)
        {
            LogTransactionFailed(logger, _topic, ex.Error.Reason);
            if (ex.Error.IsFatal)
            {
                DropWriter(producer);
            }
            else
            {
                try
                {
                    await blockingCalls.RunAsync(() => { producer.AbortTransaction(s_transactionTimeout); return true; }, CancellationToken.None);
                }
                catch (KafkaException)
                {
                    // The transaction cannot even be aborted: start afresh (a new producer aborts it by fencing).
                    DropWriter(producer);
                }
            }

            throw;
        }
    }

    /// <summary>
    /// The offset after the topic's last record (its high watermark); 0 only when a metadata answer from the cluster
    /// says that the topic does not exist. A failed or timed-out query throws: it never means "empty".
    /// </summary>
    /// <exception cref="KafkaException">Kafka did not answer.</exception>
    public async Task<long> EndOffsetAsync(CancellationToken cancellationToken)
    {
        var consumer = Watermarks();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await blockingCalls.RunAsync(() => consumer.QueryWatermarkOffsets(new TopicPartition(_topic, 0), s_adminTimeout).High.Value, cancellationToken);
            }
            catch (KafkaException)
            {
                // A missing topic shows as an unknown partition or as a timeout: only the metadata answer decides.
                if (!await ExistsAsync(cancellationToken))
                {
                    LogTopicMissing(logger, _topic);
                    return 0;
                }

                if (attempt == 3)
                {
                    throw; // The topic is there; its partition did not answer (e.g. no leader yet).
                }
            }

            // The topic exists, e.g. another gateway's first write just created it: the metadata answer refreshed
            // this client's view of it, so ask again.
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
        }
    }

    /// <summary>
    /// True when the topic exists; false only on a successful metadata answer (it names brokers) in which the cluster
    /// reports the topic unknown.
    /// </summary>
    /// <exception cref="KafkaException">The metadata request failed or timed out.</exception>
    public async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        // Asked through the reading consumer's handle (allow.auto.create.topics=false): asking must not create the
        // topic with the brokers' defaults (not compacted) before EnsureCreatedAsync could create it properly.
        var metadataClient = MetadataClient();
        var metadata = await blockingCalls.RunAsync(() => metadataClient.GetMetadata(_topic, s_adminTimeout), cancellationToken);
        var topic = metadata.Topics.Find(t => t.Topic == _topic);
        if (metadata.Brokers.Count > 0 && (topic is null || topic.Error.Code == ErrorCode.UnknownTopicOrPart))
        {
            return false;
        }

        return topic is null || topic.Error.Code == ErrorCode.NoError
            ? true
            : throw new KafkaException(topic.Error);
    }

    /// <summary>
    /// Tails the topic from <paramref name="fromOffset"/> until cancelled (read_committed), on its own thread:
    /// <paramref name="onRecord"/> gets each record's offset and the record (null with the reason when it cannot be
    /// read); <paramref name="onEnd"/> the offset after the last record each time the tail reaches the end.
    /// </summary>
    /// <exception cref="KafkaException">A fatal consumer error; the caller starts a new tail.</exception>
    public Task TailAsync(
        long fromOffset, Action<long, RegistryRecord?, string?> onRecord, Action<long> onEnd, Action<string> onError,
        CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Tail(fromOffset, onRecord, onEnd, onError, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Tail(long fromOffset, Action<long, RegistryRecord?, string?> onRecord, Action<long> onEnd, Action<string> onError, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig(connection.CreateClientConfig())
        {
            // Assign() only: the group is never joined and nothing is committed.
            GroupId = $"kafkagateway-schema-registry-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            AllowAutoCreateTopics = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            // Other gateways' registrations show up within this (brokers answer at once when there is data).
            FetchWaitMaxMs = 100,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]?>(config)
            .SetLogHandler(KafkaLogBridge.Create<IConsumer<byte[], byte[]?>>(loggerFactory, "schema-registry-reader"))
            .Build();
        try
        {
            consumer.Assign(new TopicPartitionOffset(_topic, 0, fromOffset));
            while (!cancellationToken.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]?>? result;
                try
                {
                    result = consumer.Consume(TimeSpan.FromMilliseconds(500));
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    // E.g. the topic does not exist yet or a leader moved: librdkafka keeps trying; so does the tail.
                    onError($"{ex.Error.Code}: {ex.Error.Reason}");
                    continue;
                }

                if (result is null)
                {
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    onEnd(result.Offset.Value);
                    continue;
                }

                if (result.Message.Key is not { Length: > 0 } key)
                {
                    LogUnreadableRecord(logger, _topic, result.Offset.Value, "the record has no key");
                    onRecord(result.Offset.Value, null, "the record has no key");
                    continue;
                }

                RegistryRecord record;
                try
                {
                    record = RegistryRecord.Deserialize(key, result.Message.Value);
                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
                {
                    // Anyone who may write the topic can put anything there: skip it, never stop reading.
                    LogUnreadableRecord(logger, _topic, result.Offset.Value, ex.Message);
                    onRecord(result.Offset.Value, null, ex.Message);
                    continue;
                }

                onRecord(result.Offset.Value, record, null);
            }
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>
    /// Creates the topic compacted with one partition where the cluster supports CreateTopics (the embedded mock
    /// cluster does not: then it is created on first write with the broker defaults).
    /// </summary>
    public async Task EnsureCreatedAsync()
    {
        if (connection.EmbeddedCluster is { } embedded)
        {
            // The embedded mock has no CreateTopics API (it would time out); it creates topics itself (no compaction).
            try
            {
                embedded.CreateTopic(_topic, 1, Math.Min(embedded.BrokerCount, 3));
                LogTopicCreated(logger, _topic);
            }
            catch (KafkaException ex)
            {
                LogTopicNotCreated(logger, _topic, ex.Error.Reason);
            }

            return;
        }

        try
        {
            var brokers = (await blockingCalls.RunAsync(() => admin.GetMetadata(s_adminTimeout), CancellationToken.None)).Brokers.Count;
            await admin.CreateTopicsAsync(
                [new TopicSpecification
                {
                    Name = _topic,
                    NumPartitions = 1,
                    ReplicationFactor = (short)Math.Clamp(brokers, 1, 3),
                    Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" },
                }],
                new CreateTopicsOptions { RequestTimeout = s_adminTimeout, OperationTimeout = s_adminTimeout });
            LogTopicCreated(logger, _topic);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            LogTopicExists(logger, _topic);
        }
        catch (KafkaException ex)
        {
            LogTopicNotCreated(logger, _topic, ex.Error.Reason);
        }
    }

    private async Task<IProducer<byte[], byte[]?>> WriterAsync()
    {
        IProducer<byte[], byte[]?>? producer;
        lock (_clientsLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            producer = _producer;
        }

        if (producer is not null)
        {
            return producer;
        }

        producer = new ProducerBuilder<byte[], byte[]?>(new ProducerConfig(connection.CreateClientConfig())
            {
                Acks = Acks.All,
                EnableIdempotence = true,
                TransactionalId = TransactionalId,
                TransactionTimeoutMs = (int)s_transactionTimeout.TotalMilliseconds * 2,
                MessageTimeoutMs = (int)s_transactionTimeout.TotalMilliseconds,
                LingerMs = 0,
            })
            .SetLogHandler(KafkaLogBridge.Create<IProducer<byte[], byte[]?>>(loggerFactory, "schema-registry-producer"))
            .Build();
        try
        {
            // Fences every other producer of this transactional id and completes (aborts) its open transaction.
            await blockingCalls.RunAsync(() => { producer.InitTransactions(s_transactionTimeout); return true; }, CancellationToken.None);
        }
        catch
        {
            producer.Dispose();
            throw;
        }

        lock (_clientsLock)
        {
            _producer = producer;
        }

        LogWriterStarted(logger, _topic, TransactionalId);
        return producer;
    }

    private void DropWriter(IProducer<byte[], byte[]?> producer)
    {
        lock (_clientsLock)
        {
            if (ReferenceEquals(_producer, producer))
            {
                _producer = null;
            }
        }

        producer.Dispose();
    }

    private IConsumer<byte[], byte[]?> Watermarks()
    {
        lock (_clientsLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _watermarks ??= new ConsumerBuilder<byte[], byte[]?>(new ConsumerConfig(connection.CreateClientConfig())
                {
                    GroupId = $"kafkagateway-schema-registry-{Guid.NewGuid():N}",
                    EnableAutoCommit = false,
                    AllowAutoCreateTopics = false,
                    IsolationLevel = IsolationLevel.ReadCommitted,
                })
                .SetLogHandler(KafkaLogBridge.Create<IConsumer<byte[], byte[]?>>(loggerFactory, "schema-registry-watermarks"))
                .Build();
        }
    }

    private IAdminClient MetadataClient()
    {
        var consumer = Watermarks();
        lock (_clientsLock)
        {
            return _metadata ??= new DependentAdminClientBuilder(consumer.Handle).Build();
        }
    }

    private static bool IsFenced(Error error) =>
        error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced
            or ErrorCode.InvalidProducerIdMapping or ErrorCode.UnknownProducerId;

    public void Dispose()
    {
        lock (_clientsLock)
        {
            _disposed = true;
        }

        _producer?.Dispose();
        _metadata?.Dispose();
        _watermarks?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry topic {Topic} created (compacted, 1 partition).")]
    private static partial void LogTopicCreated(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schema registry topic {Topic} already exists.")]
    private static partial void LogTopicExists(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Schema registry topic {Topic} could not be created through the admin API ({Reason}); relying on the brokers' auto-creation at the first write. In production create it yourself: 1 partition, cleanup.policy=compact.")]
    private static partial void LogTopicNotCreated(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The cluster reports schema registry topic {Topic} missing; the registry is empty until it is written.")]
    private static partial void LogTopicMissing(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry writer for topic {Topic} started with transactional id {TransactionalId} (earlier writers are fenced).")]
    private static partial void LogWriterStarted(ILogger logger, string topic, string transactionalId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry writer for topic {Topic} was fenced: another gateway took transactional id {TransactionalId} ({Reason}); it reads the topic again and retries.")]
    private static partial void LogFenced(ILogger logger, string topic, string transactionalId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schema registry transaction on topic {Topic} failed: {Reason}")]
    private static partial void LogTransactionFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping unreadable record at {Topic} offset {Offset}: {Reason}")]
    private static partial void LogUnreadableRecord(ILogger logger, string topic, long offset, string reason);
}
