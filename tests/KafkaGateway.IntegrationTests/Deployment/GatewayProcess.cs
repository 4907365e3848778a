using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// The built gateway started the way the image starts it: its ENTRYPOINT (<c>dotnet KafkaGateway.dll</c>) in the
/// build output of src/KafkaGateway (the files <c>dotnet publish</c> copies to the image's /app), with exactly the
/// environment given and nothing inherited from the test process. As root it runs as the image's user through
/// <c>setpriv</c>, so every path that user does not own is read-only to it, as on the container's read-only root.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>src/KafkaGateway/bin/{the test's configuration}/net10.0: what the image's /app holds.</summary>
    public static string AppDirectory { get; } = Path.Combine(
        RepositoryFiles.Root, "src", "KafkaGateway", "bin", new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name, "net10.0");

    /// <summary>True when the process can be started as another user (the tests run as root and setpriv exists).</summary>
    public static bool CanRunAsImageUser => Environment.UserName == "root" && File.Exists("/usr/bin/setpriv");

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="entrypoint"/> in <see cref="AppDirectory"/>; as <paramref name="uid"/>:<paramref name="uid"/> when given.</summary>
    public static GatewayProcess Start(IReadOnlyList<string> entrypoint, IReadOnlyDictionary<string, string> environment, int? uid)
    {
        if (!File.Exists(Path.Combine(AppDirectory, entrypoint[^1])))
        {
            throw new InvalidOperationException($"{entrypoint[^1]} is not in {AppDirectory}: build src/KafkaGateway in the tests' configuration first.");
        }

        var start = new ProcessStartInfo
        {
            WorkingDirectory = AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var command = uid is { } id
            ? ["setpriv", $"--reuid={id}", $"--regid={id}", "--clear-groups", "--", .. entrypoint]
            : entrypoint.ToArray();
        start.FileName = command[0];
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new GatewayProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}"));
    }

    /// <summary>
    /// A port nobody listens on right now, below the kernel's ephemeral range and never handed out twice by this process.
    /// A port the kernel picks for a listener on port 0 comes from the ephemeral range, the range every outgoing
    /// connection takes its local port from too: between this call and the gateway's start, a client connection of a
    /// test running alongside (TLS terminators, Kafka clients) took such a port once and the gateway could not listen
    /// (CI: "port 33169 ... is already in use"); two calls could also get the same port back.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            var port = Interlocked.Increment(ref s_nextPort);
            if (port >= s_ephemeralStart)
            {
                throw new InvalidOperationException($"no port left below the ephemeral range ({s_ephemeralStart})");
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Any, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Someone listens there: the next one.
            }
        }
    }

    // The first port of the kernel's ephemeral range (Linux: ip_local_port_range); ports below it are handed out from a
    // random start, so two test runs on one machine rarely begin at the same port.
    private static readonly int s_ephemeralStart = EphemeralStart();
    private static int s_nextPort = Math.Max(1024, s_ephemeralStart - 12000) + Random.Shared.Next(0, 4000);

    private static int EphemeralStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start)
            ? start
            : 49152;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, as docker stop and the kubelet send; SIGKILL only if it does not stop in time.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
