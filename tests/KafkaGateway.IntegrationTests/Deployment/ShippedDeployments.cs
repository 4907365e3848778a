using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.IntegrationTests.Registry;
using KafkaGateway.Kafka;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// One run of deploy/certs/generate.sh, and the shipped gateway configurations started from it on demand, each once
/// per test run (a process start costs seconds) and shared by every test of <see cref="ShippedDeploymentTests"/>.
/// </summary>
public sealed class ShippedDeployments : IAsyncLifetime
{
    public const string ComposeGateway = "compose:gateway";
    public const string ComposeConfluentSr = "compose:gateway-confluent-sr";
    public const string Kubernetes = "kubernetes";

    private readonly Dictionary<string, Lazy<Task<RunningDeployment>>> _deployments = new(StringComparer.Ordinal);

    public ShippedDeployments()
    {
        foreach (var name in new[] { ComposeGateway, ComposeConfluentSr, Kubernetes })
        {
            // Task.Run: the start runs synchronously up to its first await (the stand-in registry starts synchronously).
            _deployments[name] = new Lazy<Task<RunningDeployment>>(() => Task.Run(() => RunningDeployment.StartAsync(name, Certificates)));
        }
    }

    public GeneratedCertificates Certificates { get; private set; } = null!;

    /// <summary>The files generate.sh wrote, taken right after it ran.</summary>
    public IReadOnlyDictionary<string, DateTime> GeneratedFiles { get; private set; } = null!;

    public Task<RunningDeployment> StartAsync(string name) => _deployments[name].Value;

    public Task InitializeAsync()
    {
        Certificates = GeneratedCertificates.Shared;
        GeneratedFiles = Snapshot(Certificates.Directory);
        // Start them side by side: a start mostly waits (for Kafka metadata, the registry topic), it hardly computes.
        foreach (var deployment in _deployments.Values)
        {
            _ = deployment.Value;
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var deployment in _deployments.Values.Where(d => d.IsValueCreated))
        {
            try
            {
                await (await deployment.Value).DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException)
            {
                // It never started (and cleaned up after itself); its tests reported why.
            }
        }
    }

    /// <summary>Every file below <paramref name="directory"/> with its last write time.</summary>
    public static Dictionary<string, DateTime> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc, StringComparer.Ordinal);
}

/// <summary>
/// A shipped gateway configuration running as a process against a harness Kafka cluster, with the container's paths
/// mapped to folders of its own (see <see cref="StartAsync"/>).
/// </summary>
public sealed partial class RunningDeployment : IAsyncDisposable
{
    private readonly List<TlsTerminator> _terminators;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _broker;

    private RunningDeployment(
        string name, ShippedContainer container, IReadOnlyDictionary<string, string> hostPaths, MockCluster cluster, List<TlsTerminator> terminators,
        GatewayFactory? registryStandIn, X509Certificate2 ca, X509Certificate2 broker, string root)
    {
        _broker = broker;
        Name = name;
        Container = container;
        HostPaths = hostPaths;
        Cluster = cluster;
        _terminators = terminators;
        RegistryStandIn = registryStandIn;
        _ca = ca;
        Root = root;
    }

    public string Name { get; }

    /// <summary>The container as the manifest describes it (before the test's mapping).</summary>
    internal ShippedContainer Container { get; }

    /// <summary>Container path (e.g. /certs) to the host folder standing for it.</summary>
    public IReadOnlyDictionary<string, string> HostPaths { get; }

    /// <summary>The folder holding every mapped path of this deployment.</summary>
    public string Root { get; }

    /// <summary>The HOME the process runs with (the image user's home on a read-only root: nothing may be written there).</summary>
    public string Home => Path.Combine(Root, "home");

    public MockCluster Cluster { get; }

    /// <summary>Client certificate subjects the brokers' TLS terminators accepted.</summary>
    public IEnumerable<string> AcceptedKafkaClients => _terminators.SelectMany(t => t.AcceptedClients);

    /// <summary>For the confluent-sr profile: the stand-in for Confluent Schema Registry (see <see cref="StartAsync"/>).</summary>
    public GatewayFactory? RegistryStandIn { get; }

    public Uri? RegistryStandInUrl { get; private set; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The environment the process was started with, after mapping.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; private set; } = null!;

    internal GatewayProcess Process { get; private set; } = null!;

    /// <summary>The user the process runs as: the image's (from the pod's runAsUser) when the tests can switch users.</summary>
    public int? Uid { get; private set; }

    /// <summary>Server certificates the gateway presented to clients of this deployment.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> ServerCertificateThumbprints { get; } = new();

