using System.Net;
using System.Net.Http.Json;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Producing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>A principal with Kafka:Identities:&lt;name&gt; produces with its own client certificate.</summary>
public sealed class KafkaIdentityTests(MtlsKafkaClusterFixture cluster) : IClassFixture<MtlsKafkaClusterFixture>
{
    [Fact]
    public async Task Produce_PrincipalWithKafkaIdentity_ConnectsWithItsOwnCertificate()
    {
        using var aliceCertificate = cluster.Certificates.IssueClient("CN=alice-kafka");
        var settings = cluster.GatewaySettings();
        foreach (var (key, value) in SecureGateway.ApiKeys(("alice", null), ("bob", null)))
        {
            settings[key] = value;
        }

        settings["Kafka:Identities:alice:CaPem"] = cluster.Certificates.CaPem;
        settings["Kafka:Identities:alice:CertificatePem"] = TestCertificates.CertificatePem(aliceCertificate);
        settings["Kafka:Identities:alice:KeyPem"] = TestCertificates.PrivateKeyPem(aliceCertificate);
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        var topic = cluster.CreateTopic(partitions: 1);
        using var alice = gateway.Client("alice");
        using var bob = gateway.Client("bob");

        var byAlice = await alice.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 1 } });
        var byBob = await bob.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 2 } });

        Assert.Equal(HttpStatusCode.OK, byAlice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byBob.StatusCode);
        Assert.Equal(2, gateway.App.Services.GetRequiredService<ProducerPool>().Count);
        Assert.Contains(cluster.Terminators.SelectMany(t => t.AcceptedClients), s => s.Contains("CN=alice-kafka", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_BadIdentityMaterial_FailsNamingTheIdentityKey()
    {
        var settings = cluster.GatewaySettings();
        settings["Kafka:Identities:alice:CertificatePem"] = "not a certificate";
        settings["Kafka:Identities:alice:KeyPem"] = "not a key";
        using var gateway = GatewayFactory.For(cluster, settings);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Kafka:Identities:alice:", error.ToString(), StringComparison.Ordinal);
    }
}
