using Confluent.Kafka;

namespace KafkaGateway.Producing;

/// <summary>
/// The delivery reports of one request's records, filled in by librdkafka's delivery callbacks (on the producer's
/// poll thread) and completed when the last one arrived. One task per request instead of one per record.
/// </summary>
internal sealed class DeliveryBatch
{
    private readonly Lock _lock = new();
    private readonly DeliveryReport<byte[]?, byte[]?>?[] _reports;
    private readonly Exception?[] _failures;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ProducerPool.PooledProducer? _producer;
    // Set per record whose report came after a record of the same producer timed out inside librdkafka.
    private readonly bool[] _afterTimeout;
    private int _pending;
    private bool _sealed;

    /// <param name="count">Records in the request.</param>
    /// <param name="producer">The producer the records go to; its message timeouts are watched (see <see cref="AfterMessageTimeout"/>).</param>
    public DeliveryBatch(int count, ProducerPool.PooledProducer? producer = null)
    {
        _producer = producer;
        _reports = new DeliveryReport<byte[]?, byte[]?>?[count];
        _failures = new Exception?[count];
        _afterTimeout = new bool[count];
        _pending = count;
        if (count == 0)
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>The producer the records went to (null in unit tests).</summary>
    public ProducerPool.PooledProducer? Producer => _producer;

    /// <summary>Completes when every record has a report or a failure.</summary>
    public Task Completion => _completion.Task;

    /// <summary>The delivery callback of record <paramref name="index"/>.</summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> HandlerFor(int index) => report =>
    {
        // Delivery reports of a producer arrive in librdkafka's order on its one poll thread, so a report that
        // comes after a timed-out record's report belongs to a request librdkafka may have sent under the bumped
        // epoch (ProducerPool.PooledProducer.MessageTimedOut). Read before this report can set it.
        var afterTimeout = _producer?.MessageTimedOut ?? false;
        if (report.Error.Code == ErrorCode.Local_MsgTimedOut)
        {
            _producer?.OnMessageTimedOut();
        }

        Settle(index, report, null, afterTimeout);
    };

    /// <summary>
    /// Whether record <paramref name="index"/>'s report came after a record of the same producer timed out inside
    /// librdkafka: the idempotent producer then bumps its epoch, and a batch it sends again under the new epoch is
    /// written again if the broker had written it already, so "persisted" no longer means "once". Read after
    /// <see cref="Snapshot"/>.
    /// </summary>
    public bool AfterMessageTimeout(int index) => _afterTimeout[index];

    /// <summary>Record <paramref name="index"/> was refused before it was queued.</summary>
    public void Failed(int index, Exception exception) => Settle(index, null, exception, false);

    /// <summary>
    /// Record <paramref name="index"/> was refused before it was queued, and the records after it are not sent: a
    /// later record of the same partition written ahead of a retried earlier one would reorder the partition.
    /// </summary>
    public void Refused(int index, Exception exception)
    {
        lock (_lock)
        {
            if (_sealed)
            {
                return;
            }

            FirstRefused = index;
            RefusalCause = exception;
            for (var i = index; i < _reports.Length; i++)
            {
                if (_reports[i] is null && _failures[i] is null)
                {
                    _failures[i] = exception;
                    _pending--;
                }
            }

            if (_pending > 0)
            {
                return;
            }
        }

        _completion.TrySetResult();
    }

    /// <summary>The record whose synchronous refusal stopped the batch; the records after it were never sent. -1 when none.</summary>
    public int FirstRefused { get; private set; } = -1;

    /// <summary>Why <see cref="FirstRefused"/> was refused.</summary>
    public Exception? RefusalCause { get; private set; }

    /// <summary>
    /// What is known now. Reports arriving later (after a delivery timeout) are ignored, so the answer built from
    /// the snapshot never changes underneath.
    /// </summary>
    public (DeliveryReport<byte[]?, byte[]?>?[] Reports, Exception?[] Failures) Snapshot()
    {
        lock (_lock)
        {
            _sealed = true;
            return (_reports, _failures);
        }
    }

    private void Settle(int index, DeliveryReport<byte[]?, byte[]?>? report, Exception? failure, bool afterTimeout)
    {
        lock (_lock)
        {
            if (_sealed || _reports[index] is not null || _failures[index] is not null)
            {
                return;
            }

            _reports[index] = report;
            _failures[index] = failure;
            _afterTimeout[index] = afterTimeout;
            if (--_pending > 0)
            {
                return;
            }
        }

        _completion.TrySetResult();
    }
}
