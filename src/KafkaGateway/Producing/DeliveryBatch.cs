using System.Threading.Tasks.Sources;
using Confluent.Kafka;

namespace KafkaGateway.Producing;

/// <summary>
/// The delivery reports of one request's records, filled in by librdkafka's delivery callbacks (on the producer's
/// poll thread) and complete when the last one arrived or the delivery deadline passed. The request awaits it as a
/// <see cref="ValueTask"/> (the batch is its own completion source), so a request allocates no task for its wait.
/// </summary>
/// <remarks>
/// <para>
/// Batches are reused (<see cref="Rent"/>), which is safe only if no delivery report of one request can ever land in
/// the batch of another. A report can arrive after the deadline sealed the batch and the request was answered, so the
/// batch does not go back to the pool when the request is done with it: it counts its holders — the request
/// (until <see cref="Release"/>) and every record handed to librdkafka (until that record's report) — and only the last
/// of them returns it. librdkafka reports every message it accepted exactly once (Confluent's handle of the callback is
/// freed by the first call), so when the count reaches zero no callback of the batch can run again, and its next
/// request starts with nothing in flight. A batch that saw a record refused before it was queued (the record's
/// callback may or may not have been registered) is never reused: the garbage collector takes it.
/// </para>
/// <para>
/// The completion's version (<see cref="ManualResetValueTaskSourceCore{TResult}.Version"/>) is the batch's generation:
/// a <see cref="ValueTask"/> of an earlier use throws rather than observe a later request's completion.
/// </para>
/// <para>
/// The batch also carries what its request reads once the wait ended (<see cref="Sent"/>: the answer's topic and schema,
/// the messages, the producer lease), so that the request's only async frame holds nothing but the batch across the
/// wait. That state belongs to the request alone: readable only while the request holds the batch, cleared by
/// <see cref="Release"/> (late reports never read it), and a second <see cref="Release"/> changes nothing, so the
/// request's hold cannot be let go twice while a record's report is still outstanding.
/// </para>
/// </remarks>
internal sealed class DeliveryBatch : IValueTaskSource
{
    private readonly Lock _lock = new();
    private readonly DeliveryBatchPool? _pool;
    private Slot[] _slots;
    // Per index, built once per pooled batch: the delegate Confluent calls with the record's report.
    private Action<DeliveryReport<byte[]?, byte[]?>>?[] _handlers;
    private ManualResetValueTaskSourceCore<bool> _completion = new() { RunContinuationsAsynchronously = true };
    private ProducerPool.PooledProducer? _producer;
    private int _count;
    private int _pending;
    private int _completed;
    // The request, plus every record handed to librdkafka whose report has not arrived (see the remarks).
    private int _holders;
    private bool _reusable;
    private bool _sealed;
    // The request holds the batch (from Start until Release); _sent is its state and only its own.
    private bool _requestHolds;
    private SentRequest _sent;
    private DeliveryDeadlines? _deadlines;

    private struct Slot
    {
        public DeliveryReport<byte[]?, byte[]?>? Report;
        public Exception? Failure;
        // The report came after a record of the same producer timed out inside librdkafka.
        public bool AfterTimeout;
        // A callback ran for this record (whether or not the sealed batch took its report).
        public bool Called;
    }

    /// <param name="count">Records in the request.</param>
    /// <param name="producer">The producer the records go to; its message timeouts are watched (see <see cref="AfterMessageTimeout"/>).</param>
    public DeliveryBatch(int count, ProducerPool.PooledProducer? producer = null)
        : this(null, count)
    {
        Start(count, producer);
    }

    private DeliveryBatch(DeliveryBatchPool? pool, int capacity)
    {
        _pool = pool;
        _slots = new Slot[capacity];
        _handlers = new Action<DeliveryReport<byte[]?, byte[]?>>?[capacity];
    }

    /// <summary>A batch for <paramref name="count"/> records, reused when one is free (see the remarks).</summary>
    public static DeliveryBatch Rent(int count, ProducerPool.PooledProducer? producer) =>
        DeliveryBatchPool.Shared.Rent(count, producer);

