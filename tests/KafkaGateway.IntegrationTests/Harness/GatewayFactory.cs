using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// Boots the real gateway (Program) in-process against a harness cluster. Settings given here override
/// appsettings.json, as environment variables would.
/// </summary>
public sealed class GatewayFactory(IReadOnlyDictionary<string, string?> settings, string environment = "Testing")
    : WebApplicationFactory<Program>
{
    static GatewayFactory()
    {
        // Every host would watch appsettings*.json with an inotify instance; with many hosts alive in parallel the
        // per-user limit (128 by default, shared with every other process of the user) is reached and hosts fail to
        // start. Tests never edit those files.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
    }

    public static GatewayFactory For(KafkaClusterFixture cluster, IReadOnlyDictionary<string, string?>? extra = null, string environment = "Testing")
    {
        var settings = cluster.GatewaySettings();
        settings["Kafka:MetadataTimeoutSeconds"] = "2";
        settings["Gateway:DataDirectory"] = Path.Combine(Path.GetTempPath(), "kafkagateway-tests", Guid.NewGuid().ToString("N"));
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new GatewayFactory(settings, environment);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        // TestServer has no listening addresses; plain http keeps HTTPS set-up out of tests that don't need it.
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.ConfigureAppConfiguration((_, configuration) => configuration
            // Tests that are not about security run without credentials; security tests set it to false.
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Security:AllowAnonymous"] = "true" })
            .AddInMemoryCollection(settings));
    }
}
