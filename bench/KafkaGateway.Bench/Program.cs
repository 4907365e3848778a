using System.Globalization;
using System.Text;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Bench.Reporting;
using KafkaGateway.Bench.Suites;

namespace KafkaGateway.Bench;

// dotnet run -c Release --project bench/KafkaGateway.Bench -- all|quick|produce|stream|serialization|ndjson [--quick] [--out <folder> | --update-docs]
/// <summary>The benchmark command: <c>all</c>, <c>quick</c>, <c>produce</c>, <c>stream</c> or <c>serialization</c>.</summary>
internal static class BenchCommand
{
    public static async Task<int> Main(string[] args)
    {
        var command = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "quick";
        if (command == "load")
        {
            return await LoadGeneration.LoadCommand.RunAsync(args);
        }

        if (command == External.FloorServer.Command)
        {
            // The produce suite's framework floor, started by the suite as its own process.
            return await External.FloorServer.RunAsync(args);
        }

        var quick = command == "quick" || args.Contains("--quick");
        var outIndex = Array.IndexOf(args, "--out");
        // Results go to bench/out (git-ignored) unless --update-docs asks for docs/benchmarks.
        var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1]
            : args.Contains("--update-docs") ? FindRepository("docs", "benchmarks")
            : FindRepository("bench", "out");
        string[] suites = command switch
        {
            "all" or "quick" => ["produce", "stream", "serialization"],
            "produce" or "stream" or "serialization" or "profile" or "ndjson" => [command],
            _ => [],
        };
        if (suites.Length == 0)
        {
            Console.Error.WriteLine("usage: KafkaGateway.Bench all|quick|produce|stream|serialization|ndjson|profile [--batch N]|load [--quick] [--out <folder> | --update-docs]");
            return 2;
        }

        var settings = BenchSettings.For(quick, output);
        Console.WriteLine($"KafkaGateway benchmarks: {string.Join(", ", suites)} ({settings.ModeName} mode), results to {Path.GetFullPath(output)}");
        foreach (var line in MachineDescription.Lines())
        {
            Console.WriteLine(line);
        }

        if (Environment.ProcessorCount <= 2)
        {
            Console.WriteLine("Note: 2 or fewer cores; the gateway, the Kafka mock brokers and the load generator (wrk, h2load, or this process for streams) share them, so ratios matter more than absolute numbers.");
        }

        var reports = new List<SuiteReport>();
        if (suites.Contains("serialization"))
        {
            // First, before the cluster's threads exist, so BenchmarkDotNet measures a quiet process.
            reports.Add(SerializationSuite.Run(settings));
        }

        if (command == "profile")
        {
            await using var profiled = await BenchCluster.StartAsync();
            var batchIndex = Array.IndexOf(args, "--batch");
            var batch = batchIndex >= 0 && batchIndex + 1 < args.Length ? int.Parse(args[batchIndex + 1], CultureInfo.InvariantCulture) : 1;
            await AllocationProfile.RunAsync(profiled, settings.Measure * 2, batch);
            return 0;
        }

        Directory.CreateDirectory(output);
        if (suites.Contains("ndjson"))
        {
            // One NDJSON request of a million readings against the direct producer, in this process.
            await using var ndjsonCluster = await BenchCluster.StartAsync();
            reports.Add(await new NdjsonIngestSuite(ndjsonCluster, settings).RunAsync());
        }

        if (suites.Contains("produce"))
        {
            // The gateway in its own process, loaded by wrk and h2load; the direct arm in this one.
            if (await new HttpSuite(settings).RunAsync() is { } produce)
            {
                reports.Add(produce);
            }
        }

        if (suites.Contains("stream"))
        {
            // SSE fan-out has no standard load tool: the in-process gateway and subscriber clients.
            await using var cluster = await BenchCluster.StartAsync();
            reports.Add(await new StreamSuite(cluster, settings).RunAsync());
        }

        ResultsWriter.Write(settings, reports);
        Console.WriteLine();
        foreach (var check in reports.SelectMany(r => r.Checks))
        {
            Console.WriteLine(check);
        }

        return 0;

    }

    private static string FindRepository(params string[] parts)
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KafkaGateway.sln")))
            {
                return Path.Combine([directory.FullName, .. parts]);
            }
        }

        return Path.Combine(Environment.CurrentDirectory, "benchmark-results");
    }
}

/// <summary>Writes docs/benchmarks: one section per suite (kept from earlier runs of other suites), results.md and the SVG plots.</summary>
internal static class ResultsWriter
{
    private static readonly string[] s_order = ["produce", "stream", "serialization"];

    public static void Write(BenchSettings settings, IReadOnlyList<SuiteReport> reports)
    {
        var sections = Path.Combine(settings.OutputDirectory, "sections");
        Directory.CreateDirectory(sections);
        var stamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        foreach (var report in reports)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"_Run {stamp}, {settings.ModeName} mode._").AppendLine();
            foreach (var line in MachineDescription.Lines())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            }

            text.AppendLine().Append(report.Markdown);
            foreach (var plot in report.Plots.Keys.Order(StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"![{plot}]({plot})").AppendLine();
            }

            File.WriteAllText(Path.Combine(sections, report.Name + ".md"), text.ToString());
            File.WriteAllLines(Path.Combine(sections, report.Name + ".checks"), report.Checks);
            foreach (var (name, svg) in report.Plots)
            {
                File.WriteAllText(Path.Combine(settings.OutputDirectory, name), svg);
            }
        }

        var results = new StringBuilder();
        results.AppendLine("# Benchmark results").AppendLine();
        results.AppendLine("Generated by `dotnet run -c Release --project bench/KafkaGateway.Bench -- all --update-docs` (or `quick`, `produce`, `stream`, `serialization`); do not edit by hand.");
        results.AppendLine("How the benchmarks work, what the numbers mean, and findings: [README.md](README.md).").AppendLine();
        if (settings.Quick || Environment.ProcessorCount <= 2 || MachineDescription.LooksShared())
        {
            results.Append("**Caution:** ");
            if (settings.Quick)
            {
                results.Append("the latest run was in quick mode (one 2 s run per produce figure, 1 s stream rounds, short BenchmarkDotNet job). ");
            }

            if (Environment.ProcessorCount <= 2 || MachineDescription.LooksShared())
            {
                results.Append(CultureInfo.InvariantCulture, $"{(settings.Quick ? "It" : "the latest run")} ran on a {Environment.ProcessorCount}-core machine")
                    .Append(MachineDescription.LooksShared() ? " shared with other work (load average above the core count, see each section)" : "")
                    .Append(", with the gateway, the mock brokers and the load generator sharing its cores: numbers are noisy; compare ratios, and re-run `all` on a quiet machine before drawing conclusions. ");
            }

            results.AppendLine().AppendLine();
        }

        results.AppendLine("## Targets").AppendLine();
        foreach (var name in s_order)
        {
            var checks = Path.Combine(sections, name + ".checks");
            if (File.Exists(checks))
            {
                foreach (var line in File.ReadAllLines(checks))
                {
                    results.AppendLine(CultureInfo.InvariantCulture, $"- `{line}`");
                }
            }
        }

        results.AppendLine();
        foreach (var name in s_order)
        {
            var section = Path.Combine(sections, name + ".md");
            if (File.Exists(section))
            {
                results.AppendLine(CultureInfo.InvariantCulture, $"## {char.ToUpperInvariant(name[0])}{name[1..]}").AppendLine();
                results.Append(File.ReadAllText(section)).AppendLine();
            }
        }

        File.WriteAllText(Path.Combine(settings.OutputDirectory, "results.md"), results.ToString());
    }
}
