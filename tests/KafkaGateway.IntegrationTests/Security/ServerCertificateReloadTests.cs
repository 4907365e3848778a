using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>The gateway's HTTPS certificate files are replaced while it runs: new connections get the new certificate.</summary>
public sealed class ServerCertificateReloadTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kafkagateway-servercert-").FullName;

    [Fact]
    public async Task CertificateFilesReplaced_NewConnectionsGetTheNewCertificate()
    {
        using var first = ServerCertificate("CN=localhost");
        using var second = ServerCertificate("CN=localhost");
        var certificatePath = Path.Combine(_folder, "tls.crt");
        var keyPath = Path.Combine(_folder, "tls.key");
        Write(first, certificatePath, keyPath);
        var settings = SecureGateway.ApiKeys(("alice", null));
        settings["Kestrel:Certificates:Default:Path"] = certificatePath;
        settings["Kestrel:Certificates:Default:KeyPath"] = keyPath;
        await using var gateway = SecureGateway.OverHttps(cluster, settings, certificateFromConfiguration: true);

        var before = await ServedThumbprintAsync(gateway);
        Write(second, certificatePath, keyPath);
        var after = before;
        for (var attempt = 0; attempt < 40 && after == before; attempt++)
        {
            await Task.Delay(250);
            after = await ServedThumbprintAsync(gateway);
        }

        Assert.Equal(first.Thumbprint, before);
        Assert.Equal(second.Thumbprint, after);
    }

    private static async Task<string?> ServedThumbprintAsync(SecureGateway gateway)
    {
        string? served = null;
        using var client = gateway.HttpsClient(serverCertificateSeen: certificate => served = certificate.Thumbprint);
        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return served;
    }

    private static void Write(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        File.WriteAllText(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
    }

    private static X509Certificate2 ServerCertificate(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
