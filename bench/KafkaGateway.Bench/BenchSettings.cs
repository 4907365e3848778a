namespace KafkaGateway.Bench;

/// <summary>How long and how often each measurement runs: <c>quick</c> (under two minutes) or full.</summary>
internal sealed record BenchSettings(
    bool Quick,
    int Rounds,
    TimeSpan Warmup,
    TimeSpan Measure,
    TimeSpan LatencyRun,
    int CatchUpRecords,
    TimeSpan FanoutRun,
    IReadOnlyList<int> Subscribers,
    string OutputDirectory)
{
    public static BenchSettings For(bool quick, string outputDirectory) => quick
        ? new(true, 2, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5), 20_000, TimeSpan.FromSeconds(3), [1, 100, 1000], outputDirectory)
        : new(false, 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 100_000, TimeSpan.FromSeconds(10), [1, 100, 1000], outputDirectory);

    public string ModeName => Quick ? "quick" : "full";
}
