using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using KafkaGateway.Bench.Reporting;
using Perfolizer.Horology;

namespace KafkaGateway.Bench.Suites;

/// <summary>Runs <see cref="SerializationBenchmarks"/> with BenchmarkDotNet (in-process toolchain) and reports ns/op and bytes/op.</summary>
internal static class SerializationSuite
{
    public static SuiteReport Run(BenchSettings settings)
    {
        var job = settings.Quick
            ? Job.ShortRun.WithIterationTime(TimeInterval.FromMilliseconds(150)).WithWarmupCount(2).WithIterationCount(5)
            : Job.Default;
        var config = ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "kafkagateway-bench-artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<SerializationBenchmarks>(config);

        var report = new SuiteReport("serialization");
        report.Line($"BenchmarkDotNet {typeof(BenchmarkRunner).Assembly.GetName().Version}, in-process toolchain, {(settings.Quick ? "short job (2 warm-up, 5 iterations of 150 ms)" : "default job")}.");
        report.Line();
        report.Line("| Benchmark | Mean ns/op | Median ns/op | StdDev ns | Allocated bytes/op |");
        report.Line("| --- | ---: | ---: | ---: | ---: |");
        foreach (var benchmark in summary.Reports)
        {
            var statistics = benchmark.ResultStatistics;
            var allocated = benchmark.GcStats.GetBytesAllocatedPerOperation(benchmark.BenchmarkCase);
            report.Line($"| {benchmark.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'')} | {statistics?.Mean:N1} | {statistics?.Median:N1} | {statistics?.StandardDeviation:N1} | {allocated:N0} |");
        }

        report.Line();
        return report;
    }
}
