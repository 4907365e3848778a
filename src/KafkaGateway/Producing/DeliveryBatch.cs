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
    private DeliveryDeadlines? _deadlines;
    private Action<DeliveryReport<byte[]?, byte[]?>>? _firstHandler;

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

    /// <summary>
    /// Completes when every record has a report or a failure, or when the delivery deadline it is watched by
    /// (<see cref="DeliveryDeadlines.WaitAsync"/>) passed; <see cref="Snapshot"/> tells which.
    /// </summary>
    public Task Completion => _completion.Task;

    // What DeliveryDeadlines keeps per waiting batch: its place in the deadline-ordered list (guarded by that
    // list's lock) instead of a timer and a promise task per request.
    internal long Deadline;
    internal DeliveryBatch? Previous;
    internal DeliveryBatch? Next;
    internal bool Linked;

    /// <summary>
    /// The delivery callback of record <paramref name="index"/>. The first record's is bound to the batch itself
    /// (a single-record request, the common one, allocates no closure); the others capture their index.
    /// </summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> HandlerFor(int index) =>
        index == 0 ? _firstHandler ??= OnFirstReport : LaterHandler(index);

    // A method of its own: a lambda capturing the parameter builds its closure at the start of the method that
    // declares it, so in HandlerFor every first record (every single-record request) allocated one it did not use.
    private Action<DeliveryReport<byte[]?, byte[]?>> LaterHandler(int index) => report => OnReport(index, report);

    private void OnFirstReport(DeliveryReport<byte[]?, byte[]?> report) => OnReport(0, report);

    private void OnReport(int index, DeliveryReport<byte[]?, byte[]?> report)
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
    }

    /// <summary>Watched by <paramref name="deadlines"/> from now on: told when the last record settled.</summary>
    internal void Watch(DeliveryDeadlines deadlines) => Volatile.Write(ref _deadlines, deadlines);

    /// <summary>The delivery timeout passed: the wait ends; records without a report stay without one.</summary>
    internal void DeadlinePassed() => _completion.TrySetResult();

    private void Complete()
    {
        _completion.TrySetResult();
        Volatile.Read(ref _deadlines)?.Settled(this);
    }

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

        Complete();
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

        Complete();
    }
}
