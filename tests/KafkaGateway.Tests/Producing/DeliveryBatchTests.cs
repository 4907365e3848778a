using Confluent.Kafka;
using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

public sealed class DeliveryBatchTests
{
    private static DeliveryReport<byte[]?, byte[]?> Persisted(int partition, long offset) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("t", partition, offset),
        Status = PersistenceStatus.Persisted,
        Error = new Error(ErrorCode.NoError),
    };

    [Fact]
    public async Task Completes_OnlyWhenEveryRecordIsSettled_InAnyOrder()
    {
        var batch = new DeliveryBatch(3);
        batch.HandlerFor(2)(Persisted(0, 12));
        batch.Failed(0, new KafkaException(ErrorCode.Local_QueueFull));
        Assert.False(batch.IsComplete);

        batch.HandlerFor(1)(Persisted(1, 7));
        await batch.Completion.AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        var snapshot = batch.Snapshot();
        Assert.Null(snapshot.Report(0));
        Assert.IsType<KafkaException>(snapshot.Failure(0));
        Assert.Equal(7, snapshot.Report(1)!.Offset.Value);
        Assert.Equal(12, snapshot.Report(2)!.Offset.Value);
    }

    [Fact]
    public void ReportsAfterTheSnapshot_AreIgnored_SoTheAnswerCannotChangeUnderneath()
    {
        var batch = new DeliveryBatch(2);
        batch.HandlerFor(0)(Persisted(0, 1));

        var snapshot = batch.Snapshot();
        batch.HandlerFor(1)(Persisted(0, 2));

        Assert.NotNull(snapshot.Report(0));
        Assert.Null(snapshot.Report(1));
        Assert.False(batch.IsComplete);
    }

    [Fact]
    public void ASecondReportForTheSameRecord_DoesNotCountTwice()
    {
        var batch = new DeliveryBatch(2);
        batch.HandlerFor(0)(Persisted(0, 1));
        batch.HandlerFor(0)(Persisted(0, 9));

        Assert.False(batch.IsComplete);
        Assert.Equal(1, batch.Snapshot().Report(0)!.Offset.Value);
    }

    [Fact]
    public void AnEmptyBatch_IsCompleteAtOnce() => Assert.True(new DeliveryBatch(0).Completion.IsCompletedSuccessfully);

    [Fact]
    public async Task Refused_SettlesTheRefusedRecordAndEveryLaterOne_AndRemembersWhere()
    {
        var batch = new DeliveryBatch(4);
        var refusal = new KafkaException(ErrorCode.Local_QueueFull);
        batch.Refused(1, refusal);
        Assert.False(batch.IsComplete);

        batch.HandlerFor(0)(Persisted(0, 3));
        await batch.Completion.AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        var snapshot = batch.Snapshot();
        Assert.Equal(1, batch.FirstRefused);
        Assert.Same(refusal, batch.RefusalCause);
        Assert.NotNull(snapshot.Report(0));
        Assert.All(Enumerable.Range(1, 3), i => Assert.Same(refusal, snapshot.Failure(i)));
    }
}
