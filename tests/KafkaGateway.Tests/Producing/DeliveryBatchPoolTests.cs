using System.Collections.Concurrent;
using Confluent.Kafka;
using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>
/// Reuse of delivery batches: a report that arrives after the deadline sealed its request's batch must never reach
/// another request. No Kafka involved: the callbacks are called by hand (and by one "poll thread" in the last test),
/// as librdkafka calls each accepted message's callback exactly once.
/// </summary>
public sealed class DeliveryBatchPoolTests
{
    private static DeliveryReport<byte[]?, byte[]?> Persisted(long offset) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("t", 0, offset),
        Status = PersistenceStatus.Persisted,
        Error = new Error(ErrorCode.NoError),
    };

    [Fact]
    public void Rent_AfterTheDeadlineSealedABatch_ALateReportNeverReachesTheNextRequest()
    {
        var pool = new DeliveryBatchPool();
        var first = pool.Rent(1, null);
        var firstCallback = first.HandlerFor(0);
        first.DeadlinePassed();
        Assert.Null(first.Snapshot().Report(0));
        first.Release();

        // Its record's report is outstanding, so the batch is not free: the next request gets another one.
        Assert.Equal(0, pool.Free);
        var second = pool.Rent(1, null);
        Assert.NotSame(first, second);
        var secondCallback = second.HandlerFor(0);

        firstCallback(Persisted(1));
        Assert.False(second.IsComplete);
        Assert.Equal(1, pool.Free);

        // Only now is the first batch reused, and it starts empty.
        var third = pool.Rent(1, null);
        Assert.Same(first, third);
        Assert.False(third.IsComplete);
        third.HandlerFor(0);

        secondCallback(Persisted(2));
        Assert.True(second.IsComplete);
        Assert.False(third.IsComplete);
        Assert.Equal(2, second.Snapshot().Report(0)!.Offset.Value);
        Assert.Null(third.Snapshot().Report(0));
    }

    [Fact]
    public async Task Release_AfterEveryReport_ReturnsTheBatch_AndAWaitOfTheEarlierUseCannotObserveTheNext()
    {
        var pool = new DeliveryBatchPool();
        var batch = pool.Rent(3, null);
        var callbacks = Enumerable.Range(0, 3).Select(batch.HandlerFor).ToList();
        var earlierWait = batch.Completion;
        callbacks.ForEach(callback => callback(Persisted(7)));
        await earlierWait.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, pool.Free);

        batch.Release();
        Assert.Equal(1, pool.Free);
        var reused = pool.Rent(2, null);

        Assert.Same(batch, reused);
        Assert.Equal(2, reused.Count);
        Assert.False(reused.IsComplete);
        Assert.Equal(-1, reused.FirstRefused);
        // The batch's generation moved on: the old wait throws instead of reporting the new request's state.
        Assert.Throws<InvalidOperationException>(() => earlierWait.IsCompleted);
        Assert.Null(reused.Snapshot().Report(0));
    }

    [Fact]
    public void Release_OfABatchWithARefusedRecord_NeverReturnsIt()
    {
        var pool = new DeliveryBatchPool();
        var batch = pool.Rent(2, null);
        batch.HandlerFor(0)(Persisted(1));
        batch.HandlerFor(1);
        batch.Refused(1, new KafkaException(ErrorCode.Local_QueueFull));
        batch.Snapshot();

        batch.Release();

        Assert.Equal(0, pool.Free);
        Assert.NotSame(batch, pool.Rent(2, null));
    }

    [Fact]
    public void Rent_MoreRecordsThanAnySizeClass_IsNotPooled()
    {
        var pool = new DeliveryBatchPool();
        var batch = pool.Rent(5000, null);
        var callback = batch.HandlerFor(0);
        callback(Persisted(1));
        batch.Snapshot();
        batch.Release();

        Assert.Equal(5000, batch.Count);
        Assert.Equal(0, pool.Free);
    }

    [Fact]
    public async Task ManyRequests_SomeSealedBeforeTheirReports_EveryAnswerHoldsOnlyItsOwnReports()
    {
        // One "poll thread" delivers every record's report, in queueing order, as librdkafka does; a third of the
        // requests stop waiting before their reports arrive (their deadline "passed") and are answered without them.
        var pool = new DeliveryBatchPool();
        using var reports = new BlockingCollection<(Action<DeliveryReport<byte[]?, byte[]?>> Callback, long Offset)>();
        var poll = Task.Run(() =>
        {
            foreach (var (callback, offset) in reports.GetConsumingEnumerable())
            {
                callback(Persisted(offset));
            }
        });
        var batches = new ConcurrentDictionary<DeliveryBatch, byte>();
        var wrong = 0;
        var answered = 0;

        await Parallel.ForAsync(0, 3000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, cancellationToken) =>
        {
            var records = 1 + (request % 5);
            var batch = pool.Rent(records, null);
            batches.TryAdd(batch, 0);
            var sealEarly = request % 3 == 0;
            var wait = batch.Completion;
            for (var i = 0; i < records; i++)
            {
                // The offset names the request: a report in another request's answer is visible.
                reports.Add((batch.HandlerFor(i), (request * 10L) + i), cancellationToken);
            }

            if (sealEarly)
            {
                batch.DeadlinePassed();
            }

            await wait;
            var snapshot = batch.Snapshot();
            for (var i = 0; i < snapshot.Count; i++)
            {
                if (snapshot.Report(i) is { } report && report.Offset.Value != (request * 10L) + i)
                {
                    Interlocked.Increment(ref wrong);
                }
            }

            if (!sealEarly && Enumerable.Range(0, records).Any(i => snapshot.Report(i) is null))
            {
                Interlocked.Increment(ref wrong);
            }

            batch.Release();
            Interlocked.Increment(ref answered);
        });
        reports.CompleteAdding();
        await poll.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3000, answered);
        Assert.Equal(0, wrong);
        // Batches were reused (the test says nothing otherwise), and every one is free again once all reports are in.
        Assert.True(batches.Count < 1000, $"{batches.Count} batches for 3000 requests");
        Assert.Equal(batches.Count, pool.Free);
    }

    [Fact]
    public void Release_Twice_LetsGoOfTheRequestsHoldOnce_SoAnOutstandingReportStillHoldsTheBatch()
    {
        var pool = new DeliveryBatchPool();
        var batch = pool.Rent(1, null);
        var callback = batch.HandlerFor(0);
        batch.DeadlinePassed();
        batch.Snapshot();

        batch.Release();
        batch.Release();

        // Counting the second release as a hold would hand the batch out while its record can still report into it.
        Assert.Equal(0, pool.Free);
        Assert.NotSame(batch, pool.Rent(1, null));
        callback(Persisted(1));
        Assert.Equal(1, pool.Free);
    }

    [Fact]
    public void Sent_OnlyWhileTheRequestHoldsTheBatch_AndTheNextRequestNeverSeesTheEarlierOnesState()
    {
        var pool = new DeliveryBatchPool();
        var batch = pool.Rent(1, null);
        var callback = batch.HandlerFor(0);
        var messages = new Message<byte[]?, byte[]?>[1];
        batch.Attach(new SentRequest("first-topic", RecordEncoding.RawKey, 7, "default", messages, 42, default));
        callback(Persisted(1));

        // The answer reads what its request attached, before it releases the batch.
        Assert.Equal("first-topic", batch.Sent.Topic);
        Assert.Same(messages, batch.Sent.Messages);
        batch.Release();

        // Back in the pool: the released request's state is gone and cannot be read (nor attached to) any more.
        Assert.Equal(1, pool.Free);
        Assert.Throws<InvalidOperationException>(() => batch.Sent.Topic);
        Assert.Throws<InvalidOperationException>(() => batch.Attach(new SentRequest("late", RecordEncoding.RawKey, null, "default", [], 0, default)));

        // Its next request starts without the first one's messages, topic or lease.
        var reused = pool.Rent(1, null);
        Assert.Same(batch, reused);
        Assert.Null(reused.Sent.Topic);
        Assert.Null(reused.Sent.Messages);
        reused.Attach(new SentRequest("second-topic", RecordEncoding.RawKey, null, "default", [], 0, default));
        Assert.Equal("second-topic", reused.Sent.Topic);
    }
}
