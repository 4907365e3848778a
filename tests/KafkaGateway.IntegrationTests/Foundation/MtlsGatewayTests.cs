using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>The real app against brokers that only speak mutual TLS.</summary>
public sealed class MtlsGatewayTests(MtlsKafkaClusterFixture cluster) : IClassFixture<MtlsKafkaClusterFixture>
{
    [Fact]
    public async Task HealthReady_TrustedClientCertificate_IsHealthyOverMutualTls()
    {
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var cluster1 = await client.GetFromJsonAsync<JsonElement>("/cluster");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var certificateCheck = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "kafka-client-certificate");
        Assert.InRange(certificateCheck.GetProperty("data").GetProperty("daysUntilExpiry").GetInt32(), 28, 30);
        Assert.All(cluster1.GetProperty("brokers").EnumerateArray(), b => Assert.Equal("localhost", b.GetProperty("host").GetString()));
        Assert.Contains(cluster.Terminators.SelectMany(t => t.AcceptedClients), s => s.Contains("CN=gateway-client", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HealthReady_UntrustedClientCertificate_IsUnhealthy()
    {
        await using var gateway = GatewayFactory.For(cluster, cluster.GatewaySettings(cluster.Certificates.UntrustedClient));
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(cluster.Terminators.SelectMany(t => t.Rejections), r => r.Contains("CN=intruder", StringComparison.Ordinal));
        var kafka = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "kafka");
        // The readable cause (the broker closed the TLS connection), not only "timed out".
        var description = kafka.GetProperty("description").GetString()!;
        Assert.True(description.Contains("SSL", StringComparison.Ordinal), description);
    }

    [Fact]
    public void Start_ExpiredClientCertificate_FailsNamingTheKeyAndDate()
    {
        using var gateway = GatewayFactory.For(cluster, cluster.GatewaySettings(cluster.Certificates.ExpiredClient));

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Kafka:Tls:CertificatePem", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("expired", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
