using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>
/// The gateway as an operator starts it: its own process (<c>dotnet KafkaGateway.dll</c> from the build output), in
/// Development on the embedded cluster, judged by its exit code and what it prints.
/// </summary>
public sealed partial class GatewayProcessStartupTests
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Start_InvalidSetting_PrintsOneLineNamingTheKeyAndExitsWithOne()
    {
        var run = await GatewayRun.UntilExitAsync("--Producer:MaxRecordsPerRequest=-5");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Lines, l => l.StartsWith("KafkaGateway did not start", StringComparison.Ordinal));
        Assert.Contains("Producer:MaxRecordsPerRequest", line, StringComparison.Ordinal);
        Assert.Contains("-5", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_UnknownEnumValue_NamesTheAllowedValuesInsteadOfFailingAtTheFirstRequest()
    {
        var run = await GatewayRun.UntilExitAsync("--Gateway:TopicFormats:Default=xml");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Lines, l => l.StartsWith("KafkaGateway did not start", StringComparison.Ordinal));
        Assert.Contains("Gateway:TopicFormats:Default = 'xml'", line, StringComparison.Ordinal);
        Assert.Contains("Allowed: avro, json, string, binary", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_RenamedKey_PrintsOneLineNamingTheReplacementAndExitsWithOne()
    {
        var run = await GatewayRun.UntilExitAsync("--Producer:DeliveryTimeoutMs=2000");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Lines, l => l.StartsWith("KafkaGateway did not start", StringComparison.Ordinal));
        Assert.Contains("Producer:DeliveryTimeoutMs was renamed to Producer:DeliveryTimeoutMilliseconds", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_MisspelledKey_PrintsOneLineWithTheSuggestionAndExitsWithOne()
    {
        var run = await GatewayRun.UntilExitAsync("--Streaming:MaxStream=5");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Lines, l => l.StartsWith("KafkaGateway did not start", StringComparison.Ordinal));
        Assert.Contains("Streaming:MaxStream is not a setting (did you mean Streaming:MaxStreams?)", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_LibrdkafkaPropertyUnknown_PrintsOneLineInsteadOfCrashingWhenTheFirstClientIsBuilt()
    {
        // Before: exit 134 and a stack trace from Confluent.Kafka's AdminClientBuilder.Build.
        var run = await GatewayRun.UntilExitAsync("--Kafka:Properties:no.such.property=1");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Lines, l => l.StartsWith("KafkaGateway did not start", StringComparison.Ordinal));
        Assert.Contains("Kafka:Properties:no.such.property: No such configuration property", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_PortInUse_PrintsOneLineNamingThePortAndTheUrlsFix()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var run = await GatewayRun.UntilExitAsync($"--urls=http://127.0.0.1:{port}");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Lines, l => l.StartsWith("KafkaGateway did not start", StringComparison.Ordinal));
        Assert.Contains($"port {port}", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_OnlyHttpUrls_SaysHttpsIsOffAndHowToTurnItOn()
    {
        await using var gateway = GatewayRun.Start("--urls=http://127.0.0.1:0");

        var line = await gateway.WaitForLineAsync(l => l.Contains("HTTPS is off", StringComparison.Ordinal));

        Assert.Contains("https://", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_HttpsOnAnotherPort_CurlHintNamesThePortActuallyBound()
    {
        var data = Directory.CreateTempSubdirectory("kafkagateway-startup-").FullName;
        await using var gateway = GatewayRun.Start("--urls=https://127.0.0.1:0", $"--Gateway:DataDirectory={data}");

        var listening = await gateway.WaitForLineAsync(l => l.Contains("Now listening on: https://", StringComparison.Ordinal));
        var hint = await gateway.WaitForLineAsync(l => l.Contains("curl --cacert", StringComparison.Ordinal));

        var port = ListeningPort().Match(listening).Groups["port"].Value;
        Assert.Contains($"https://localhost:{port}/health/ready", hint, StringComparison.Ordinal);
        Assert.DoesNotContain("5443", hint, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Now listening on: https://[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningPort();

    /// <summary>One gateway process with its stdout and stderr collected line by line.</summary>
    private sealed class GatewayRun : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly Lock _gate = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private GatewayRun(string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KafkaGateway.dll"));
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment.Remove("ASPNETCORE_URLS");
            start.Environment.Remove("Kafka__BootstrapServers");
            _process = new Process { StartInfo = start, EnableRaisingEvents = true };
            _process.OutputDataReceived += (_, e) => Add(e.Data);
            _process.ErrorDataReceived += (_, e) => Add(e.Data);
            _process.Exited += (_, _) => Signal();
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate)
                {
                    return [.. _lines];
                }
            }
        }

        public int ExitCode => _process.ExitCode;

        public static GatewayRun Start(params string[] arguments) => new(arguments);

        public static async Task<GatewayRun> UntilExitAsync(params string[] arguments)
        {
            var run = new GatewayRun(arguments);
            using var timeout = new CancellationTokenSource(StartBound);
            try
            {
                await run._process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await run.DisposeAsync();
                throw new TimeoutException($"The gateway did not exit within {StartBound}; it printed:\n{string.Join('\n', run.Lines)}");
            }

            run._process.WaitForExit(); // Drains the redirected streams.
            return run;
        }

        public async Task<string> WaitForLineAsync(Func<string, bool> match)
        {
            var deadline = DateTime.UtcNow + StartBound;
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_lines.FirstOrDefault(match) is { } line)
                    {
                        return line;
                    }

                    changed = _changed.Task;
                }

                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero || _process.HasExited && changed.IsCompleted)
                {
                    throw new TimeoutException($"No such line (exited: {_process.HasExited}); the gateway printed:\n{string.Join('\n', Lines)}");
                }

                await Task.WhenAny(changed, Task.Delay(remaining));
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _lines.Add(line);
            }

            Signal();
        }

        private void Signal()
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }
    }
}
