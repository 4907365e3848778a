using KafkaGateway.Streaming;

namespace KafkaGateway.Tests.Streaming;

public sealed class StreamingOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new StreamingOptionsValidator().Validate(null, new StreamingOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(nameof(StreamingOptions.SubscriberBufferBytes), 100)]
    [InlineData(nameof(StreamingOptions.MaxConsumers), 0)]
    [InlineData(nameof(StreamingOptions.MaxConcurrentBrowses), 0)]
    [InlineData(nameof(StreamingOptions.MaxBrowseBytes), 1024)]
    public void Validate_MemoryBoundOutOfRange_FailsNamingTheKey(string key, int value)
    {
        var options = new StreamingOptions();
        typeof(StreamingOptions).GetProperty(key)!.SetValue(options, value);

        var result = new StreamingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Streaming:{key}", result.FailureMessage, StringComparison.Ordinal);
    }
}
