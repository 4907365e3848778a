using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The Kafka topic the built-in registry persists to: one partition (record order is the registry's history),
/// compacted, written with acks=all and idempotence. Every record goes to partition 0 explicitly, so an
/// auto-created topic with more partitions still keeps one ordered history.
/// </summary>
internal sealed partial class RegistryTopic(
    KafkaConnection connection,
    IAdminClient admin,
    KafkaBlockingCalls blockingCalls,
    IOptions<BuiltInRegistryOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<RegistryTopic> logger) : IDisposable
{
    private static readonly TimeSpan s_adminTimeout = TimeSpan.FromSeconds(5);
    private readonly string _topic = options.Value.Topic;
    private readonly Lazy<IProducer<byte[], byte[]?>> _producer = new(() =>
        new ProducerBuilder<byte[], byte[]?>(new ProducerConfig(connection.CreateClientConfig())
            {
                Acks = Acks.All,
                EnableIdempotence = true,
                MessageTimeoutMs = 15_000,
                LingerMs = 0,
            })
            .SetLogHandler(KafkaLogBridge.Create<IProducer<byte[], byte[]?>>(loggerFactory, "schema-registry-producer"))
            .Build());

    public string Name => _topic;

    /// <summary>Writes <paramref name="record"/> and waits until Kafka acknowledged it.</summary>
    /// <exception cref="ProduceException{TKey,TValue}">Kafka did not take the record.</exception>
    public async Task<long> AppendAsync(RegistryRecord record, CancellationToken cancellationToken)
    {
        var message = new Message<byte[], byte[]?> { Key = record.SerializeKey(), Value = record.SerializeValue() };
        var result = await _producer.Value.ProduceAsync(new TopicPartition(_topic, 0), message, cancellationToken);
        return result.Offset.Value;
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

    /// <summary>Reads the topic from the beginning to the high watermark seen at the start, oldest first.</summary>
    /// <param name="apply">Applies one record.</param>
    /// <param name="skipped">Called for every record that cannot be used, with its offset and why; the read goes on.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public async Task<long> ReadToEndAsync(Action<RegistryRecord> apply, Action<long, string> skipped, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig(connection.CreateClientConfig())
        {
            // Assign() only: the group is never joined and nothing is committed.
            GroupId = $"kafkagateway-schema-registry-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            AllowAutoCreateTopics = false,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]?>(config)
            .SetLogHandler(KafkaLogBridge.Create<IConsumer<byte[], byte[]?>>(loggerFactory, "schema-registry-reader"))
            .Build();
        var partition = new TopicPartition(_topic, 0);

        WatermarkOffsets watermarks;
        try
        {
            watermarks = await Task.Run(() => consumer.QueryWatermarkOffsets(partition, s_adminTimeout), cancellationToken);
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition)
        {
            LogTopicMissing(logger, _topic);
            return 0;
        }

        var end = watermarks.High.Value;
        if (end <= watermarks.Low.Value)
        {
            return 0;
        }

        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        long read = 0;
        await Task.Run(() =>
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (result is null)
                {
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    if (result.Offset.Value >= end)
                    {
                        break;
                    }

                    continue;
                }

                if (result.Message.Key is { Length: > 0 } key)
                {
                    RegistryRecord? record = null;
                    try
                    {
                        record = RegistryRecord.Deserialize(key, result.Message.Value);
                    }
                    catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
                    {
                        // Anyone who may write the topic can put anything there: skip it, never stop reading.
                        LogUnreadableRecord(logger, _topic, result.Offset.Value, ex.Message);
                        skipped(result.Offset.Value, ex.Message);
                    }

                    if (record is not null)
                    {
                        apply(record);
                        read++;
                    }
                }
                else
                {
                    LogUnreadableRecord(logger, _topic, result.Offset.Value, "the record has no key");
                    skipped(result.Offset.Value, "the record has no key");
                }

                if (result.Offset.Value + 1 >= end)
                {
                    break;
                }
            }
        }, cancellationToken);
        consumer.Close();
        return read;
    }

    public void Dispose()
    {
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(5));
            _producer.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry topic {Topic} created (compacted, 1 partition).")]
    private static partial void LogTopicCreated(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schema registry topic {Topic} already exists.")]
    private static partial void LogTopicExists(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Schema registry topic {Topic} could not be created through the admin API ({Reason}); relying on the brokers' auto-creation at the first write. In production create it yourself: 1 partition, cleanup.policy=compact.")]
    private static partial void LogTopicNotCreated(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema registry topic {Topic} does not exist yet; the registry starts empty.")]
    private static partial void LogTopicMissing(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping unreadable record at {Topic} offset {Offset}: {Reason}")]
    private static partial void LogUnreadableRecord(ILogger logger, string topic, long offset, string reason);
}
