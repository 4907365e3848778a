using System.Runtime.CompilerServices;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>Process-wide settings for the many gateway hosts one test run starts.</summary>
internal static class TestProcessSettings
{
    /// <summary>
    /// Each host would watch its configuration files with an inotify instance (Linux allows 128 per user by default);
    /// dozens of hosts in one process exhaust that. Tests never change configuration files, so hosts don't watch them.
    /// </summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before any test host is built.")]
    internal static void Initialize()
    {
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
    }
}
