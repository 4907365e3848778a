using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.Schemas;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.Tests.Schemas;

/// <summary>
/// HTTPS to the stand-in registry with a client certificate required (Kestrel <c>RequireCertificate</c>), using a
/// CA and certificates generated in-test and written as PEM, PKCS#12 and (by keytool) JKS files.
/// </summary>
public sealed class RegistryTlsTests(RegistryTlsCertificates certificates) : IAsyncLifetime, IClassFixture<RegistryTlsCertificates>
{
    private const string UserSchema = """{"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}""";

    private StubConfluentRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        _registry = await StubConfluentRegistry.StartAsync(certificates.Server, clientCa: certificates.Ca);
        _registry.Seed("users-value", UserSchema);
    }

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task Https_ClientCertificateFromPemFiles_IsAcceptedByTheRegistry()
    {
        using var services = Build(new()
        {
            ["SchemaRegistry:Tls:CaLocation"] = Path("ca.pem"),
            ["SchemaRegistry:Tls:CertificateLocation"] = Path("client.pem"),
            ["SchemaRegistry:Tls:KeyLocation"] = Path("client.key"),
        });

        var schema = await Client(services).GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal(UserSchema, schema.Schema);
        Assert.Equal("CN=registry-client", Assert.Single(_registry.Requests).ClientCertificateSubject);
    }

    [Fact]
    public async Task Https_EncryptedPemKeyWithKeyPassword_IsAccepted()
    {
        using var services = Build(new()
        {
            ["SchemaRegistry:Tls:CaLocation"] = Path("ca.pem"),
            ["SchemaRegistry:Tls:CertificateLocation"] = Path("client.pem"),
            ["SchemaRegistry:Tls:KeyLocation"] = Path("client-encrypted.key"),
            ["SchemaRegistry:Tls:KeyPassword"] = "key-pw",
        });

        await Client(services).GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal("CN=registry-client", Assert.Single(_registry.Requests).ClientCertificateSubject);
    }

    [Fact]
    public async Task Https_ClientCertificateFromPkcs12_IsAccepted()
    {
        using var services = Build(new()
        {
            ["SchemaRegistry:Tls:CaLocation"] = Path("ca.pem"),
            ["SchemaRegistry:Tls:KeyStoreLocation"] = Path("client.p12"),
            ["SchemaRegistry:Tls:KeyStorePassword"] = "store-pw",
        });

        await Client(services).GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal("CN=registry-client", Assert.Single(_registry.Requests).ClientCertificateSubject);
    }

    [Fact]
    public async Task Https_ClientCertificateAndTrustFromKeytoolJks_IsAccepted()
    {
        using var services = Build(new()
        {
            ["SchemaRegistry:Tls:TrustStoreLocation"] = Path("truststore.jks"),
            ["SchemaRegistry:Tls:TrustStorePassword"] = "store-pw",
            ["SchemaRegistry:Tls:KeyStoreLocation"] = Path("client.jks"),
            ["SchemaRegistry:Tls:KeyStorePassword"] = "store-pw",
        });

        var schema = await Client(services).GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal(UserSchema, schema.Schema);
        Assert.Equal("CN=registry-client", Assert.Single(_registry.Requests).ClientCertificateSubject);
    }

    [Fact]
    public async Task Https_TrustStoreWithoutTheRegistrysCa_IsRejected()
    {
        using var services = Build(new()
        {
            ["SchemaRegistry:Tls:TrustStoreLocation"] = Path("other-truststore.jks"),
            ["SchemaRegistry:Tls:TrustStorePassword"] = "store-pw",
            ["SchemaRegistry:Tls:KeyStoreLocation"] = Path("client.jks"),
            ["SchemaRegistry:Tls:KeyStorePassword"] = "store-pw",
        });

        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetLatestAsync("users-value", CancellationToken.None));

        Assert.Empty(_registry.Requests);
    }

    [Fact]
    public async Task Https_NoClientCertificate_ThrowsUnavailable()
    {
        using var services = Build(new() { ["SchemaRegistry:Tls:CaLocation"] = Path("ca.pem") });

        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetLatestAsync("users-value", CancellationToken.None));

        Assert.Empty(_registry.Requests);
    }

    [Fact]
    public async Task Https_RegistryCertificateFromAnotherCa_IsRejected()
    {
        using var services = Build(new()
        {
            ["SchemaRegistry:Tls:CaLocation"] = Path("other-ca.pem"),
            ["SchemaRegistry:Tls:CertificateLocation"] = Path("client.pem"),
            ["SchemaRegistry:Tls:KeyLocation"] = Path("client.key"),
        });

        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetLatestAsync("users-value", CancellationToken.None));

        Assert.Empty(_registry.Requests);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Https_HostNotInRegistryCertificate_RejectedUnlessVerificationDisabled(bool verifyHostname, bool succeeds)
    {
        // A certificate issued by the trusted CA, but for another name than the address the gateway uses.
        await using var registry = await StubConfluentRegistry.StartAsync(certificates.ServerForOtherName, clientCa: certificates.Ca);
        registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(registry.Url.Replace("http://", "https://", StringComparison.Ordinal), new Dictionary<string, string?>
        {
            ["SchemaRegistry:MaxRetries"] = "0",
            ["SchemaRegistry:Tls:CaLocation"] = Path("ca.pem"),
            ["SchemaRegistry:Tls:CertificateLocation"] = Path("client.pem"),
            ["SchemaRegistry:Tls:KeyLocation"] = Path("client.key"),
            ["SchemaRegistry:Tls:EnableHostnameVerification"] = verifyHostname ? "true" : "false",
        });
        var call = () => services.GetRequiredService<HttpSchemaRegistryClient>().GetLatestAsync("users-value", CancellationToken.None);

        if (succeeds)
        {
            await call();
        }
        else
        {
            await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(call);
        }

        Assert.Equal(succeeds ? 1 : 0, registry.Requests.Count);
    }

    [Fact]
    public async Task Create_MaterialNoLongerLoads_RequestsFailAsConnectionFailuresNamingTheKey()
    {
        // What the factory's periodic handler rebuild meets when a rotated file is missing: no 500, a connection error.
        using var handler = SchemaRegistryHttpHandler.Create(new SchemaRegistryTlsOptions { CaLocation = Path("rotated-away.pem") }, TimeProvider.System);
        using var client = new HttpClient(handler);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(_registry.Url.Replace("http://", "https://", StringComparison.Ordinal))));

        Assert.Equal(HttpRequestError.SecureConnectionError, error.HttpRequestError);
        Assert.Contains($"SchemaRegistry:Tls:CaLocation: file '{Path("rotated-away.pem")}' not found", error.Message, StringComparison.Ordinal);
        Assert.Empty(_registry.Requests);
    }

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["SchemaRegistry:MaxRetries"] = "0";
        return RegistryClientTestServices.Build(_registry.Url.Replace("http://", "https://", StringComparison.Ordinal), settings);
    }

    private string Path(string fileName) => certificates.Path(fileName);

    private static HttpSchemaRegistryClient Client(ServiceProvider services) => services.GetRequiredService<HttpSchemaRegistryClient>();
}

