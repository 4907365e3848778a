using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// Certificates generated in-test: a CA, a broker certificate for localhost/127.0.0.1, a good client certificate,
/// one from an untrusted CA and an expired one. Each comes with PEM text for librdkafka.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Lazy<TestCertificates> s_shared = new(() => new TestCertificates());

    private TestCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        Ca = CreateCa("CN=KafkaGateway Test CA", now);
        OtherCa = CreateCa("CN=Untrusted Test CA", now);
        Broker = Issue(Ca, "CN=localhost", now.AddDays(-1), now.AddDays(30), serverAuth: true);
        Client = Issue(Ca, "CN=gateway-client", now.AddDays(-1), now.AddDays(30), serverAuth: false);
        UntrustedClient = Issue(OtherCa, "CN=intruder", now.AddDays(-1), now.AddDays(30), serverAuth: false);
        ExpiredClient = Issue(Ca, "CN=expired-client", now.AddDays(-30), now.AddDays(-1), serverAuth: false);
    }

    /// <summary>One set per test run: generating RSA keys is the slow part.</summary>
    public static TestCertificates Shared => s_shared.Value;

    public X509Certificate2 Ca { get; }

    public X509Certificate2 OtherCa { get; }

    public X509Certificate2 Broker { get; }

    public X509Certificate2 Client { get; }

    public X509Certificate2 UntrustedClient { get; }

    public X509Certificate2 ExpiredClient { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A new client certificate from the test CA (e.g. for rotation tests).</summary>
    public X509Certificate2 IssueClient(string subject) =>
        Issue(Ca, subject, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serverAuth: false);

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    public static string PrivateKeyPem(X509Certificate2 certificate) =>
        (certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("certificate has no RSA key")).ExportPkcs8PrivateKeyPem();

    public void Dispose()
    {
        foreach (var certificate in new[] { Ca, OtherCa, Broker, Client, UntrustedClient, ExpiredClient })
        {
            certificate.Dispose();
        }
    }

    private static X509Certificate2 CreateCa(string subject, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var ca = request.CreateSelfSigned(now.AddDays(-60), now.AddYears(5));
        return Reload(ca);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, bool serverAuth)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(issuer, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    // Round-trip through PKCS#12 so the private key is persisted in a form SslStream accepts on every platform.
    private static X509Certificate2 Reload(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
}
