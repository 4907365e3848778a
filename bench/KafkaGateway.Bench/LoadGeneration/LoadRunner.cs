using System.Diagnostics;

namespace KafkaGateway.Bench.LoadGeneration;

/// <summary>Result of a closed-loop run: records completed in the measured window, the process CPU spent in it, failures.</summary>
internal sealed record ClosedLoopResult(long Records, long Operations, long Failures, TimeSpan Elapsed, TimeSpan Cpu, long AllocatedBytes)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;

    /// <summary>Process CPU per record, in microseconds (load generator and system under test together: both run here).</summary>
    public double CpuMicrosecondsPerRecord => Records == 0 ? double.NaN : Cpu.TotalMicroseconds / Records;

    /// <summary>Managed bytes allocated per record by the whole process (load generator and system under test).</summary>
    public double AllocatedBytesPerRecord => Records == 0 ? double.NaN : AllocatedBytes / (double)Records;
}

/// <summary>Result of an open-loop run: latencies from each operation's scheduled start.</summary>
internal sealed record FixedRateResult(double TargetRate, double AchievedRate, long Failures, Latencies Latency);

/// <summary>
/// The load generator's two modes. An operation is any <c>Func&lt;Task&lt;int&gt;&gt;</c> answering how many records it
/// completed (0 = failed), so the same loop drives the gateway over HTTP and the direct Kafka client.
/// </summary>
internal static class LoadRunner
{
    /// <summary>
    /// Closed loop: <paramref name="concurrency"/> workers each run the operation back to back. Only operations that
    /// complete inside the measured window (after <paramref name="warmup"/>) count.
    /// </summary>
    public static async Task<ClosedLoopResult> ClosedLoopAsync(int concurrency, TimeSpan warmup, TimeSpan duration, Func<Task<int>> operation)
    {
        long records = 0, operations = 0, failures = 0;
        var measuring = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int done;
                try
                {
                    done = await operation();
                }
                catch (Exception ex) when (ex is HttpRequestException or Confluent.Kafka.KafkaException or TaskCanceledException)
                {
                    done = 0;
                }

                if (Volatile.Read(ref measuring) == 1)
                {
                    Interlocked.Add(ref records, done);
                    Interlocked.Increment(ref operations);
                    if (done == 0)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        })).ToArray();

        await Task.Delay(warmup);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedStart = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, 0);
        var elapsed = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedStart;
        var counted = (Interlocked.Read(ref records), Interlocked.Read(ref operations), Interlocked.Read(ref failures));
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        return new ClosedLoopResult(counted.Item1, counted.Item2, counted.Item3, elapsed, cpu, allocated);
    }

    /// <summary>
    /// Open loop: starts the operation at a fixed schedule (<paramref name="ratePerSecond"/>) whatever the answers do, and
    /// measures each latency from the scheduled start, not the actual one, so a stall is charged to every request it
    /// delayed (coordinated omission corrected).
    /// </summary>
    public static async Task<FixedRateResult> FixedRateAsync(double ratePerSecond, TimeSpan duration, Func<Task<int>> operation)
    {
        var total = (int)Math.Max(1, ratePerSecond * duration.TotalSeconds);
        var latencies = new double[total];
        var failed = new bool[total];
        var running = new Task[total];
        var ticksPerOperation = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        for (var next = 0; next < total;)
        {
            var now = Stopwatch.GetTimestamp();
            while (next < total && start + (long)(next * ticksPerOperation) <= now)
            {
                running[next] = RunOneAsync(next, start + (long)(next * ticksPerOperation));
                next++;
            }

            if (next < total)
            {
                // Never spin: on a small machine a spinning scheduler steals the CPU of the system under test. Sends
                // due within the timer's ~1 ms granularity go out together, and their latency still counts from
                // their scheduled time.
                var wait = Stopwatch.GetElapsedTime(now, start + (long)(next * ticksPerOperation));
                await Task.Delay(wait > TimeSpan.FromMilliseconds(2) ? wait - TimeSpan.FromMilliseconds(1) : TimeSpan.FromMilliseconds(1));
            }
        }

        var sendEnd = Stopwatch.GetElapsedTime(start);
        await Task.WhenAll(running);
        var achieved = total / Math.Max(sendEnd.TotalSeconds, duration.TotalSeconds);
        return new FixedRateResult(ratePerSecond, achieved, failed.Count(f => f), Latencies.From(latencies.Where((_, i) => !failed[i])));

        async Task RunOneAsync(int index, long scheduled)
        {
            // Off the scheduling loop at once, so a slow start never delays the next send.
            await Task.Yield();
            try
            {
                failed[index] = await operation() == 0;
            }
            catch (Exception ex) when (ex is HttpRequestException or Confluent.Kafka.KafkaException or TaskCanceledException)
            {
                failed[index] = true;
            }

            latencies[index] = Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds;
        }
    }
}
