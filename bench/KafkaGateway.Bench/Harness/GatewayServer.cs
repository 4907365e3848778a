using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace KafkaGateway.Bench.Harness;

/// <summary>
/// The real gateway (Program) in-process. Copied from the integration tests' GatewayFactory rather than referenced,
/// so the bench does not drag in xunit; settings given here override appsettings.json, as environment variables would.
/// </summary>
internal sealed class GatewayServer(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Benchmark");
        builder.UseContentRoot(GatewayContentRoot());
        // Plain http keeps the development certificate out; the Kestrel endpoints are set by BenchCluster.
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
    }

    /// <summary>src/KafkaGateway of this checkout (WebApplicationFactory's own guess assumes a test project layout).</summary>
    private static string GatewayContentRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var project = Path.Combine(directory.FullName, "src", "KafkaGateway");
            if (Directory.Exists(project))
            {
                return project;
            }
        }

        return AppContext.BaseDirectory;
    }
}
