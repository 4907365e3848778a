using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.Security;
using KafkaGateway.Tls;

namespace KafkaGateway.Tests.Tls;

public sealed class CertificateRevocationListTests
{
    [Fact]
    public void Load_PemAndDer_ListsRevokedSerialsOnly()
    {
        using var ca = CreateCa("CN=Test CA");
        using var revoked = Issue(ca, "CN=revoked");
        using var good = Issue(ca, "CN=good");
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(revoked, DateTimeOffset.UtcNow, X509RevocationReason.KeyCompromise);
        var der = builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var pem = System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", der));

        foreach (var data in new[] { der, pem })
        {
            var crl = CertificateRevocationList.Load(data, [ca]);

            Assert.Equal(1, crl.Count);
            Assert.True(crl.IsRevoked(revoked));
            Assert.False(crl.IsRevoked(good));
            Assert.NotNull(crl.NextUpdate);
        }
    }

    [Theory]
    [InlineData("crl.pem")]
    [InlineData("crl.der")]
    public void Load_OpensslCrl_ListsItsTwoRevokedSerials(string file)
    {
        using var ca = TlsTestData.Certificate("crl-ca.crt");
        using var revoked = TlsTestData.Certificate("crl-revoked.crt");
        using var revokedToo = TlsTestData.Certificate("crl-revoked-too.crt");
        using var good = TlsTestData.Certificate("crl-good.crt");

        var crl = CertificateRevocationList.Load(File.ReadAllBytes(TlsTestData.PathOf(file)), [ca]);

        Assert.Equal(2, crl.Count);
        Assert.True(crl.IsRevoked(revoked));
        Assert.True(crl.IsRevoked(revokedToo));
        Assert.False(crl.IsRevoked(good));
        Assert.True(crl.NextUpdate > DateTimeOffset.UtcNow);
    }

    [Fact]
    public void Load_OpensslCrlWithOnlyOtherCasTrusted_Throws()
    {
        using var root = TlsTestData.Certificate("root-ca.crt");
        using var other = TlsTestData.Certificate("other-ca.crt");

        var error = Assert.Throws<CryptographicException>(() => CertificateRevocationList.Load(File.ReadAllBytes(TlsTestData.PathOf("crl.pem")), [root, other]));

        Assert.Contains("not signed by a configured CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OpensslCrlWithAlteredEntry_Throws()
    {
        using var ca = TlsTestData.Certificate("crl-ca.crt");
        var der = File.ReadAllBytes(TlsTestData.PathOf("crl.der"));
        // The revoked serial 0x2000 (first entry): a different serial keeps the CRL parseable, breaks the signature.
        var at = der.AsSpan().IndexOf(new byte[] { 0x02, 0x02, 0x20, 0x00 });
        Assert.True(at > 0);
        der[at + 3] = 0x07;

        var error = Assert.Throws<CryptographicException>(() => CertificateRevocationList.Load(der, [ca]));

        Assert.Contains("not signed by a configured CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SignedByAnotherCa_Throws()
    {
        using var ca = CreateCa("CN=Test CA");
        using var other = CreateCa("CN=Other CA");
        var der = new CertificateRevocationListBuilder().Build(other, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var error = Assert.Throws<CryptographicException>(() => CertificateRevocationList.Load(der, [ca]));

        Assert.Contains("not signed by a configured CA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Garbage_Throws()
    {
        using var ca = CreateCa("CN=Test CA");

        Assert.ThrowsAny<CryptographicException>(() => CertificateRevocationList.Load([1, 2, 3], [ca]));
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
    }
}
