using System.Threading.RateLimiting;
using KafkaGateway.Security;

namespace KafkaGateway.Tests.Security;

/// <summary>
/// <see cref="ClientBuckets"/>: a token bucket per client, replenished and dropped when idle by its heartbeat. The
/// tests run the heartbeat themselves (the table's timer never fires on <see cref="NoTimers"/>); token buckets count
/// time with their own clock, so the waits below are real but short, and every check allows for a slow machine.
/// </summary>
public sealed class ClientBucketsTests
{
    [Fact]
    public void AttemptAcquire_GivesEachClientItsOwnBurst()
    {
        using var buckets = Buckets(burst: 2, period: TimeSpan.FromHours(1), idle: TimeSpan.FromHours(1));

        var alice = Enumerable.Range(0, 3).Select(_ => Acquired(buckets, "apikey:alice")).ToList();
        var bob = Acquired(buckets, "apikey:bob");

        Assert.Equal([true, true, false], alice);
        Assert.True(bob);
        Assert.Equal(2, buckets.Count);
    }

    [Fact]
    public void AttemptAcquire_Refused_NamesTheWaitUntilTheNextToken()
    {
        using var buckets = Buckets(burst: 1, period: TimeSpan.FromHours(1), idle: TimeSpan.FromHours(1));
        Acquired(buckets, "apikey:alice");

        using var refused = buckets.AttemptAcquire("apikey:alice");

        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.True(wait > TimeSpan.FromMinutes(59), $"retry after {wait}");
    }

    [Fact]
    public void Heartbeat_ReplenishesSpentTokens_OnlyOnceAPeriodPassed()
    {
        using var buckets = Buckets(burst: 1, period: TimeSpan.FromMilliseconds(50), idle: TimeSpan.FromHours(1));
        Assert.True(Acquired(buckets, "apikey:alice"));

        // No heartbeat: nothing comes back however long the client waits (the table's timer replenishes, not the bucket).
        Thread.Sleep(120);
        Assert.False(Acquired(buckets, "apikey:alice"));
        buckets.Heartbeat();

        Assert.True(Acquired(buckets, "apikey:alice"));
    }

    [Fact]
    public void Heartbeat_DropsBucketsFullAndUnusedForTheIdleLimit_KeepsTheOthers()
    {
        using var buckets = Buckets(burst: 1, period: TimeSpan.FromHours(1), idle: TimeSpan.FromMilliseconds(50));
        Acquired(buckets, "apikey:spent");
        // A bucket never asked for more than it holds stays full from its creation on.
        using (buckets.AttemptAcquire("apikey:full", permits: 0))
        {
        }

        Thread.Sleep(120);
        buckets.Heartbeat();

        Assert.Equal(1, buckets.Count);
        // The spent one is still there: still empty, not replaced by a full one.
        Assert.False(Acquired(buckets, "apikey:spent"));
        Assert.True(Acquired(buckets, "apikey:full"));
    }

    [Fact]
    public async Task AttemptAcquire_WhileHeartbeatsDropAndDisposeBuckets_NeverThrows()
    {
        // Buckets go idle at once, so every heartbeat disposes the ones that are full: a request that found a bucket
        // just before often meets it disposed (without the retry this fails with ObjectDisposedException).
        using var buckets = Buckets(burst: 1_000_000, period: TimeSpan.FromMilliseconds(1), idle: TimeSpan.Zero);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var heartbeats = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                buckets.Heartbeat();
            }
        });
        var acquired = 0L;
        var requests = Enumerable.Range(0, 2).Select(thread => Task.Run(() =>
        {
            var clients = new[] { $"apikey:{thread}-a", $"apikey:{thread}-b" };
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                using var lease = buckets.AttemptAcquire(clients[i % 2], permits: i % 3 == 0 ? 0 : 1);
                if (lease.IsAcquired)
                {
                    Interlocked.Increment(ref acquired);
                }
            }
        })).ToArray();

        await Task.WhenAll([heartbeats, .. requests]);

        Assert.True(Interlocked.Read(ref acquired) > 0);
    }

    [Fact]
    public void Constructor_AutoReplenishingBuckets_AreRefused()
    {
        var options = Options(1, TimeSpan.FromSeconds(1));
        options.AutoReplenishment = true;

        Assert.Throws<ArgumentException>(() => new ClientBuckets(options, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), new NoTimers()));
    }

    private static ClientBuckets Buckets(int burst, TimeSpan period, TimeSpan idle) =>
        new(Options(burst, period), TimeSpan.FromHours(1), idle, new NoTimers());

    private static TokenBucketRateLimiterOptions Options(int burst, TimeSpan period) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = burst,
        ReplenishmentPeriod = period,
        QueueLimit = 0,
        AutoReplenishment = false,
    };

    private static bool Acquired(ClientBuckets buckets, string client)
    {
        using var lease = buckets.AttemptAcquire(client);
        return lease.IsAcquired;
    }

    /// <summary>The system clock, with timers that never fire: the tests call the heartbeat.</summary>
    private sealed class NoTimers : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
