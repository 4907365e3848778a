using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>Client certificates, Kestrel limits and HSTS over a real HTTPS socket (TestServer has no TLS).</summary>
public sealed class HttpsListenerSecurityTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>, IDisposable
{
    private static readonly Lazy<X509Certificate2> s_revoked = new(() => TestCertificates.Shared.IssueClient("CN=revoked-client"));
    private readonly string _folder = Directory.CreateTempSubdirectory("kafkagateway-mtls-").FullName;

    private static TestCertificates Certificates => TestCertificates.Shared;

    [Fact]
    public async Task TrustedClientCertificate_IsAuthenticatedAsItsCommonName()
    {
        await using var gateway = SecureGateway.OverHttps(cluster, Settings(onlyPrincipal: "cert:gateway-client"));
        using var client = gateway.HttpsClient(Certificates.Client);

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TrustedClientCertificate_OtherPrincipalInRules_Is403()
    {
        await using var gateway = SecureGateway.OverHttps(cluster, Settings(onlyPrincipal: "cert:someone-else"));
        using var client = gateway.HttpsClient(Certificates.Client);

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>Issue 12 row 11: a certificate whose CN equals an API key's name is another principal.</summary>
    [Fact]
    public async Task ClientCertificate_CommonNameEqualsAnApiKeyName_DoesNotInheritTheKeysRules()
    {
        var settings = Settings(onlyPrincipal: "apikey:gateway-client");
        foreach (var (key, value) in SecureGateway.ApiKeys(("alice", null), ("gateway-client", null)))
        {
            settings[key] = value;
        }

        await using var gateway = SecureGateway.OverHttps(cluster, settings);
        using var certificateClient = gateway.HttpsClient(Certificates.Client);
        using var keyClient = gateway.HttpsClient();
        keyClient.DefaultRequestHeaders.Add("X-API-Key", SecureGateway.KeyOf("gateway-client"));

        var asCertificate = await certificateClient.GetAsync(new Uri("/cluster", UriKind.Relative));
        var asKey = await keyClient.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, asCertificate.StatusCode);
        Assert.Contains("'cert:gateway-client'", await asCertificate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, asKey.StatusCode);
    }

    [Fact]
    public async Task Start_SeveralSchemesAndABareRulePrincipal_FailsNamingTheKey()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings(onlyPrincipal: "gateway-client"));

        var error = Assert.ThrowsAny<Exception>(() => gateway.Client());

        Assert.Contains("Security:Authorization:Rules:0:Principal", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("cert:gateway-client", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("untrusted")]
    [InlineData("expired")]
    [InlineData("revoked")]
    public async Task RefusedClientCertificate_Is401(string which)
    {
        var certificate = which switch
        {
            "untrusted" => Certificates.UntrustedClient,
            "expired" => Certificates.ExpiredClient,
            _ => s_revoked.Value,
        };
        await using var gateway = SecureGateway.OverHttps(cluster, Settings());
        using var client = gateway.HttpsClient(certificate);

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_credentials", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoClientCertificate_ApiKeyStillWorks_AndNothingIs401()
    {
        await using var gateway = SecureGateway.OverHttps(cluster, Settings());
        using var anonymous = gateway.HttpsClient();
        using var withKey = gateway.HttpsClient();
        withKey.DefaultRequestHeaders.Add("X-API-Key", SecureGateway.KeyOf("alice"));

        var refused = await anonymous.GetAsync(new Uri("/cluster", UriKind.Relative));
        var accepted = await withKey.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task TooManyHeaders_Is431_AndTheGatewayStaysHealthy()
    {
        var settings = Settings();
        settings["Security:Limits:MaxRequestHeaderCount"] = "20";
        await using var gateway = SecureGateway.OverHttps(cluster, settings);
        using var client = gateway.HttpsClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        for (var i = 0; i < 40; i++)
        {
            request.Headers.Add($"X-Filler-{i}", "x");
        }

        var refused = await client.SendAsync(request);
        using var fresh = gateway.HttpsClient();
        var health = await fresh.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task HeadersSentTooSlowly_ConnectionAnswered408AndClosed_AndTheGatewayStaysHealthy()
    {
        var settings = Settings();
        settings["Security:Limits:RequestHeadersTimeoutSeconds"] = "1";
        await using var gateway = SecureGateway.OverHttps(cluster, settings);
        var address = new Uri(gateway.HttpsClient().BaseAddress!.ToString());
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");

        await tls.WriteAsync("GET /health/live HTTP/1.1\r\nHost: localhost\r\n"u8.ToArray());
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var read = await tls.ReadAsync(buffer, timeout.Token);
        using var fresh = gateway.HttpsClient();
        var health = await fresh.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.StartsWith("HTTP/1.1 408", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Hsts_OutsideDevelopmentOverHttps_IsSent()
    {
        await using var gateway = SecureGateway.OverHttps(cluster, Settings());
        using var client = gateway.HttpsClient();
        client.DefaultRequestHeaders.Host = "gateway.example";

        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.True(response.Headers.TryGetValues("Strict-Transport-Security", out var hsts), "no HSTS header");
        Assert.StartsWith("max-age=31536000", hsts.Single(), StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Settings(string? onlyPrincipal = null)
    {
        var ca = Path.Combine(_folder, "ca.pem");
        File.WriteAllText(ca, Certificates.CaPem);
        var crl = Path.Combine(_folder, "ca.crl");
        File.WriteAllBytes(crl, RevocationList());
        var settings = SecureGateway.ApiKeys(("alice", null));
        settings["Security:Authentication:ClientCertificates:CaLocation"] = ca;
        settings["Security:Authentication:ClientCertificates:CrlLocation"] = crl;
        if (onlyPrincipal is not null)
        {
            settings["Security:Authorization:Rules:0:Principal"] = onlyPrincipal;
            settings["Security:Authorization:Rules:0:Permissions:0"] = "cluster";
        }

        return settings;
    }

    private static byte[] RevocationList()
    {
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(s_revoked.Value, DateTimeOffset.UtcNow.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        return builder.Build(Certificates.Ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
