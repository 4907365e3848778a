using KafkaGateway.Kafka;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaBlockingCallsTests
{
    [Fact]
    public async Task WaitIdle_WaitsUntilARunningCallHasReturned()
    {
        var calls = new KafkaBlockingCalls();
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var call = calls.RunAsync(() =>
        {
            started.Set();
            release.Wait(TimeSpan.FromSeconds(10));
            return 42;
        }, CancellationToken.None);
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));

        var idle = calls.WaitIdleAsync(CancellationToken.None);
        // Proving that something does not happen: a fixed wait is the only way (a wrong implementation completes at once).
        await Task.Delay(100);
        Assert.False(idle.IsCompleted);
        Assert.Equal(1, calls.Running);

        release.Set();
        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(42, await call);
        Assert.Equal(0, calls.Running);
    }

    [Fact]
    public async Task AFailingCall_IsNoLongerCountedAndItsExceptionReachesTheCaller()
    {
        var calls = new KafkaBlockingCalls();

        await Assert.ThrowsAsync<InvalidOperationException>(() => calls.RunAsync<int>(() => throw new InvalidOperationException("no"), CancellationToken.None));

        Assert.Equal(0, calls.Running);
        Assert.True(calls.WaitIdleAsync(CancellationToken.None).IsCompletedSuccessfully);
    }
}
