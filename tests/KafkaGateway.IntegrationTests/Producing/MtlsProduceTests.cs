using System.Net;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Producing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>Producing through brokers that require mutual TLS, with certificates from files that rotate.</summary>
public sealed class MtlsProduceTests(MtlsKafkaClusterFixture cluster) : IClassFixture<MtlsKafkaClusterFixture>
{
    [Fact]
    public async Task Produce_CertificateFilesReplaced_NewProducerUsesTheNewCertificateAndNothingIsLost()
    {
        var folder = Directory.CreateTempSubdirectory("kafkagateway-rotation-").FullName;
        WriteClientFiles(folder, cluster.Certificates.Client);
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["Kafka:Tls:CaPem"] = null,
            ["Kafka:Tls:CertificatePem"] = null,
            ["Kafka:Tls:KeyPem"] = null,
            ["Kafka:Tls:CaLocation"] = Path.Combine(folder, "ca.crt"),
            ["Kafka:Tls:CertificateLocation"] = Path.Combine(folder, "client.crt"),
            ["Kafka:Tls:KeyLocation"] = Path.Combine(folder, "client.key"),
            ["Gateway:TopicFormats:Default"] = "json",
        });
        using var client = gateway.CreateClient();
        var pool = gateway.Services.GetRequiredService<ProducerPool>();
        var topic = cluster.CreateTopic(partitions: 1);
        var answeredOk = 0;

        for (var i = 0; i < 5; i++)
        {
            answeredOk += await PostAsync(client, topic, i) == HttpStatusCode.OK ? 1 : 0;
        }

        using var rotated = cluster.Certificates.IssueClient("CN=rotated-client");
        var sending = Task.Run(async () =>
        {
            var ok = 0;
            for (var i = 5; i < 45; i++)
            {
                ok += await PostAsync(client, topic, i) == HttpStatusCode.OK ? 1 : 0;
            }

            return ok;
        });
        WriteClientFiles(folder, rotated);
        answeredOk += await sending;
        await WaitUntilAsync(() => pool.Rotations >= 1, TimeSpan.FromSeconds(10));
        answeredOk += await PostAsync(client, topic, 45) == HttpStatusCode.OK ? 1 : 0;

        Assert.True(pool.Rotations >= 1);
        Assert.Equal(46, answeredOk);
        Assert.Contains(cluster.Terminators.SelectMany(t => t.AcceptedClients), s => s.Contains("CN=rotated-client", StringComparison.Ordinal));
        Assert.Equal(46, RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 46).Count);
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, string topic, int n) =>
        (await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), ProduceTests.Json("{\"value\": {\"n\": " + n + "}}"))).StatusCode;

    private void WriteClientFiles(string folder, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        // Written to temporary names and moved into place, as secret-mounting tools do.
        File.WriteAllText(Path.Combine(folder, "ca.crt.tmp"), cluster.Certificates.CaPem);
        File.WriteAllText(Path.Combine(folder, "client.key.tmp"), TestCertificates.PrivateKeyPem(certificate));
        File.WriteAllText(Path.Combine(folder, "client.crt.tmp"), TestCertificates.CertificatePem(certificate));
        File.Move(Path.Combine(folder, "ca.crt.tmp"), Path.Combine(folder, "ca.crt"), overwrite: true);
        File.Move(Path.Combine(folder, "client.key.tmp"), Path.Combine(folder, "client.key"), overwrite: true);
        File.Move(Path.Combine(folder, "client.crt.tmp"), Path.Combine(folder, "client.crt"), overwrite: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }
}
