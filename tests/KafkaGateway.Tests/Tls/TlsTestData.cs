using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.Tests.Tls;

/// <summary>Paths and facts about the committed material made by TestData/tls/make-stores.sh.</summary>
internal static class TlsTestData
{
    public const string StorePassword = "store-secret-9431";
    public const string KeyPassword = "key-secret-2718";

    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "TestData", "tls", file);

    public static string Text(string file) => File.ReadAllText(PathOf(file));

    public static X509Certificate2 Certificate(string file) => X509CertificateLoader.LoadCertificateFromFile(PathOf(file));

    public static string Thumbprint(string file)
    {
        using var certificate = Certificate(file);
        return certificate.Thumbprint;
    }

    /// <summary>
    /// Proves a key PEM and a certificate belong together by signing with the one and verifying with the other.
    /// </summary>
    public static bool SignsForCertificate(string privateKeyPem, string certificateFile)
    {
        using var certificate = Certificate(certificateFile);
        var data = "kafka-gateway"u8.ToArray();
        using var rsaCertificate = certificate.GetRSAPublicKey();
        if (rsaCertificate is not null)
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(privateKeyPem);
            var signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return rsaCertificate.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        using var ecCertificate = certificate.GetECDsaPublicKey()!;
        using var ec = ECDsa.Create();
        ec.ImportFromPem(privateKeyPem);
        var ecSignature = ec.SignData(data, HashAlgorithmName.SHA256);
        return ecCertificate.VerifyData(data, ecSignature, HashAlgorithmName.SHA256);
    }

    /// <summary>Thumbprints of every certificate in a PEM string, in order.</summary>
    public static IReadOnlyList<string> Thumbprints(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        var thumbprints = collection.Select(c => c.Thumbprint).ToList();
        foreach (var certificate in collection)
            certificate.Dispose();
        return thumbprints;
    }
}

/// <summary>A clock stopped at one instant, so validity checks are deterministic.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