/// <summary>
/// One CA, server and client certificates per test class (RSA key generation is the slow part), written to a
/// temporary folder as the files an operator would mount: PEM, encrypted PEM key, PKCS#12, JKS key and trust stores.
/// </summary>
public sealed class RegistryTlsCertificates : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("registry-tls-").FullName;

    public RegistryTlsCertificates()
    {
        Ca = CreateCa("CN=Registry Test CA");
        using var otherCa = CreateCa("CN=Other Test CA");
        Server = Issue(Ca, "CN=registry", serverNames: ["localhost", "127.0.0.1"]);
        ServerForOtherName = Issue(Ca, "CN=elsewhere", serverNames: ["registry.example"]);
        using var client = Issue(Ca, "CN=registry-client", serverNames: null);
        using var key = client.GetRSAPrivateKey()!;
        File.WriteAllText(Path("ca.pem"), Ca.ExportCertificatePem());
        File.WriteAllText(Path("other-ca.pem"), otherCa.ExportCertificatePem());
        File.WriteAllText(Path("client.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path("client.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path("client-encrypted.key"), key.ExportEncryptedPkcs8PrivateKeyPem(
            "key-pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        File.WriteAllBytes(Path("client.p12"), client.Export(X509ContentType.Pkcs12, "store-pw"));
        // JKS stores made by the JDK's keytool itself, as a Java-based platform (Hopsworks) hands them out.
        Keytool("-importkeystore", "-srckeystore", Path("client.p12"), "-srcstoretype", "PKCS12", "-srcstorepass", "store-pw",
            "-destkeystore", Path("client.jks"), "-deststoretype", "JKS", "-deststorepass", "store-pw", "-destkeypass", "store-pw");
        Keytool("-importcert", "-alias", "registry-ca", "-file", Path("ca.pem"),
            "-keystore", Path("truststore.jks"), "-storetype", "JKS", "-storepass", "store-pw");
        Keytool("-importcert", "-alias", "other-ca", "-file", Path("other-ca.pem"),
            "-keystore", Path("other-truststore.jks"), "-storetype", "JKS", "-storepass", "store-pw");
    }

    public X509Certificate2 Ca { get; }

    /// <summary>For localhost and 127.0.0.1; Kestrel uses it for every handshake, so it lives with the fixture.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>Trusted, but for registry.example only.</summary>
    public X509Certificate2 ServerForOtherName { get; }

    public string Path(string fileName) => System.IO.Path.Combine(_directory, fileName);

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        ServerForOtherName.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static void Keytool(params string[] arguments)
    {
        var start = new ProcessStartInfo("keytool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Prepend("-noprompt"))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            throw new TimeoutException("keytool did not finish within a minute.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"keytool {arguments[0]} exited with {process.ExitCode}: {output.Result} {error.Result}");
        }
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(ca.Export(X509ContentType.Pkcs12), password: null);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, string[]? serverNames)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverNames is null ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        if (serverNames is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in serverNames)
            {
                if (IPAddress.TryParse(name, out var address))
                {
                    san.AddIpAddress(address);
                }
                else
                {
                    san.AddDnsName(name);
                }
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }
}
