using System.Diagnostics;
using KafkaGateway.IntegrationTests.Harness;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Confluent's own Python registry client (Debian's python3-confluent-kafka) against the gateway on a real socket.
/// When no python3 can import confluent_kafka the test fails with instructions rather than passing silently.
/// </summary>
public sealed class ConfluentPythonClientTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task ConfluentPythonClient_RegisterAndFetchSensor_BehavesAsAgainstConfluent()
    {
        var python = FindPythonWithConfluentKafka();
        Assert.True(python is not null,
            "No python3 with confluent_kafka found (tried python3 and /usr/bin/python3). Install it with " +
            "'apt-get install -y python3-confluent-kafka' to run this compatibility check.");

        await using var gateway = Gateway(cluster);
        var url = new Uri(StartOnRealPort(gateway), "registry").ToString();
        var script = Path.Combine(AppContext.BaseDirectory, "Registry", "confluent_client_check.py");

        var (exitCode, output) = await RunAsync(python!, [script, url, NewSubject()]);

        Assert.True(exitCode == 0, $"confluent_client_check.py exited {exitCode}:\n{output}");
        Assert.EndsWith("OK", output.TrimEnd(), StringComparison.Ordinal);
    }

    private static string? FindPythonWithConfluentKafka()
    {
        foreach (var candidate in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                var (exitCode, _) = RunAsync(candidate, ["-c", "import confluent_kafka.schema_registry"]).GetAwaiter().GetResult();
                if (exitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed under that name.
            }
        }

        return null;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
