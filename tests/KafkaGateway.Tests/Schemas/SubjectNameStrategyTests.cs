using KafkaGateway.Schemas;

namespace KafkaGateway.Tests.Schemas;

public sealed class SubjectNameStrategyTests
{
    [Theory]
    [InlineData(SubjectNameStrategyKind.TopicName, false, "com.example.User", "orders-value")]
    [InlineData(SubjectNameStrategyKind.TopicName, true, null, "orders-key")]
    [InlineData(SubjectNameStrategyKind.RecordName, false, "com.example.User", "com.example.User")]
    [InlineData(SubjectNameStrategyKind.RecordName, true, "com.example.Key", "com.example.Key")]
    [InlineData(SubjectNameStrategyKind.TopicRecordName, false, "com.example.User", "orders-com.example.User")]
    [InlineData(SubjectNameStrategyKind.TopicRecordName, true, "Key", "orders-Key")]
    public void GetSubject_Strategy_NamesLikeConfluent(SubjectNameStrategyKind strategy, bool isKey, string? recordFullName, string expected) =>
        Assert.Equal(expected, SubjectNameStrategy.GetSubject(strategy, "orders", isKey, recordFullName));

    [Theory]
    [InlineData(SubjectNameStrategyKind.RecordName)]
    [InlineData(SubjectNameStrategyKind.TopicRecordName)]
    public void GetSubject_RecordStrategyWithoutRecordName_ThrowsNamingTheStrategy(SubjectNameStrategyKind strategy)
    {
        var error = Assert.Throws<ArgumentException>(() => SubjectNameStrategy.GetSubject(strategy, "orders", isKey: false, recordFullName: null));

        Assert.Contains(strategy.ToString(), error.Message, StringComparison.Ordinal);
    }
}
