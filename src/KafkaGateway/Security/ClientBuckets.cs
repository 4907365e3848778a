using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace KafkaGateway.Security;

/// <summary>
/// One <see cref="TokenBucketRateLimiter"/> per client, replenished by one timer, a bucket dropped once it has been
/// full and unused for <see cref="IdleLimit"/>: what the framework's <c>PartitionedRateLimiter.Create</c> does for
/// token buckets, without its per-request cost. That limiter takes a lock and builds a closure on every call (its
/// lazy factory captures the partition before it knows whether the client's bucket exists; docs/benchmarks session
/// 8); here a request that finds its client's bucket reads a concurrent dictionary and allocates nothing.
/// </summary>
/// <remarks>
/// A bucket is removed only while full (a token bucket reports an idle time only then), so a client whose bucket was
/// dropped gets a full one again: the same tokens it had. A request can take a bucket out of the dictionary just
/// before the timer removes and disposes it; it then asks the client's new bucket (the framework's limiter throws
/// <see cref="ObjectDisposedException"/> to that request instead).
/// </remarks>
internal sealed class ClientBuckets : IDisposable
{
    private static readonly Func<object, TokenBucketRateLimiterOptions, TokenBucketRateLimiter> s_create =
        static (_, options) => new TokenBucketRateLimiter(options);

    private readonly ConcurrentDictionary<object, TokenBucketRateLimiter> _buckets = new();
    private readonly TokenBucketRateLimiterOptions _options;
    private readonly ITimer _timer;
    private readonly Lock _heartbeat = new();
    private bool _disposed;

    /// <param name="options">Each client's bucket; <see cref="TokenBucketRateLimiterOptions.AutoReplenishment"/> must be off (the timer replenishes).</param>
    /// <param name="interval">How often the timer replenishes and looks for idle buckets (the framework's: 100 ms).</param>
    /// <param name="idleLimit">How long a full, unused bucket is kept (the framework's: 10 s).</param>
    /// <param name="time">The timer's clock.</param>
    public ClientBuckets(TokenBucketRateLimiterOptions options, TimeSpan interval, TimeSpan idleLimit, TimeProvider? time = null)
    {
        if (options.AutoReplenishment)
        {
            throw new ArgumentException("The buckets are replenished by the table's timer: AutoReplenishment must be false.", nameof(options));
        }

        _options = options;
        IdleLimit = idleLimit;
        _timer = (time ?? TimeProvider.System).CreateTimer(static state => ((ClientBuckets)state!).Heartbeat(), this, interval, interval);
    }

    /// <summary>How long a full, unused bucket is kept.</summary>
    public TimeSpan IdleLimit { get; }

    /// <summary>Clients with a bucket now.</summary>
    public int Count => _buckets.Count;

    /// <summary><paramref name="permits"/> tokens of <paramref name="client"/>'s bucket (a full bucket for a client seen first).</summary>
    /// <param name="client">The client's key: compared with <see cref="object.Equals(object)"/>.</param>
    /// <param name="permits">Tokens to take; 0 asks whether one is left without taking it.</param>
    public RateLimitLease AttemptAcquire(object client, int permits = 1)
    {
        while (true)
        {
            var bucket = _buckets.GetOrAdd(client, s_create, _options);
            try
            {
                return bucket.AttemptAcquire(permits);
            }
            catch (ObjectDisposedException) when (!Volatile.Read(ref _disposed))
            {
                // Dropped as idle after this request found it (see the remarks): the timer removed it before disposing it.
                _buckets.TryRemove(new KeyValuePair<object, TokenBucketRateLimiter>(client, bucket));
            }
        }
    }

    /// <summary>Replenishes every bucket and drops the idle ones; the timer's callback (a test may call it).</summary>
    internal void Heartbeat()
    {
        // Timer callbacks can overlap when one runs long; one heartbeat at a time.
        if (!_heartbeat.TryEnter())
        {
            return;
        }

        try
        {
            foreach (var (client, bucket) in _buckets)
            {
                if (bucket.IdleDuration > IdleLimit)
                {
                    if (_buckets.TryRemove(new KeyValuePair<object, TokenBucketRateLimiter>(client, bucket)))
                    {
                        bucket.Dispose();
                    }
                }
                else
                {
                    bucket.TryReplenish();
                }
            }
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed))
        {
            // Disposed while the heartbeat ran.
        }
        finally
        {
            _heartbeat.Exit();
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _timer.Dispose();
        foreach (var (_, bucket) in _buckets)
        {
            bucket.Dispose();
        }

        _buckets.Clear();
    }
}