    /// <summary>
    /// Starts the shipped configuration <paramref name="name"/>. What is taken from the files: the Dockerfile's runtime
    /// ENV, ENTRYPOINT and USER; the service's (compose) or ConfigMap + Secret-resolved (Kubernetes) environment; the
    /// mounts. What the test changes, and why:
    /// <list type="bullet">
    /// <item>Container paths (<c>/certs</c>, <c>/data</c>, <c>/tmp</c>) become folders: compose's bind mount of
    /// <c>./deploy/certs/out</c> is the folder where the test ran generate.sh; the Kubernetes Secret volume holds just
    /// the files the README's <c>kubectl create secret</c> puts in it, mode 0440 group-owned by the pod's fsGroup;
    /// named volumes, emptyDirs and the tmpfs are empty folders owned by the image user. <c>TMPDIR</c> points at the
    /// <c>/tmp</c> folder (the runtime's way to find /tmp); HOME is an empty folder the image user cannot write.</item>
    /// <item><c>Kafka:BootstrapServers</c> names the harness brokers instead of kafka:9094: librdkafka mock brokers
    /// behind the harness's mutual-TLS terminators, which serve the broker certificate generate.sh made
    /// (kafka.crt, issued by the generated CA, SAN localhost) and accept only client certificates issued by the
    /// generated CA, as the compose broker's ssl.client.auth=required with kafka.truststore.jks does. So the gateway
    /// verifies the broker (hostname included) and is verified with exactly the shipped material. The terminators
    /// listen on IPv4 loopback only, hence <c>Kafka:Properties:broker.address.family=v4</c>.</item>
    /// <item><c>ASPNETCORE_URLS</c> listens on a free loopback port instead of :8443 (the published port mapping).</item>
    /// <item>confluent-sr: <c>SchemaRegistry:Url</c> (http://schema-registry:8081) points at a STAND-IN for Confluent
    /// Schema Registry: a second, in-process gateway serving its built-in registry (the Confluent Schema Registry
    /// REST API) at /registry, storing schemas in the same Kafka through mTLS with schema-registry-client.p12 as
    /// the real registry would. Real Confluent Schema Registry is not run here (no Docker, no JVM service).</item>
    /// </list>
    /// </summary>
    public static async Task<RunningDeployment> StartAsync(string name, GeneratedCertificates certificates)
    {
        var container = name switch
        {
            ShippedDeployments.Kubernetes => ShippedConfiguration.KubernetesGateway(ShippedConfiguration.ReadmeSecrets(certificates.Directory, out _)),
            _ => ShippedConfiguration.ComposeService(name["compose:".Length..], ShippedConfiguration.ReadEnvFile(certificates.PathOf(".env"))),
        };
        var uid = GatewayProcess.CanRunAsImageUser ? int.Parse(ShippedConfiguration.KubernetesPodSecurity("runAsUser")!, CultureInfo.InvariantCulture) : (int?)null;
        var root = Path.Combine(Path.GetTempPath(), "kafkagateway-deploy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "home"));
        var hostPaths = MapMounts(container, certificates, root, uid);

        var dockerfile = ShippedConfiguration.Dockerfile();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["HOME"] = Path.Combine(root, "home"),
            ["TMPDIR"] = hostPaths["/tmp"],
        };
        foreach (var (key, value) in dockerfile.Environment.Concat(container.Environment))
        {
            environment[key] = MapPath(value, hostPaths);
        }

        var ca = X509CertificateLoader.LoadCertificateFromFile(certificates.PathOf("ca.crt"));
        var broker = X509Certificate2.CreateFromPemFile(certificates.PathOf("kafka.crt"), certificates.PathOf("kafka.key"));
        // As many brokers as the manifest names (compose one, Kubernetes three).
        var cluster = MockCluster.Start(environment["Kafka__BootstrapServers"].Split(',').Length);
        var terminators = new List<TlsTerminator>();
        foreach (var listener in cluster.Listeners)
        {
            var terminator = new TlsTerminator(listener, broker, ca);
            terminators.Add(terminator);
            cluster.AdvertiseBroker(listener.Id, "localhost", terminator.Port);
        }

        environment["Kafka__BootstrapServers"] = string.Join(',', terminators.Select(t => $"localhost:{t.Port}"));
        environment["Kafka__Properties__broker.address.family"] = "v4";
        var port = GatewayProcess.FreePort();
        environment["ASPNETCORE_URLS"] = ListenAddress().Replace(environment["ASPNETCORE_URLS"], $"https://127.0.0.1:{port}");

        GatewayFactory? standIn = null;
        Uri? standInUrl = null;
        Task standInStarted = Task.CompletedTask;
        if (environment.TryGetValue("SchemaRegistry__Url", out var registryUrl) && registryUrl.Length > 0)
        {
            var registryPort = GatewayProcess.FreePort();
            standInUrl = new Uri($"http://127.0.0.1:{registryPort}/");
            standIn = new GatewayFactory(new Dictionary<string, string?>
            {
                ["urls"] = standInUrl.ToString(),
                ["Kafka:BootstrapServers"] = environment["Kafka__BootstrapServers"],
                ["Kafka:Properties:broker.address.family"] = "v4",
                ["Kafka:Tls:KeyStoreLocation"] = certificates.PathOf("schema-registry-client.p12"),
                ["Kafka:Tls:KeyStorePassword"] = certificates.Passwords["SCHEMA_REGISTRY_KEYSTORE_PASSWORD"],
                ["Kafka:Tls:CaLocation"] = certificates.PathOf("ca.crt"),
                ["Kafka:MetadataTimeoutSeconds"] = "2",
                // Confluent's topic in the compose profile (SCHEMA_REGISTRY_KAFKASTORE_TOPIC), which the gateway reserves.
                ["SchemaRegistry:Topic"] = environment.GetValueOrDefault("SchemaRegistry__Topic", "_schemas"),
                ["Gateway:DataDirectory"] = Path.Combine(root, "registry-stand-in"),
            });
            // Started beside the gateway: the gateway needs its registry for requests, not to become ready.
            var starting = standIn;
            standInStarted = Task.Run(() => RegistryTestHost.StartOnRealPort(starting));
            environment["SchemaRegistry__Url"] = new Uri(standInUrl, "registry").ToString();
        }

        var deployment = new RunningDeployment(name, container, hostPaths, cluster, terminators, standIn, ca, broker, root)
        {
            Environment = environment,
            Uid = uid,
            BaseAddress = new Uri($"https://localhost:{port}/"),
            RegistryStandInUrl = standInUrl,
        };
        try
        {
            deployment.Process = GatewayProcess.Start(dockerfile.Entrypoint, environment, uid);
            await deployment.WaitUntilReadyAsync();
            await standInStarted;
        }
        catch
        {
            await standInStarted.ContinueWith(_ => { }, TaskScheduler.Default);
            await deployment.DisposeAsync();
            throw;
        }

        return deployment;
    }

