using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
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

    [Fact]
    public async Task Run_JsonLogs_EventsOfARequestShareItsTraceIdAndCarryNoFrameworkScopes()
    {
        var data = Directory.CreateTempSubdirectory("kafkagateway-logs-").FullName;
        await using var gateway = GatewayRun.Start(
            "--urls=http://127.0.0.1:0", $"--Gateway:DataDirectory={data}", "--Gateway:TopicFormats:Default=json",
            "--Serilog:MinimumLevel:Default=Information", "--Serilog:WriteTo:0:Name=Console",
            "--Serilog:WriteTo:0:Args:formatter=Serilog.Formatting.Compact.RenderedCompactJsonFormatter, Serilog.Formatting.Compact");
        var listening = await gateway.WaitForLineAsync(l => l.Contains("Now listening on: http://", StringComparison.Ordinal));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ListeningHttpPort().Match(listening).Groups["port"].Value}") };

        // A first record to a new topic: the topic's creation is audited inside the action (a gateway event logged
        // during the request), then the request log event follows.
        var topic = $"logs-{Guid.NewGuid():N}";
        using var answer = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            new StringContent("""{"records": [{"value": {"n": 1}}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var audit = JsonLine(await gateway.WaitForLineAsync(l => l.StartsWith('{') && l.Contains("\"Action\":\"topic.create\"", StringComparison.Ordinal)));
        var request = JsonLine(await gateway.WaitForLineAsync(l => l.StartsWith('{') && l.Contains("\"RequestMethod\":\"POST\"", StringComparison.Ordinal)));

        // The request log event keeps the identifiers hosting's request scope used to give it.
        Assert.Matches("^[0-9A-Z]+:[0-9A-F]{8}$", request.GetProperty("RequestId").GetString());
        Assert.StartsWith(request.GetProperty("ConnectionId").GetString()! + ":", request.GetProperty("RequestId").GetString(), StringComparison.Ordinal);
        Assert.Equal($"/topics/{topic}/records", request.GetProperty("RequestPath").GetString());
        // The event logged during the request is joined to it by the trace id (and Kestrel's per-connection scope),
        // not by the per-request scopes of hosting (RequestId, RequestPath) and MVC (ActionId, ActionName), which the
        // gateway's loggers do not begin.
        Assert.Matches("^[0-9a-f]{32}$", request.GetProperty("@tr").GetString());
        Assert.Equal(request.GetProperty("@tr").GetString(), audit.GetProperty("@tr").GetString());
        Assert.Equal(request.GetProperty("ConnectionId").GetString(), audit.GetProperty("ConnectionId").GetString());
        foreach (var scoped in new[] { "RequestId", "RequestPath", "ActionId", "ActionName" })
        {
            Assert.False(audit.TryGetProperty(scoped, out _), $"the audit event carries {scoped}: {audit}");
        }
    }

    private static JsonElement JsonLine(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [GeneratedRegex(@"Now listening on: http://[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningHttpPort();

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
