namespace KafkaGateway.Bench.LoadGeneration;

/// <summary>Latency percentiles in milliseconds (exact: every sample is kept and sorted).</summary>
internal sealed record Latencies(int Count, double P50, double P99, double P999, double Max)
{
    public static Latencies From(IEnumerable<double> samplesMs)
    {
        var sorted = samplesMs.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0)
        {
            return new Latencies(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new Latencies(sorted.Length, At(sorted, 0.50), At(sorted, 0.99), At(sorted, 0.999), sorted[^1]);
    }

    private static double At(double[] sorted, double quantile) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
