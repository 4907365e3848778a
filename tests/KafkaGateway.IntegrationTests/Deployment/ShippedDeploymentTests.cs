using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Registry;
using KafkaGateway.IntegrationTests.Streaming;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// The shipped deployments start as shipped: docker-compose.yml's gateway services and the Kubernetes manifests are
/// read (not copied), generate.sh's output is mounted where they expect it, and the built gateway runs as a process
/// with exactly that environment against mutual-TLS Kafka brokers (what the test changes is listed on
/// <see cref="RunningDeployment.StartAsync"/>). Docker and Kubernetes themselves do not run here: image build, volume
/// and Secret mechanics, the compose start order and a real Kafka broker (and a real Confluent Schema Registry) stay
/// unverified by these tests.
/// </summary>
public sealed class ShippedDeploymentTests(ShippedDeployments deployments) : IClassFixture<ShippedDeployments>
{
    public static TheoryData<string> Deployments() => [ShippedDeployments.ComposeGateway, ShippedDeployments.ComposeConfluentSr, ShippedDeployments.Kubernetes];

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task Start_ShippedConfiguration_IsReadyOverHttpsWithTheGeneratedServerCertificate(string name)
    {
        var deployment = await deployments.StartAsync(name);
        using var client = deployment.CreateClient();
        using var expected = X509CertificateLoader.LoadCertificateFromFile(deployments.Certificates.PathOf("gateway-https.crt"));

        using var ready = await client.GetAsync(new Uri("health/ready", UriKind.Relative));
        var probes = new List<string>();
        foreach (var probe in deployment.Container.Probes)
        {
            using var response = await client.GetAsync(new Uri(probe.Split(':', 2)[1].TrimStart('/'), UriKind.Relative));
            probes.Add($"{probe} {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.NotEmpty(deployment.ServerCertificateThumbprints);
        Assert.All(deployment.ServerCertificateThumbprints, thumbprint => Assert.Equal(expected.Thumbprint, thumbprint));
        Assert.All(probes, probe => Assert.EndsWith(" 200", probe, StringComparison.Ordinal));
        Assert.Equal(name == ShippedDeployments.Kubernetes ? 3 : 0, probes.Count);
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task HealthCheck_DockerfileCommand_SucceedsAgainstTheRunningGateway(string name)
    {
        var deployment = await deployments.StartAsync(name);
        var command = ShippedConfiguration.Dockerfile().HealthCheck;
        var url = new Uri(command[^1]);

        // The image's HEALTHCHECK runs inside the container, where the gateway listens on 8443; here it listens elsewhere.
        var (exitCode, output) = await RunAsync(command[0], [.. command.Skip(1).SkipLast(1), new Uri(deployment.BaseAddress, url.PathAndQuery).ToString()]);

        Assert.Equal("/health/live", url.AbsolutePath);
        Assert.Equal(8443, url.Port);
        Assert.True(exitCode == 0, $"{string.Join(' ', command)} exited with {exitCode}: {output}");
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task Request_WithoutOrWithWrongCredentials_Answers401(string name)
    {
        var deployment = await deployments.StartAsync(name);
        using var anonymous = deployment.CreateClient();
        using var wrongKey = deployment.CreateClient(apiKey: "not-the-admin-key");
        (HttpMethod Method, string Path)[] requests =
        [
            (HttpMethod.Get, "cluster"),
            (HttpMethod.Get, "topics"),
            (HttpMethod.Post, "topics/sensors/records"),
            (HttpMethod.Get, "topics/sensors/stream"),
            (HttpMethod.Delete, "topics/sensors"),
            (HttpMethod.Get, "consumer-groups"),
        ];

        var answers = new List<string>();
        foreach (var client in new[] { anonymous, wrongKey })
        {
            foreach (var (method, path) in requests)
            {
                using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
                if (method == HttpMethod.Post)
                {
                    request.Content = new StringContent("""{"value": {"id": "s-1", "timestamp": 1, "value": 1.5}}""", Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request);
                answers.Add($"{method} /{path}: {(int)response.StatusCode}");
            }
        }

        Assert.All(answers, answer => Assert.EndsWith(": 401", answer, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task Request_RegistryWithoutCredentials_Answers401(string name)
    {
        var deployment = await deployments.StartAsync(name);
        using var anonymous = deployment.CreateClient();

        using var read = await anonymous.GetAsync(new Uri("registry/subjects", UriKind.Relative));
        using var delete = await anonymous.DeleteAsync(new Uri("registry/subjects/sensors-value", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task ProduceAndStream_AdminApiKey_SensorRecordGoesThroughMutualTlsAndStreamsBack(string name)
    {
        var deployment = await deployments.StartAsync(name);
        using var admin = deployment.CreateClient(apiKey: deployments.Certificates.Passwords["ADMIN_API_KEY"]);

        var (topic, schemaId, produced) = await ProduceSensorAsync(deployment, admin);
        await using var stream = await OpenStream.OpenAsync(admin, $"/topics/{topic}/stream?from=earliest");
        var record = (await stream.ReadUntilAsync(1)).Single(e => e.EventType == "record").Data();

        Assert.Equal(schemaId, produced.GetProperty("valueSchemaId").GetInt32());
        Assert.Equal(0, produced.GetProperty("records")[0].GetProperty("offset").GetInt64());
        Assert.Equal("s-1", record.GetProperty("value").GetProperty("id").GetString());
        Assert.Equal(21.5, record.GetProperty("value").GetProperty("value").GetDouble());
        Assert.Equal(schemaId, record.GetProperty("valueSchemaId").GetInt32());
        // The gateway reached the brokers only through TLS terminators that require a certificate from the generated CA.
        Assert.Contains("CN=kafkagateway, O=KafkaGateway", deployment.AcceptedKafkaClients);
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task Request_ClientCertificates_AdminCertificateIsGrantedAndOtherCertificatesOfTheCaAreNot(string name)
    {
        var deployment = await deployments.StartAsync(name);
        var passwords = deployments.Certificates.Passwords;
        using var adminCertificate = X509CertificateLoader.LoadPkcs12FromFile(deployments.Certificates.PathOf("admin.p12"), passwords["ADMIN_KEYSTORE_PASSWORD"]);
        using var otherCertificate = X509CertificateLoader.LoadPkcs12FromFile(deployments.Certificates.PathOf("gateway-client.p12"), passwords["GATEWAY_KEYSTORE_PASSWORD"]);
        using var admin = deployment.CreateClient(clientCertificate: adminCertificate);
        using var other = deployment.CreateClient(clientCertificate: otherCertificate);

        using var adminAnswer = await admin.GetAsync(new Uri("cluster", UriKind.Relative));
        using var otherAnswer = await other.GetAsync(new Uri("cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, adminAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherAnswer.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task Run_ShippedConfiguration_WritesOnlyToDataAndTmpAndLogsNoSecret(string name)
    {
        var deployment = await deployments.StartAsync(name);
        using var admin = deployment.CreateClient(apiKey: deployments.Certificates.Passwords["ADMIN_API_KEY"]);
        await ProduceSensorAsync(deployment, admin);

        var writtenElsewhere = deployment.Uid is { } uid ? await FilesOwnedElsewhereAsync(uid) : [];
        var certificates = ShippedDeployments.Snapshot(deployments.Certificates.Directory);

        Assert.True(deployment.Container.ReadOnlyRootFilesystem, $"{name}: the root filesystem is not read-only");
        Assert.Equal(["/data", "/tmp"], deployment.Container.WritablePaths);
        Assert.StartsWith(deployment.HostPaths["/data"], deployment.Environment["Gateway__DataDirectory"], StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(deployment.Home));
        Assert.Equal(deployments.GeneratedFiles, certificates);
        // As the image's user (when the tests can switch users) the process could write only its /data and /tmp folders
        // and the machine's world-writable folders; nothing of its own may appear in those.
        Assert.Empty(writtenElsewhere);
        var output = deployment.Process.Output;
        foreach (var secret in new[] { "ADMIN_API_KEY", "GATEWAY_KEYSTORE_PASSWORD", "GATEWAY_HTTPS_KEY_PASSWORD" })
        {
            Assert.DoesNotContain(deployments.Certificates.Passwords[secret], output, StringComparison.Ordinal);
        }

        Assert.False(deployment.Process.HasExited);
    }

    [Fact]
    public void Dockerfile_RuntimeStage_RunsTheEntrypointTheseTestsStartAsTheNonRootImageUser()
    {
        var runtime = ShippedConfiguration.Dockerfile();

        Assert.Equal(["dotnet", "KafkaGateway.dll"], runtime.Entrypoint);
        Assert.Equal("/app", runtime.WorkDir);
        // /app is the publish output of src/KafkaGateway; the tests run its build output, which has the same entry files.
        Assert.True(File.Exists(Path.Combine(GatewayProcess.AppDirectory, "KafkaGateway.dll")), GatewayProcess.AppDirectory);
        Assert.True(File.Exists(Path.Combine(GatewayProcess.AppDirectory, "appsettings.json")), GatewayProcess.AppDirectory);
        Assert.Equal("$APP_UID", runtime.User);
        Assert.Equal("1654", ShippedConfiguration.KubernetesPodSecurity("runAsUser"));
        Assert.Equal("true", ShippedConfiguration.KubernetesPodSecurity("runAsNonRoot"));
        Assert.Equal(["/data"], runtime.Volumes);
        Assert.Equal("/data", runtime.Environment["Gateway__DataDirectory"]);
        Assert.Equal("curl", runtime.HealthCheck[0]);
    }

    /// <summary>Registers the sensor schema (through the stand-in registry when the deployment uses one) and produces one reading as admin.</summary>
    private static async Task<(string Topic, int SchemaId, JsonElement Produced)> ProduceSensorAsync(RunningDeployment deployment, HttpClient admin)
    {
        var topic = $"sensors-{Guid.NewGuid():N}";
        deployment.Cluster.CreateTopic(topic, 1);
        int schemaId;
        if (deployment.RegistryStandInUrl is { } registryUrl)
        {
            using var registry = new HttpClient { BaseAddress = registryUrl };
            schemaId = await RegistryTestHost.RegisterAsync(registry, $"{topic}-value", RegistryTestHost.Sensor);
        }
        else
        {
            schemaId = await RegistryTestHost.RegisterAsync(admin, $"{topic}-value", RegistryTestHost.Sensor);
        }

        using var response = await admin.PostAsync(new Uri($"topics/{topic}/records", UriKind.Relative), new StringContent(
            """{"value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"produce answered {(int)response.StatusCode}: {body}\n{deployment.Process.Output}");
        return (topic, schemaId, body);
    }

    /// <summary>Files owned by <paramref name="uid"/> in the world-writable folders, except the deployments' own mapped folders.</summary>
    private static async Task<string[]> FilesOwnedElsewhereAsync(int uid)
    {
        var folders = new[] { "/tmp", "/var/tmp", "/dev/shm" }.Where(Directory.Exists);
        var (_, output) = await RunAsync("find", [.. folders, "-xdev", "-uid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-not", "-path", Path.Combine(Path.GetTempPath(), "kafkagateway-deploy-*")]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("find:", StringComparison.Ordinal)).ToArray();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string command, string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
