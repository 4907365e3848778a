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
    private int _pending;
    private bool _sealed;

    public DeliveryBatch(int count)
    {
        _reports = new DeliveryReport<byte[]?, byte[]?>?[count];
        _failures = new Exception?[count];
        _pending = count;
        if (count == 0)
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>Completes when every record has a report or a failure.</summary>
    public Task Completion => _completion.Task;

    /// <summary>The delivery callback of record <paramref name="index"/>.</summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> HandlerFor(int index) => report => Settle(index, report, null);

    /// <summary>Record <paramref name="index"/> was refused before it was queued.</summary>
    public void Failed(int index, Exception exception) => Settle(index, null, exception);

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

    private void Settle(int index, DeliveryReport<byte[]?, byte[]?>? report, Exception? failure)
    {
        lock (_lock)
        {
            if (_sealed || _reports[index] is not null || _failures[index] is not null)
            {
                return;
            }

            _reports[index] = report;
            _failures[index] = failure;
            if (--_pending > 0)
            {
                return;
            }
        }

        _completion.TrySetResult();
    }
}