    /// <summary>A fresh batch of <paramref name="capacity"/> records that <paramref name="pool"/> may take back.</summary>
    internal static DeliveryBatch CreatePooled(DeliveryBatchPool pool, int capacity) => new(pool, capacity);

    /// <summary>How many records this batch can take without growing (its pool's size class).</summary>
    internal int Capacity => _slots.Length;

    /// <summary>Prepares the batch for a request of <paramref name="count"/> records (fresh or back from the pool).</summary>
    internal void Start(int count, ProducerPool.PooledProducer? producer)
    {
        if (count > _slots.Length)
        {
            _slots = new Slot[count];
            _handlers = new Action<DeliveryReport<byte[]?, byte[]?>>?[count];
        }
        else
        {
            Array.Clear(_slots, 0, _count);
        }

        _count = count;
        _producer = producer;
        _pending = count;
        _completed = 0;
        _holders = 1;
        _requestHolds = true;
        _sent = default;
        _reusable = _pool is not null;
        _sealed = false;
        _deadlines = null;
        FirstRefused = -1;
        RefusalCause = null;
        Deadline = 0;
        Previous = null;
        Next = null;
        Linked = false;
        _completion.Reset();
        if (count == 0)
        {
            Complete();
        }
    }

    /// <summary>Records in the request.</summary>
    public int Count => _count;

    /// <summary>The producer the records went to (null in unit tests).</summary>
    public ProducerPool.PooledProducer? Producer => _producer;

    /// <summary>
    /// Whether every record has a report or a failure, or the delivery deadline it is watched by
    /// (<see cref="DeliveryDeadlines.WaitAsync"/>) passed; <see cref="Snapshot"/> tells which.
    /// </summary>
    public bool IsComplete => Volatile.Read(ref _completed) != 0;

    /// <summary>Completes as <see cref="IsComplete"/> says; awaited once, by the request (or a test).</summary>
    public ValueTask Completion => IsComplete ? ValueTask.CompletedTask : new ValueTask(this, _completion.Version);

    // What DeliveryDeadlines keeps per waiting batch: its place in the deadline-ordered list (guarded by that
    // list's lock) instead of a timer and a promise task per request.
    internal long Deadline;
    internal DeliveryBatch? Previous;
    internal DeliveryBatch? Next;
    internal bool Linked;

    /// <summary>
    /// The delivery callback of record <paramref name="index"/>, for the record about to be handed to librdkafka: from
    /// now on the batch waits for that callback before it can be reused. The first record's is bound to the batch
    /// itself; the others capture their index, built once per index of a pooled batch.
    /// </summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> HandlerFor(int index)
    {
        Interlocked.Increment(ref _holders);
        return _handlers[index] ??= index == 0 ? OnFirstReport : LaterHandler(index);
    }

    // A method of its own: a lambda capturing the parameter builds its closure at the start of the method that
    // declares it, so in HandlerFor every first record would allocate one it did not use.
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

        // One lock per report: the slot, and whether this is the record's first callback (which holds the batch).
        bool first, complete = false;
        lock (_lock)
        {
            ref var slot = ref _slots[index];
            first = !slot.Called;
            slot.Called = true;
            if (!_sealed && slot.Report is null && slot.Failure is null)
            {
                slot.Report = report;
                slot.AfterTimeout = afterTimeout;
                complete = --_pending == 0;
            }
        }

        if (complete)
        {
            Complete();
        }

