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

        // Dozens of gateways, brokers and Kafka clients share this one process on two cores, and test helpers block
        // on synchronous Kafka calls; without head-room the thread pool grows one thread at a time and an SSE test
        // can wait seconds for a continuation. A production gateway is one host and needs none of this.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));

        // When the test host dies of an unhandled exception, the runner shows only the start of its stderr (mostly
        // librdkafka lines): keep the exception in a file too, and name it first thing on stderr.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            var text = $"{DateTime.UtcNow:O} unhandled exception in the integration test process: {e.ExceptionObject}{Environment.NewLine}";
            try
            {
                File.AppendAllText(Path.Combine(Path.GetTempPath(), "kafkagateway-integration-tests-crash.log"), text);
            }
            catch (IOException)
            {
            }

            Console.Error.WriteLine(text);
        };
    }
}
