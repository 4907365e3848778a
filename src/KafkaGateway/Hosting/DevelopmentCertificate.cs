using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.Hosting;

/// <summary>
/// The self-signed HTTPS certificate used in Development when none is configured: created on first start and
/// kept in the data folder so that <c>curl --cacert</c> keeps working across restarts.
/// </summary>
internal sealed record DevelopmentCertificate(X509Certificate2 Certificate, string PemPath, bool Created)
{
    public static DevelopmentCertificate LoadOrCreate(string dataDirectory)
    {
        var folder = Path.Combine(dataDirectory, "dev-https");
        var pfxPath = Path.Combine(folder, "gateway-dev.pfx");
        var pemPath = Path.Combine(folder, "gateway-dev.crt");
        if (File.Exists(pfxPath) && File.Exists(pemPath))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null);
            if (existing.NotAfter > DateTime.Now.AddDays(7))
            {
                return new DevelopmentCertificate(existing, pemPath, Created: false);
            }

            existing.Dispose();
        }

        Directory.CreateDirectory(folder);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost, O=KafkaGateway development", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));

        File.WriteAllBytes(pfxPath, created.Export(X509ContentType.Pkcs12));
        File.WriteAllText(pemPath, created.ExportCertificatePem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pfxPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        // Reload from PKCS#12 so the private key is usable by SslStream on every platform.
        return new DevelopmentCertificate(X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password: null), pemPath, Created: true);
    }
}
