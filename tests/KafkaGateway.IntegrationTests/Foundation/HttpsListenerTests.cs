using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>The gateway's own HTTPS listener on real Kestrel sockets.</summary>
public sealed class HttpsListenerTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Https_PemCertificateFromConfiguration_ServesThatCertificate(bool encryptedKey)
    {
        var folder = Directory.CreateTempSubdirectory("kafkagateway-https-").FullName;
        var serverCertificate = cluster.Certificates.Broker;
        const string password = "key-password";
        await File.WriteAllTextAsync(Path.Combine(folder, "gateway.crt"), serverCertificate.ExportCertificatePem());
        // Encrypted like deploy/certs/generate.sh's gateway-https.key.enc (PKCS#8, AES-256-CBC).
        await File.WriteAllTextAsync(Path.Combine(folder, "gateway.key"), encryptedKey
            ? serverCertificate.GetRSAPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000))
            : TestCertificates.PrivateKeyPem(serverCertificate));
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["Kestrel:Certificates:Default:Path"] = Path.Combine(folder, "gateway.crt"),
            ["Kestrel:Certificates:Default:KeyPath"] = Path.Combine(folder, "gateway.key"),
            ["Kestrel:Certificates:Default:Password"] = encryptedKey ? password : null,
            ["urls"] = "https://127.0.0.1:0",
        }, environment: "Production");
        gateway.UseKestrel();
        gateway.StartServer();
        var address = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        X509Certificate2? presented = null;
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
        {
            presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return certificate is not null && certificate.GetCertHashString() == serverCertificate.GetCertHashString();
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{address.Port}") };

        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(serverCertificate.Thumbprint, presented?.Thumbprint);
    }

    [Fact]
    public async Task Https_DevelopmentWithoutCertificate_CreatesOneInTheDataFolderAndServesIt()
    {
        var dataFolder = Path.Combine(Path.GetTempPath(), "kafkagateway-tests", Guid.NewGuid().ToString("N"));
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = dataFolder,
            ["urls"] = "https://127.0.0.1:0",
        }, environment: "Development");
        gateway.UseKestrel();
        gateway.StartServer();
        var address = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var pem = Path.Combine(dataFolder, "dev-https", "gateway-dev.crt");
        using var trusted = X509CertificateLoader.LoadCertificateFromFile(pem);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString();
        using var client = new HttpClient(handler) { BaseAddress = address };

        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(trusted.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()), n => n == "localhost");
    }
}
