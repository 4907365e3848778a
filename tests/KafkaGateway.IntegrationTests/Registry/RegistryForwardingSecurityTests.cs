using System.Net;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.IntegrationTests.Security;
using KafkaGateway.Tests.Schemas;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Issue 12 row 1: with <c>SchemaRegistry:Url</c> set, <c>/registry/*</c> is an endpoint behind authentication,
/// authorization, audit and rate limiting, and forwards over mutual TLS with the registry's credentials. The registry
/// is the stand-in Confluent registry on a real HTTPS socket that records every request it receives.
/// </summary>
public sealed class RegistryForwardingSecurityTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>, IAsyncLifetime
{
    private const string RegistryUser = "sr-user";
    private const string RegistrySecret = "sr-secret-never-from-callers";
    private readonly string _folder = Directory.CreateTempSubdirectory("forwarding-tls-").FullName;
    private StubConfluentRegistry _registry = null!;

    public async Task InitializeAsync() =>
        _registry = await StubConfluentRegistry.StartAsync(TestCertificates.Shared.Broker, clientCa: TestCertificates.Shared.Ca);

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("DELETE", "/registry/subjects/orders-value?permanent=true", null)]
    [InlineData("PUT", "/registry/config", """{"compatibility":"NONE"}""")]
    [InlineData("PUT", "/registry/mode", """{"mode":"IMPORT"}""")]
    [InlineData("POST", "/registry/subjects/orders-value/versions", """{"schema":"\"string\""}""")]
    public async Task RegistryWrite_WithoutSchemasWrite_IsRefusedAndNeverForwarded(string method, string path, string? body)
    {
        await using var gateway = Gateway();
        using var anonymous = gateway.Client();
        using var wrongKey = gateway.Client();
        wrongKey.DefaultRequestHeaders.Add("X-API-Key", "wrong-key-0123456789abcdef");
        using var producer = gateway.Client("producer");

        var noCredentials = await SendAsync(anonymous, method, path, body);
        var wrong = await SendAsync(wrongKey, method, path, body);
        var withoutPermission = await SendAsync(producer, method, path, body);

        Assert.Equal(HttpStatusCode.Unauthorized, noCredentials);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal(HttpStatusCode.Forbidden, withoutPermission);
        Assert.Empty(_registry.Requests);
        Assert.True(await AuditedAsync(gateway, m => m.Contains("apikey:producer", StringComparison.Ordinal) && m.Contains("denied (403)", StringComparison.Ordinal)),
            "no audit line for the refused write");
    }

    [Fact]
    public async Task RegistryCall_Permitted_ForwardedOverMutualTlsWithTheRegistryCredentialsNotTheCallers()
    {
        var id = _registry.Seed("orders-value", "\"string\"");
        await using var gateway = Gateway();
        using var admin = gateway.Client("admin");
        using var producer = gateway.Client("producer");

        using var read = await producer.GetAsync(new Uri($"/registry/schemas/ids/{id}", UriKind.Relative));
        var readBody = await read.Content.ReadAsStringAsync();
        var write = await SendAsync(admin, "PUT", "/registry/mode", """{"mode":"READONLY"}""");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("string", JsonDocument.Parse(readBody).RootElement.GetProperty("schema").GetString()!.Trim('"'));
        // The stand-in serves no /mode: its 404 comes back as it is, which proves the call reached it.
        Assert.Equal(HttpStatusCode.NotFound, write);
        var received = _registry.Requests.ToArray();
        Assert.Equal(["GET /schemas/ids/" + id, "PUT /mode"], received.Select(r => $"{r.Method} {r.Path}"));
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryUser}:{RegistrySecret}"));
        Assert.All(received, r => Assert.Equal(basic, r.Authorization));
        Assert.All(received, r => Assert.Equal(TestCertificates.Shared.Client.Subject, r.ClientCertificateSubject));
        Assert.True(await AuditedAsync(gateway, m => m.Contains("apikey:admin", StringComparison.Ordinal) && m.Contains("PUT", StringComparison.Ordinal)
            && m.Contains("path=mode", StringComparison.Ordinal) && m.Contains("(404)", StringComparison.Ordinal)), "no audit line for the forwarded write");
    }

    [Fact]
    public async Task RegistryCall_RegistrySlowerThanForwardTimeout_Answers504With50002()
    {
        _registry.Delay = TimeSpan.FromSeconds(3);
        await using var gateway = Gateway(new Dictionary<string, string?> { ["SchemaRegistry:ForwardTimeoutSeconds"] = "1" });
        using var admin = gateway.Client("admin");

        using var response = await admin.GetAsync(new Uri("/registry/subjects", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(50002, body.GetProperty("error_code").GetInt32());
    }

    [Fact]
    public async Task RegistryCall_OverTheRateLimit_Answers429BeforeForwarding()
    {
        await using var gateway = Gateway(new Dictionary<string, string?>
        {
            ["Security:Limits:RequestsPerSecondPerClient"] = "1",
            ["Security:Limits:RequestBurstPerClient"] = "1",
        });
        using var admin = gateway.Client("admin");

        // Sent together: one after the other, a loaded machine (CI under load ~40) spread three calls over more than
        // the second a token takes to come back, and none was refused.
        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendAsync(admin, "GET", "/registry/subjects", null)));

        Assert.Contains(HttpStatusCode.TooManyRequests, answers);
        Assert.True(_registry.Requests.Count < 3, $"{_registry.Requests.Count} requests reached the registry");
    }

    [Fact]
    public async Task RegistryTls_ServerNotTrusted_Answers502With50003AndSendsNothing()
    {
        var otherCa = Path.Combine(_folder, "other-ca.pem");
        await File.WriteAllTextAsync(otherCa, TestCertificates.Shared.OtherCa.ExportCertificatePem());
        await using var gateway = Gateway(new Dictionary<string, string?> { ["SchemaRegistry:Tls:CaLocation"] = otherCa });
        using var admin = gateway.Client("admin");

        using var response = await admin.GetAsync(new Uri("/registry/subjects", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(50003, body.GetProperty("error_code").GetInt32());
        Assert.Empty(_registry.Requests);
    }

    private SecureGateway Gateway(Dictionary<string, string?>? extra = null)
    {
        var ca = Path.Combine(_folder, "ca.pem");
        var certificate = Path.Combine(_folder, "client.pem");
        var key = Path.Combine(_folder, "client.key");
        File.WriteAllText(ca, TestCertificates.Shared.CaPem);
        File.WriteAllText(certificate, TestCertificates.CertificatePem(TestCertificates.Shared.Client));
        File.WriteAllText(key, TestCertificates.PrivateKeyPem(TestCertificates.Shared.Client));
        var settings = SecureGateway.ApiKeys(("producer", null), ("admin", null));
        settings["SchemaRegistry:Url"] = _registry.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        settings["SchemaRegistry:Tls:CaLocation"] = ca;
        settings["SchemaRegistry:Tls:CertificateLocation"] = certificate;
        settings["SchemaRegistry:Tls:KeyLocation"] = key;
        settings["SchemaRegistry:BasicAuthUserInfo"] = $"{RegistryUser}:{RegistrySecret}";
        settings["Security:Authorization:Rules:0:Principal"] = "producer";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
        settings["Security:Authorization:Rules:1:Principal"] = "admin";
        settings["Security:Authorization:Rules:1:Permissions:0"] = "schemas:write";
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        return SecureGateway.InProcess(cluster, settings);
    }

    /// <summary>Whether an audit line matching <paramref name="line"/> was written (see <see cref="CapturingLoggerProvider.AuditsAsync"/>).</summary>
    private static async Task<bool> AuditedAsync(SecureGateway gateway, Func<string, bool> line) =>
        (await gateway.Logs.AuditsAsync(lines => lines.Any(line))).Any(line);

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/vnd.schemaregistry.v1+json");
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
