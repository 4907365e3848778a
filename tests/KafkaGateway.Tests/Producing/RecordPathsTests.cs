using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>The cached record paths say what the interpolated ones said, inside and beyond the cache.</summary>
public sealed class RecordPathsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(99_999)]
    public void Paths_AnyIndex_AreTheJsonPathsOfTheRecordItsValueAndKey(int index)
    {
        var record = RecordPaths.Record(index);

        Assert.Equal($"$.records[{index}]", record);
        Assert.Equal($"$.records[{index}].value", RecordPaths.ValueOf(record, index));
        Assert.Equal($"$.records[{index}].key", RecordPaths.KeyOf(record, index));
        Assert.Equal($"$[{index}]", RecordPaths.Value(index));
    }

    [Fact]
    public void ValueOf_PathNotBuiltHere_AppendsToThatPath()
    {
        Assert.Equal("$.value", RecordPaths.ValueOf("$", 0));
        Assert.Equal("$.key", RecordPaths.KeyOf("$", 0));
        // Same index, another path: the cached member of $.records[3] must not be answered for it.
        _ = RecordPaths.ValueOf(RecordPaths.Record(3), 3);
        Assert.Equal("$.other[3].value", RecordPaths.ValueOf("$.other[3]", 3));
    }
}
