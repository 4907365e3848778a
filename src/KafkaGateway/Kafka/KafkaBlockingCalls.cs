namespace KafkaGateway.Kafka;

/// <summary>
/// Runs librdkafka's blocking calls on the shared clients (metadata, the embedded cluster's id) on the thread pool and
/// counts them, so shutdown can wait until none is running before the container disposes those clients: a client
/// destroyed under a running call frees memory the call still uses and crashes the process (seen as SIGSEGV in
/// rd_kafka_metadata when a test host was disposed).
/// </summary>
public sealed class KafkaBlockingCalls
{
    private int _running;

    /// <summary>Calls running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Runs <paramref name="call"/> off the calling thread; the task ends when the call has returned.</summary>
    public async Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _running);
        try
        {
            // Cancellation only keeps a call from starting: once in librdkafka it runs to its own timeout.
            return await Task.Run(call, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>Waits until no call is running (or <paramref name="cancellationToken"/> fires).</summary>
    public async Task WaitIdleAsync(CancellationToken cancellationToken)
    {
        while (Running > 0)
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
