using System.Diagnostics;
using Confluent.Kafka;
using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>The shared delivery timeout (no Kafka involved: batches are settled by hand, as librdkafka's callbacks would).</summary>
public sealed class DeliveryDeadlinesTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(300);

    private static DeliveryReport<byte[]?, byte[]?> Persisted(long offset) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("t", 0, offset),
        Status = PersistenceStatus.Persisted,
        Error = new Error(ErrorCode.NoError),
    };

    [Fact]
    public async Task WaitAsync_ARecordWithoutReport_EndsNotBeforeTheTimeoutAndLeavesItWithoutReport()
    {
        using var deadlines = new DeliveryDeadlines(s_timeout);
        var batch = new DeliveryBatch(2);
        batch.HandlerFor(0)(Persisted(5));

        var waited = Stopwatch.StartNew();
        await deadlines.WaitAsync(batch).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        waited.Stop();

        Assert.True(waited.Elapsed >= s_timeout, $"ended after {waited.Elapsed.TotalMilliseconds} ms");
        var snapshot = batch.Snapshot();
        Assert.Equal(5, snapshot.Report(0)!.Offset.Value);
        Assert.Null(snapshot.Report(1));
        Assert.Null(snapshot.Failure(1));
        Assert.False(batch.Linked);
    }

    [Fact]
    public async Task WaitAsync_EveryRecordSettles_EndsWithTheLastReportAndTheOthersStillTimeOut()
    {
        using var deadlines = new DeliveryDeadlines(TimeSpan.FromSeconds(2));
        var first = new DeliveryBatch(1);
        var settled = new DeliveryBatch(1);
        var last = new DeliveryBatch(1);
        var waits = new[] { deadlines.WaitAsync(first).AsTask(), deadlines.WaitAsync(settled).AsTask(), deadlines.WaitAsync(last).AsTask() };

        // The middle one of three leaves the list; the list around it must still reach the other two.
        settled.HandlerFor(0)(Persisted(1));
        await waits[1].WaitAsync(TimeSpan.FromSeconds(1));
        Assert.False(settled.Linked);
        Assert.False(waits[0].IsCompleted);

        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(first.Snapshot().Report(0));
        Assert.Null(last.Snapshot().Report(0));
        Assert.Equal(1, settled.Snapshot().Report(0)!.Offset.Value);
    }

    [Fact]
    public void WaitAsync_ABatchAlreadyComplete_IsNotWatched()
    {
        using var deadlines = new DeliveryDeadlines(s_timeout);
        var batch = new DeliveryBatch(1);
        batch.Refused(0, new KafkaException(ErrorCode.Local_QueueFull));

        Assert.True(deadlines.WaitAsync(batch).AsTask().IsCompletedSuccessfully);
        Assert.False(batch.Linked);
    }
}
