using System.Security.Cryptography;
using KafkaGateway.Security;
using KafkaGateway.Tls;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Tls;

public sealed class JksKeyStoreReaderTests
{
    [Fact]
    public void Read_KeytoolJksKeyStore_ReturnsKeyEntryWithChain()
    {
        var store = JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("keystore.jks")), StorePassword);

        var entry = Assert.Single(store.PrivateKeys);
        Assert.Equal("kafka-client", entry.Alias);
        Assert.Empty(store.TrustedCertificates);
        Assert.Equal(2, entry.CertificateChain.Count);
        using var leaf = Certificate("client.crt");
        using var intermediate = Certificate("intermediate-ca.crt");
        Assert.Equal(leaf.RawData, entry.CertificateChain[0]);
        Assert.Equal(intermediate.RawData, entry.CertificateChain[1]);
    }

    [Fact]
    public void DecryptPrivateKey_StorePasswordProtectedKey_ReturnsPkcs8OfClientKey()
    {
        var store = JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("keystore.jks")), StorePassword);

        var pkcs8 = JksKeyStoreReader.DecryptPrivateKey(store.PrivateKeys[0], StorePassword);

        using var expected = RSA.Create();
        expected.ImportFromPem(Text("client.key"));
        using var actual = RSA.Create();
        actual.ImportPkcs8PrivateKey(pkcs8, out var read);
        Assert.Equal(pkcs8.Length, read);
        Assert.Equal(expected.ExportRSAPrivateKey(), actual.ExportRSAPrivateKey());
    }

    [Fact]
    public void DecryptPrivateKey_SeparateKeyPassword_ReturnsPkcs8()
    {
        var store = JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("keystore.keypass.jks")), StorePassword);

        var pkcs8 = JksKeyStoreReader.DecryptPrivateKey(store.PrivateKeys[0], KeyPassword);

        using var expected = RSA.Create();
        expected.ImportFromPem(Text("client.key"));
        using var actual = RSA.Create();
        actual.ImportPkcs8PrivateKey(pkcs8, out _);
        Assert.Equal(expected.ExportSubjectPublicKeyInfo(), actual.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void DecryptPrivateKey_EcKey_ReturnsPkcs8OfEcKey()
    {
        var store = JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("keystore-ec.jks")), StorePassword);

        var pkcs8 = JksKeyStoreReader.DecryptPrivateKey(store.PrivateKeys[0], StorePassword);

        using var expected = ECDsa.Create();
        expected.ImportFromPem(Text("client-ec.sec1.key"));
        using var actual = ECDsa.Create();
        actual.ImportPkcs8PrivateKey(pkcs8, out _);
        Assert.Equal(expected.ExportSubjectPublicKeyInfo(), actual.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void DecryptPrivateKey_WrongKeyPassword_ThrowsWrongKeyPassword()
    {
        var store = JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("keystore.keypass.jks")), StorePassword);

        var ex = Assert.Throws<JksKeyStoreException>(() => JksKeyStoreReader.DecryptPrivateKey(store.PrivateKeys[0], StorePassword));

        Assert.Equal(JksKeyStoreError.WrongKeyPassword, ex.Error);
        Assert.Contains("kafka-client", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(StorePassword, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WrongStorePassword_ThrowsWrongPassword()
    {
        var ex = Assert.Throws<JksKeyStoreException>(() => JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("keystore.jks")), "not-the-password"));

        Assert.Equal(JksKeyStoreError.WrongPassword, ex.Error);
        Assert.Contains("integrity check failed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TrustStoreWithoutPassword_SkipsIntegrityCheckAndReturnsTrustedCertificates()
    {
        var store = JksKeyStoreReader.Read(File.ReadAllBytes(PathOf("truststore.jks")), storePassword: null);

        Assert.Empty(store.PrivateKeys);
        Assert.Equal(["other-ca", "root-ca"], store.TrustedCertificates.Select(e => e.Alias).Order(StringComparer.Ordinal));
        using var root = Certificate("root-ca.crt");
        Assert.Contains(store.TrustedCertificates, e => e.Certificate.AsSpan().SequenceEqual(root.RawData));
    }

    [Fact]
    public void Read_AlteredContent_FailsIntegrityCheck()
    {
        var data = File.ReadAllBytes(PathOf("truststore.jks"));
        data[data.Length / 2] ^= 0x01; // inside a certificate: still parses, digest no longer matches

        var ex = Assert.Throws<JksKeyStoreException>(() => JksKeyStoreReader.Read(data, StorePassword));

        Assert.Equal(JksKeyStoreError.WrongPassword, ex.Error);
    }

    [Fact]
    public void Read_TruncatedStore_ThrowsMalformed()
    {
        var data = File.ReadAllBytes(PathOf("keystore.jks"))[..200];

        var ex = Assert.Throws<JksKeyStoreException>(() => JksKeyStoreReader.Read(data, StorePassword));

        Assert.Equal(JksKeyStoreError.Malformed, ex.Error);
    }

    [Fact]
    public void Read_Pkcs12Data_ThrowsMalformedAndIsJksIsFalse()
    {
        var data = File.ReadAllBytes(PathOf("keystore.openssl.p12"));

        var ex = Assert.Throws<JksKeyStoreException>(() => JksKeyStoreReader.Read(data, StorePassword));

        Assert.Equal(JksKeyStoreError.Malformed, ex.Error);
        Assert.False(JksKeyStoreReader.IsJks(data));
        Assert.True(JksKeyStoreReader.IsJks(File.ReadAllBytes(PathOf("keystore.jks"))));
    }
}