    /// <summary>
    /// A client that trusts only the generated CA and checks the host name, presenting <paramref name="clientCertificate"/>
    /// when given; <paramref name="apiKey"/> goes in X-API-Key.
    /// </summary>
    public HttpClient CreateClient(string? apiKey = null, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return false;
            }

            using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            ServerCertificateThumbprints.Enqueue(presented.Thumbprint);
            return chain.Build(presented);
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        if (RegistryStandIn is not null)
        {
            await RegistryStandIn.DisposeAsync();
        }

        foreach (var terminator in _terminators)
        {
            await terminator.DisposeAsync();
        }

        Cluster.Dispose();
        _ca.Dispose();
        _broker.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Replaces a leading container path (<c>/certs/ca.crt</c>) with its host folder.</summary>
    internal static string MapPath(string value, IReadOnlyDictionary<string, string> hostPaths)
    {
        foreach (var (containerPath, hostPath) in hostPaths.OrderByDescending(p => p.Key.Length))
        {
            if (value == containerPath || value.StartsWith(containerPath + "/", StringComparison.Ordinal))
            {
                return hostPath + value[containerPath.Length..];
            }
        }

        return value;
    }

    private static Dictionary<string, string> MapMounts(ShippedContainer container, GeneratedCertificates certificates, string root, int? uid)
    {
        var hostPaths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var mount in container.Mounts)
        {
            var folder = Path.Combine(root, mount.Kind + mount.ContainerPath.Replace('/', '-'));
            switch (mount.Kind)
            {
                case "bind":
                    // generate.sh's default --out: the folder compose mounts. The test ran the script with --out <temp>.
                    Assert.Equal("./deploy/certs/out", mount.Source);
                    folder = certificates.Directory;
                    break;
                case "secret":
                    Directory.CreateDirectory(folder);
                    ShippedConfiguration.ReadmeSecrets(certificates.Directory, out var files);
                    Assert.True(files.ContainsKey(mount.Source), $"the README creates no Secret {mount.Source}");
                    foreach (var file in files[mount.Source])
                    {
                        var target = Path.Combine(folder, Path.GetFileName(file));
                        File.Copy(file, target);
                        // deployment.yaml: defaultMode 0440, readable through the pod's fsGroup.
                        if (!OperatingSystem.IsWindows())
                        {
                            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.GroupRead);
                        }

                        if (uid is { } owner)
                        {
                            Run("chgrp", owner.ToString(CultureInfo.InvariantCulture), target);
                        }
                    }

                    break;
                default:
                    Directory.CreateDirectory(folder);
                    if (uid is { } user)
                    {
                        // The Dockerfile chowns /data to APP_UID; emptyDir and tmpfs are writable by the pod's user.
                        Run("chown", $"{user}:{user}", folder);
                    }

                    break;
            }

            hostPaths[mount.ContainerPath] = folder;
        }

        return hostPaths;
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(command, arguments);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} exited with {process.ExitCode}");
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient();
        var stopwatch = Stopwatch.StartNew();
        string last = "no answer";
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{Name}: the gateway exited with {Process.ExitCode} before it was ready:\n{Process.Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("health/ready", UriKind.Relative));
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            // Polling a process that is starting: there is no event to await from outside it.
            await Task.Delay(250);
        }

        throw new InvalidOperationException($"{Name}: not ready after 120 s (last: {last}):\n{Process.Output}");
    }

    [GeneratedRegex(@"^https://[^/]+")]
    private static partial Regex ListenAddress();
}
