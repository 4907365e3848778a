using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KafkaGateway.Bench.External;

/// <summary>What one run of wrk or h2load reported.</summary>
internal sealed record ToolResult(long Requests, double Seconds, long Failures, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// The standard HTTP load generators, run as their own processes: <c>wrk</c> (Debian package <c>wrk</c>) for HTTP/1.1
/// and HTTPS, <c>h2load</c> (Debian package <c>nghttp2-client</c>) for HTTP/2. Missing tools are installed with
/// apt-get when running as root, otherwise named.
/// </summary>
internal static partial class LoadTools
{
    public static bool Ensure()
    {
        var missing = new List<string>();
        if (!OnPath("wrk"))
        {
            missing.Add("wrk");
        }

        if (!OnPath("h2load"))
        {
            missing.Add("nghttp2-client");
        }

        if (missing.Count == 0)
        {
            return true;
        }

        if (Environment.UserName == "root")
        {
            Console.WriteLine($"Installing {string.Join(", ", missing)} (apt-get)");
            Run("apt-get", "install -y -qq " + string.Join(' ', missing), TimeSpan.FromMinutes(5), allowFailure: true);
            if (OnPath("wrk") && OnPath("h2load"))
            {
                return true;
            }

            Run("apt-get", "update -qq", TimeSpan.FromMinutes(5), allowFailure: true);
            Run("apt-get", "install -y -qq " + string.Join(' ', missing), TimeSpan.FromMinutes(5), allowFailure: true);
        }

        if (OnPath("wrk") && OnPath("h2load"))
        {
            return true;
        }

        Console.Error.WriteLine($"The HTTP benchmarks need wrk and h2load: apt-get install {string.Join(' ', missing)}");
        return false;
    }

    /// <summary>wrk, 2 threads, <paramref name="connections"/> keep-alive connections, for <paramref name="seconds"/>.</summary>
    public static ToolResult Wrk(string url, int connections, double seconds, string luaScript)
    {
        var output = Run("wrk", FormattableString.Invariant(
            $"-t2 -c{connections} -d{seconds:0.#}s --latency --timeout 10s -s {luaScript} {url}"), TimeSpan.FromSeconds(seconds + 60));
        var requests = Match(WrkRequests(), output);
        var failures = (long)(TryMatch(WrkNon2xx(), output) ?? 0);
        var socketErrors = WrkSocketErrors().Match(output);
        if (socketErrors.Success)
        {
            failures += socketErrors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture));
        }

        return new ToolResult((long)requests.Value1, requests.Value2, failures, WrkLatency(output, "50"), WrkLatency(output, "99"));
    }

    /// <summary>h2load over h2c (prior knowledge), <paramref name="streams"/> concurrent streams per connection.</summary>
    public static ToolResult H2Load(string url, int connections, int streams, double seconds, string bodyFile, IReadOnlyDictionary<string, string> headers)
    {
        var arguments = new StringBuilder(FormattableString.Invariant($"-t2 -c{connections} -m{streams} -D {seconds:0.#} -d {bodyFile}"));
        foreach (var (name, value) in headers)
        {
            arguments.Append(CultureInfo.InvariantCulture, $" -H \"{name}: {value}\"");
        }

        arguments.Append(' ').Append(url);
        var output = Run("h2load", arguments.ToString(), TimeSpan.FromSeconds(seconds + 60));
        var finished = Match(H2Finished(), output);
        var done = H2Requests().Match(output);
        var succeeded = long.Parse(done.Groups[2].Value, CultureInfo.InvariantCulture);
        var twoHundreds = TryMatch(H2Status2xx(), output) ?? succeeded;
        var total = long.Parse(done.Groups[1].Value, CultureInfo.InvariantCulture);
        return new ToolResult(total, finished.Value1, total - (long)twoHundreds, double.NaN, double.NaN);
    }

    private static double WrkLatency(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            return double.NaN;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    private static (double Value1, double Value2) Match(Regex regex, string output)
    {
        var match = regex.Match(output);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Unexpected load tool output:{Environment.NewLine}{output}");
        }

        return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            match.Groups.Count > 2 ? double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double? TryMatch(Regex regex, string output)
    {
        var match = regex.Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static string Run(string file, string arguments, TimeSpan timeout, bool allowFailure = false)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill();
            throw new TimeoutException($"{file} {arguments} ran past {timeout}.");
        }

        var output = stdout.Result + stderr.Result;
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}:{Environment.NewLine}{output}");
        }

        return output;
    }

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)s")]
    private static partial Regex WrkRequests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex WrkNon2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex WrkSocketErrors();

    [GeneratedRegex(@"finished in ([\d.]+)s, ([\d.]+) req/s")]
    private static partial Regex H2Finished();

    [GeneratedRegex(@"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded")]
    private static partial Regex H2Requests();

    [GeneratedRegex(@"status codes: (\d+) 2xx")]
    private static partial Regex H2Status2xx();
}
