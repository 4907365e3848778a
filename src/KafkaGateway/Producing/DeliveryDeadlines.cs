using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// The delivery timeout of every waiting request, kept by one timer instead of one per request
/// (<c>Task.WaitAsync(timeout)</c> built a timer and a promise task for each). Every request waits the same
/// <see cref="ProducerOptions.DeliveryTimeoutMilliseconds"/>, so deadlines arrive in the order requests started:
/// the waiting batches form a list in deadline order, a batch leaves it when its last report arrives, and the timer
/// ends the wait of those at the head whose deadline passed. A batch is answered at the earliest at its deadline and
/// at the latest one <see cref="Resolution"/> after it.
/// </summary>
public sealed class DeliveryDeadlines : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private readonly long _timeoutTicks;
    private DeliveryBatch? _head;
    private DeliveryBatch? _tail;
    private bool _armed;

    /// <summary>Every request waits <see cref="ProducerOptions.DeliveryTimeoutMilliseconds"/>.</summary>
    public DeliveryDeadlines(IOptions<ProducerOptions> options)
        : this(TimeSpan.FromMilliseconds(options.Value.DeliveryTimeoutMilliseconds))
    {
    }

    internal DeliveryDeadlines(TimeSpan timeout)
    {
        Timeout = timeout;
        _timeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        // A twentieth of the timeout (at most 100 ms late at the default 25 s, 25 ms at the 500 ms minimum).
        Resolution = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 20, 10, 100));
        _timer = new Timer(static state => ((DeliveryDeadlines)state!).Expire(), this, System.Threading.Timeout.Infinite, System.Threading.Timeout.Infinite);
    }

    /// <summary>How long a request waits for its delivery reports.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How late after its deadline a wait can end.</summary>
    public TimeSpan Resolution { get; }

    /// <summary>
    /// Waits until every record of <paramref name="batch"/> has a report or failure, or the timeout passed; then
    /// <see cref="DeliveryBatch.Snapshot"/> tells which.
    /// </summary>
    internal ValueTask WaitAsync(DeliveryBatch batch)
    {
        if (batch.IsComplete)
        {
            return ValueTask.CompletedTask;
        }

        batch.Watch(this);
        lock (_lock)
        {
            // Checked under the lock: a batch that completed before it was linked unlinks nothing (Settled found it
            // unlinked), so it must not be linked now.
            if (batch.IsComplete)
            {
                return ValueTask.CompletedTask;
            }

            batch.Deadline = Stopwatch.GetTimestamp() + _timeoutTicks;
            batch.Previous = _tail;
            batch.Next = null;
            if (_tail is null)
            {
                _head = batch;
            }
            else
            {
                _tail.Next = batch;
            }

            _tail = batch;
            batch.Linked = true;
            if (!_armed)
            {
                _armed = true;
                _timer.Change(Resolution, Resolution);
            }
        }

        return batch.Completion;
    }

    /// <summary>Called by a batch whose last report arrived: it no longer needs a deadline.</summary>
    internal void Settled(DeliveryBatch batch)
    {
        lock (_lock)
        {
            if (batch.Linked)
            {
                Unlink(batch);
            }
        }
    }

    private void Expire()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            while (_head is { } head && head.Deadline <= now)
            {
                Unlink(head);
                // Under the lock: a linked batch belongs to a request still waiting, so this ends that request's wait.
                // Outside it, the batch could meanwhile complete, be released and be rented by another request
                // (DeliveryBatch is pooled), whose wait this would end. Ending a wait only queues the continuation
                // (RunContinuationsAsynchronously), so the lock stays short.
                head.DeadlinePassed();
            }

            if (_head is null && _armed)
            {
                _armed = false;
                _timer.Change(System.Threading.Timeout.Infinite, System.Threading.Timeout.Infinite);
            }
        }
    }

    private void Unlink(DeliveryBatch batch)
    {
        if (batch.Previous is null)
        {
            _head = batch.Next;
        }
        else
        {
            batch.Previous.Next = batch.Next;
        }

        if (batch.Next is null)
        {
            _tail = batch.Previous;
        }
        else
        {
            batch.Next.Previous = batch.Previous;
        }

        batch.Previous = null;
        batch.Next = null;
        batch.Linked = false;
    }

    /// <summary>Stops the timer (at shutdown, after the last request).</summary>
    public void Dispose() => _timer.Dispose();
}
