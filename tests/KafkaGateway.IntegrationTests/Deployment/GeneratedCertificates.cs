using System.Diagnostics;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>Runs deploy/certs/generate.sh into a temporary folder and exposes its output.</summary>
public sealed class GeneratedCertificates : IDisposable
{
    // generate.sh takes seconds of CPU (RSA keys, a JVM per keytool call): tests that only read its output share one run.
    private static readonly Lazy<GeneratedCertificates> s_shared = new(() =>
    {
        var shared = new GeneratedCertificates();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => shared.Dispose();
        return shared;
    });

    public GeneratedCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "kafkagateway-certs-" + Guid.NewGuid().ToString("N"));
        Output = Run(Directory);
        Passwords = File.ReadAllLines(PathOf("passwords.env"))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
    }

    /// <summary>One run per test process, for tests that only read the output; deleted when the process exits.</summary>
    public static GeneratedCertificates Shared => s_shared.Value;

    public string Directory { get; }

    public string Output { get; }

    public IReadOnlyDictionary<string, string> Passwords { get; }

    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>Runs the script with <c>--out <paramref name="directory"/></c> and returns its standard output.</summary>
    public static string Run(string directory, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { RepositoryFiles.PathOf("deploy", "certs", "generate.sh"), "--out", directory }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("generate.sh did not finish within 2 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"generate.sh exited with {process.ExitCode}:\n{output.Result}\n{error.Result}");
        }

        return output.Result + error.Result;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
