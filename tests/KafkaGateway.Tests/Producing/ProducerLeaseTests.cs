using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>The lease count of a pooled producer: exactly one party closes it, never while a lease is held.</summary>
public sealed class ProducerLeaseTests
{
    [Fact]
    public void MarkRetired_WithoutLeases_TellsTheCallerToCloseAndRefusesNewLeases()
    {
        var pooled = new ProducerPool.PooledProducer("default");

        Assert.True(pooled.MarkRetired());
        Assert.False(pooled.TryAcquire());
        Assert.False(pooled.MarkRetired());
    }

    [Fact]
    public void MarkRetired_WhileLeased_LeavesTheCloseToTheLastRelease()
    {
        var pooled = new ProducerPool.PooledProducer("default");
        Assert.True(pooled.TryAcquire());
        Assert.True(pooled.TryAcquire());

        var closeNow = pooled.MarkRetired();
        var firstRelease = pooled.Release();
        var lastRelease = pooled.Release();

        Assert.False(closeNow);
        Assert.False(firstRelease);
        Assert.True(lastRelease);
    }

    [Fact]
    public void Release_OfAProducerStillInThePool_NeverClosesIt()
    {
        var pooled = new ProducerPool.PooledProducer("default");
        Assert.True(pooled.TryAcquire());

        Assert.False(pooled.Release());
        Assert.True(pooled.TryAcquire());
    }

    [Fact]
    public async Task LeasesAndRetirementRacing_CloseExactlyOnce()
    {
        for (var round = 0; round < 200; round++)
        {
            var pooled = new ProducerPool.PooledProducer("default");
            var closes = 0;
            var leases = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            {
                for (var i = 0; i < 100; i++)
                {
                    if (!pooled.TryAcquire())
                    {
                        return;
                    }

                    if (pooled.Release())
                    {
                        Interlocked.Increment(ref closes);
                    }
                }
            })).ToList();
            var retire = Task.Run(() =>
            {
                if (pooled.MarkRetired())
                {
                    Interlocked.Increment(ref closes);
                }
            });
            await Task.WhenAll([.. leases, retire]);

            Assert.Equal(1, closes);
        }
    }
}
