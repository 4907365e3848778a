using System.Runtime;
using System.Runtime.InteropServices;

namespace KafkaGateway.Bench.Reporting;

/// <summary>The machine the numbers were taken on: cores, memory, OS, .NET, CPU model, load at the start.</summary>
internal static class MachineDescription
{
    public static IReadOnlyList<string> Lines()
    {
        var memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return
        [
            FormattableString.Invariant($"CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores"),
            FormattableString.Invariant($"Memory: {memoryGiB:F1} GiB"),
            $"OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
            $".NET: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, librdkafka {Confluent.Kafka.Library.VersionString}",
            $"Load average at start (1/5/15 min): {LoadAverage()}",
        ];
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    /// <summary>True when the 1-minute load average at start exceeded the cores: other work shared the machine.</summary>
    public static bool LooksShared()
    {
        try
        {
            var oneMinute = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            return oneMinute > Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>Resident set size of this process in bytes (VmRSS on Linux).</summary>
    public static long ResidentBytes()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
