using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KafkaGateway.Bench.External;

/// <summary>
/// The gateway as its own process: the Release build of src/KafkaGateway, Development settings (so the embedded
/// cluster runs inside it), listening on loopback for HTTP/1.1, h2c and HTTPS (TLS 1.3 with the Development
/// certificate). Its CPU is read from /proc, so it includes the embedded brokers and nothing of the load generator.
/// The framework floor (<see cref="FloorServer"/>) runs and is read the same way (<see cref="StartFloorAsync"/>).
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _logPath;

    private readonly string? _http2;
    private readonly string? _https;

    private GatewayProcess(Process process, string logPath, int http1, int? http2, int? https)
    {
        _process = process;
        _logPath = logPath;
        Http1 = $"http://127.0.0.1:{http1}";
        _http2 = http2 is { } h2 ? $"http://127.0.0.1:{h2}" : null;
        _https = https is { } tls ? $"https://127.0.0.1:{tls}" : null;
    }

    public string Http1 { get; }

    public string Http2 => _http2 ?? throw new InvalidOperationException("This process listens on HTTP/1.1 only.");

    public string Https => _https ?? throw new InvalidOperationException("This process listens on HTTP/1.1 only.");

    public int Id => _process.Id;

    /// <summary>Starts the gateway with <paramref name="settings"/> on top of Development's and waits for /health/ready.</summary>
    public static async Task<GatewayProcess> StartAsync(string name, string outputDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var dll = GatewayDll();
        var ports = (FreePort(), FreePort(), FreePort());
        var logPath = Path.Combine(outputDirectory, $"gateway-{name}.log");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = start.Environment;
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["DOTNET_ENVIRONMENT"] = "Development";
        environment["Kestrel__Endpoints__h1__Url"] = $"http://127.0.0.1:{ports.Item1}";
        environment["Kestrel__Endpoints__h1__Protocols"] = "Http1";
        environment["Kestrel__Endpoints__h2__Url"] = $"http://127.0.0.1:{ports.Item2}";
        environment["Kestrel__Endpoints__h2__Protocols"] = "Http2";
        environment["Kestrel__Endpoints__tls__Url"] = $"https://127.0.0.1:{ports.Item3}";
        environment["Kestrel__Endpoints__tls__Protocols"] = "Http1";
        // Development logs every request at Information: that would measure the console, not the gateway.
        environment["Serilog__MinimumLevel__Default"] = "Warning";
        environment["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Warning";
        // One data folder for every run, so the Development certificate is made once, not per run.
        environment["Gateway__DataDirectory"] = Path.Combine(Path.GetTempPath(), "kafkagateway-bench-data");
        foreach (var (key, value) in settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return await LaunchAsync(start, logPath, ports.Item1, ports.Item2, ports.Item3);
    }

    /// <summary>
    /// Starts the framework floor (<see cref="FloorServer"/>, this benchmark's own executable in <c>floor-server</c>
    /// mode, with the same runtime settings as the gateway's build) on HTTP/1.1 and waits for it.
    /// </summary>
    public static async Task<GatewayProcess> StartFloorAsync(string outputDirectory)
    {
        var port = FreePort();
        var bench = typeof(FloorServer).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [bench, FloorServer.Command, "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = Path.GetDirectoryName(bench)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return await LaunchAsync(start, Path.Combine(outputDirectory, "floor.log"), port, null, null);
    }

    private static async Task<GatewayProcess> LaunchAsync(ProcessStartInfo start, string logPath, int http1, int? http2, int? https)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var launched = new GatewayProcess(process, logPath, http1, http2, https);
        await launched.WaitReadyAsync();
        return launched;
    }

    /// <summary>User plus system CPU of the gateway process so far (all its threads: Kestrel, MVC, librdkafka, the embedded brokers).</summary>
    public TimeSpan Cpu() => Ticks(File.ReadAllText($"/proc/{_process.Id}/stat"));

    /// <summary>
    /// CPU so far of the process's librdkafka threads (named <c>rdk:…</c>: the gateway's Kafka clients and the
    /// embedded brokers). Threads that exited are missing, so compare it only over runs where they live throughout.
    /// </summary>
    public TimeSpan LibrdkafkaCpu()
    {
        var total = TimeSpan.Zero;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                if (stat.AsSpan(stat.IndexOf('(') + 1).StartsWith("rdk:", StringComparison.Ordinal))
                {
                    total += Ticks(stat);
                }
            }
            catch (IOException)
            {
                // The thread exited.
            }
        }

        return total;
    }

    /// <summary>Bytes the gateway's managed heap allocated so far (the runtime's <c>dotnet.gc.heap.total_allocated</c> metric at /metrics).</summary>
    public Task<double?> AllocatedBytesAsync(HttpClient http) => MetricAsync(http, "dotnet_gc_heap_total_allocated_bytes");

    /// <summary>Seconds the runtime's JIT compiler spent so far (<c>dotnet.jit.compilation.time</c> at /metrics).</summary>
    public Task<double?> JitSecondsAsync(HttpClient http) => MetricAsync(http, "dotnet_jit_compilation_time_seconds");

    private async Task<double?> MetricAsync(HttpClient http, string name)
    {
        var text = await http.GetStringAsync(new Uri(Http1 + "/metrics"));
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
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

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(180))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {_process.ExitCode}; see {_logPath}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Http1 + "/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Starting.
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"The gateway did not become ready within 180 s; see {_logPath}.");
    }

    /// <summary>
    /// The runtime settings the gateway's build carries in its runtimeconfig.json (GC mode, thread-pool spinning), as the
    /// image and <c>dotnet run</c> get them: the bench sets none of its own, so the figures are the shipped build's.
    /// </summary>
    public static string RuntimeSettings()
    {
        var path = Path.ChangeExtension(GatewayDll(), ".runtimeconfig.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        if (!document.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties))
        {
            return "none";
        }

        var settings = new List<string>();
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Name.StartsWith("System.GC.", StringComparison.Ordinal) || property.Name.StartsWith("System.Threading.", StringComparison.Ordinal))
            {
                settings.Add($"`{property.Name}` = {property.Value.GetRawText()}");
            }
        }

        return settings.Count == 0 ? "none" : string.Join(", ", settings);
    }

    /// <summary>src/KafkaGateway's build of this bench's configuration (the bench's project reference builds it).</summary>
    private static string GatewayDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var dll = Path.Combine(directory.FullName, "src", "KafkaGateway", "bin", configuration, "net10.0", "KafkaGateway.dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        throw new FileNotFoundException($"src/KafkaGateway/bin/{configuration}/net10.0/KafkaGateway.dll not found: run the bench with dotnet run -c Release.");
    }

    private static TimeSpan Ticks(string stat)
    {
        // Fields after the command name (which may hold spaces) start with the state, field 3; utime and stime are 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    private static int ClockTicksPerSecond
    {
        get
        {
            // USER_HZ is 100 on every Linux architecture .NET runs on.
            return 100;
        }
    }

    /// <summary>
    /// A free port below Linux's ephemeral range (32768-60999): the embedded brokers bind ephemeral ports while the
    /// gateway starts, and one of them could take a port picked from that range before Kestrel binds it.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
                // Taken; try another.
            }
        }
    }
}

