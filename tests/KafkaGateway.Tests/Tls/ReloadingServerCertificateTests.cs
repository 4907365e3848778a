using KafkaGateway.Security;
using KafkaGateway.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Tls;

/// <summary>
/// The HTTPS certificate goes through the same TLS loader as Kafka and the registry: same formats Kestrel allows in
/// <c>Kestrel:Certificates:Default</c>, errors naming Kestrel's keys. Serving and reloading over real TLS is in
/// IntegrationTests/Security/ServerCertificateReloadTests.
/// </summary>
public sealed class ReloadingServerCertificateTests
{
    [Theory]
    [InlineData("client.key", null)]
    [InlineData("client.encrypted.key", KeyPassword)]
    [InlineData("client.pkcs1.key", null)]
    public void Constructor_PemWithKeyPath_ServesCertificateWithItsKey(string keyFile, string? password)
    {
        using var certificate = Create(new()
        {
            ["Kestrel:Certificates:Default:Path"] = PathOf("client.crt"),
            ["Kestrel:Certificates:Default:KeyPath"] = PathOf(keyFile),
            ["Kestrel:Certificates:Default:Password"] = password,
        });

        Assert.Equal(Thumbprint("client.crt"), certificate.Current!.Thumbprint);
        Assert.True(certificate.Current.HasPrivateKey);
    }

    [Fact]
    public void Constructor_Pkcs12WithPassword_ServesCertificateWithItsKey()
    {
        using var certificate = Create(new()
        {
            ["Kestrel:Certificates:Default:Path"] = PathOf("keystore.openssl.p12"),
            ["Kestrel:Certificates:Default:Password"] = StorePassword,
        });

        Assert.Equal(Thumbprint("client.crt"), certificate.Current!.Thumbprint);
        Assert.True(certificate.Current.HasPrivateKey);
    }

    [Fact]
    public void Constructor_KeyOfAnotherCertificate_FailsNamingKeyPath()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => Create(new()
        {
            ["Kestrel:Certificates:Default:Path"] = PathOf("client.crt"),
            ["Kestrel:Certificates:Default:KeyPath"] = PathOf("mismatched.key"),
        }));

        Assert.Equal("Kestrel:Certificates:Default:KeyPath", error.ConfigurationKey);
        Assert.Contains("does not match the server certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_WrongPkcs12Password_FailsNamingPasswordWithoutEchoingIt()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => Create(new()
        {
            ["Kestrel:Certificates:Default:Path"] = PathOf("keystore.openssl.p12"),
            ["Kestrel:Certificates:Default:Password"] = "wrong-secret-5150",
        }));

        Assert.Equal($"Kestrel:Certificates:Default:Password: wrong password for '{PathOf("keystore.openssl.p12")}' (PKCS#12 MAC check failed)", error.Message);
    }

    [Fact]
    public void Constructor_ExpiredCertificate_FailsNamingPath()
    {
        var error = Assert.Throws<TlsConfigurationException>(() => Create(new()
        {
            ["Kestrel:Certificates:Default:Path"] = PathOf("client-expired.crt"),
            ["Kestrel:Certificates:Default:KeyPath"] = PathOf("client-expired.key"),
        }));

        Assert.Equal("Kestrel:Certificates:Default:Path", error.ConfigurationKey);
        Assert.Contains("server certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("expired on 2016-01-01T00:00:00Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NoPath_ManagesNothing()
    {
        using var certificate = Create([]);

        Assert.Null(certificate.Current);
    }

    private static ReloadingServerCertificate Create(Dictionary<string, string?> settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), NullLogger<ReloadingServerCertificate>.Instance);
}