        if (first)
        {
            // Last: nothing of this batch is touched after the record's hold is let go.
            LetGo();
        }
    }

    /// <summary>Watched by <paramref name="deadlines"/> from now on: told when the last record settled.</summary>
    internal void Watch(DeliveryDeadlines deadlines) => Volatile.Write(ref _deadlines, deadlines);

    /// <summary>The delivery timeout passed: the wait ends; records without a report stay without one.</summary>
    internal void DeadlinePassed() => SetComplete();

    private void Complete()
    {
        SetComplete();
        Volatile.Read(ref _deadlines)?.Settled(this);
    }

    private void SetComplete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _completion.SetResult(true);
        }
    }

    /// <summary>
    /// Whether record <paramref name="index"/>'s report came after a record of the same producer timed out inside
    /// librdkafka: the idempotent producer then bumps its epoch, and a batch it sends again under the new epoch is
    /// written again if the broker had written it already, so "persisted" no longer means "once". Read after
    /// <see cref="Snapshot"/>.
    /// </summary>
    public bool AfterMessageTimeout(int index) => _slots[index].AfterTimeout;

    /// <summary>Record <paramref name="index"/> was refused before it was queued.</summary>
    public void Failed(int index, Exception exception)
    {
        Volatile.Write(ref _reusable, false);
        Fail(index, exception);
    }

    /// <summary>
    /// Record <paramref name="index"/> was refused before it was queued, and the records after it are not sent: a
    /// later record of the same partition written ahead of a retried earlier one would reorder the partition.
    /// </summary>
    public void Refused(int index, Exception exception)
    {
        // Whether librdkafka kept the refused record's callback is not the batch's to know: never reused.
        Volatile.Write(ref _reusable, false);
        lock (_lock)
        {
            if (_sealed)
            {
                return;
            }

            FirstRefused = index;
            RefusalCause = exception;
            for (var i = index; i < _count; i++)
            {
                if (_slots[i].Report is null && _slots[i].Failure is null)
                {
                    _slots[i].Failure = exception;
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
    /// the snapshot never changes underneath. Valid until <see cref="Release"/>.
    /// </summary>
    public DeliverySnapshot Snapshot()
    {
        lock (_lock)
        {
            _sealed = true;
        }

        return new DeliverySnapshot(this);
    }

    /// <summary>
    /// The request is done with the batch (after reading its snapshot and <see cref="Sent"/>): reused once no report is
    /// outstanding. Only the first call lets go of the request's hold; a second one changes nothing (letting go twice
    /// would hand the batch to the next request while a record of this one can still report into it).
    /// </summary>
    public void Release()
    {
        if (!_requestHolds)
        {
            return;
        }

        _requestHolds = false;
        // Nothing of the request stays reachable from a batch that waits for late reports or sits in the pool.
        _sent = default;
        LetGo();
    }

    /// <summary>
    /// Keeps <paramref name="sent"/> for the request until it reads it back after the wait (<see cref="Sent"/>); only
    /// while the request holds the batch.
    /// </summary>
    internal void Attach(in SentRequest sent)
    {
        EnsureHeldByRequest();
        _sent = sent;
    }

    /// <summary>What the request attached (<see cref="Attach"/>); throws once the request released the batch.</summary>
    internal ref readonly SentRequest Sent
    {
        get
        {
            EnsureHeldByRequest();
            return ref _sent;
        }
    }

    private void EnsureHeldByRequest()
    {
        if (!_requestHolds)
        {
            throw new InvalidOperationException("The request released this delivery batch: its state is gone, and the batch may already serve another request.");
        }
    }

    private void LetGo()
    {
        if (Interlocked.Decrement(ref _holders) == 0 && Volatile.Read(ref _reusable) && _pool is { } pool)
        {
            // Nothing in the pool keeps the last request's reports or its (possibly retired) producer reachable.
            Array.Clear(_slots, 0, _count);
            _count = 0;
            _producer = null;
            pool.Return(this);
        }
    }

    internal DeliveryReport<byte[]?, byte[]?>? ReportAt(int index) => _slots[index].Report;

    internal Exception? FailureAt(int index) => _slots[index].Failure;

    private void Fail(int index, Exception failure)
    {
        lock (_lock)
        {
            ref var slot = ref _slots[index];
            if (_sealed || slot.Report is not null || slot.Failure is not null)
            {
                return;
            }

            slot.Failure = failure;
            if (--_pending > 0)
            {
                return;
            }
        }

        Complete();
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);
}

/// <summary>
/// What a request that handed its records to Kafka needs once the wait for their reports ended: the answer's topic and
/// schemas, the messages (timestamps, sizes), when it started, and the producer lease it gives back then.
/// </summary>
internal readonly record struct SentRequest(
    string Topic, RecordEncoding ValueEncoding, int? KeySchemaId, string Identity,
    Message<byte[]?, byte[]?>[] Messages, long Started, ProducerLease Lease);

/// <summary>What a sealed <see cref="DeliveryBatch"/> holds, read by the request before it releases the batch.</summary>
internal readonly struct DeliverySnapshot(DeliveryBatch batch)
{
    /// <summary>Records in the request.</summary>
    public int Count => batch.Count;

    /// <summary>Record <paramref name="index"/>'s delivery report, or null.</summary>
    public DeliveryReport<byte[]?, byte[]?>? Report(int index) => batch.ReportAt(index);

    /// <summary>Why record <paramref name="index"/> was not queued, or null.</summary>
    public Exception? Failure(int index) => batch.FailureAt(index);

    /// <summary><see cref="DeliveryBatch.AfterMessageTimeout"/>.</summary>
    public bool AfterMessageTimeout(int index) => batch.AfterMessageTimeout(index);
}

/// <summary>
/// Free <see cref="DeliveryBatch"/>es by size class (1, 16, 128 and 1,024 records), each class bounded; a request of
/// more records gets a batch of its own. Most requests carry one record, and at a few hundred concurrent requests the
/// single-record class holds a few hundred batches (~200 B each with their slots).
/// </summary>
internal sealed class DeliveryBatchPool
{
    private static readonly int[] s_capacities = [1, 16, 128, 1024];
    private static readonly int[] s_retained = [1024, 256, 64, 16];

    private readonly Lock _lock = new();
    private readonly DeliveryBatch[][] _free;
    private readonly int[] _counts;

    public DeliveryBatchPool()
    {
        _free = new DeliveryBatch[s_capacities.Length][];
        for (var c = 0; c < s_capacities.Length; c++)
        {
            _free[c] = new DeliveryBatch[s_retained[c]];
        }

        _counts = new int[s_capacities.Length];
    }

    /// <summary>The gateway's pool (batches are created by a static send path).</summary>
    public static DeliveryBatchPool Shared { get; } = new();

    /// <summary>Batches waiting in the pool now (tests).</summary>
    internal int Free
    {
        get
        {
            lock (_lock)
            {
                return _counts.Sum();
            }
        }
    }

    public DeliveryBatch Rent(int count, ProducerPool.PooledProducer? producer)
    {
        var sizeClass = SizeClass(count);
        DeliveryBatch? batch = null;
        if (sizeClass >= 0)
        {
            lock (_lock)
            {
                if (_counts[sizeClass] > 0)
                {
                    var at = --_counts[sizeClass];
                    batch = _free[sizeClass][at];
                    _free[sizeClass][at] = null!;
                }
            }

            batch ??= DeliveryBatch.CreatePooled(this, s_capacities[sizeClass]);
        }
        else
        {
            // Larger than any class: used once.
            batch = new DeliveryBatch(count, producer);
            return batch;
        }

        batch.Start(count, producer);
        return batch;
    }

    /// <summary>Takes back a batch whose request and reports are all done (<see cref="DeliveryBatch.Release"/>).</summary>
    public void Return(DeliveryBatch batch)
    {
        var sizeClass = Array.IndexOf(s_capacities, batch.Capacity);
        if (sizeClass < 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_counts[sizeClass] < _free[sizeClass].Length)
            {
                _free[sizeClass][_counts[sizeClass]++] = batch;
            }
        }
    }

    private static int SizeClass(int count)
    {
        for (var c = 0; c < s_capacities.Length; c++)
        {
            if (count <= s_capacities[c])
            {
                return c;
            }
        }

        return -1;
    }
}
