using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.Bench.LoadGeneration;

/// <summary>How the load generator reaches a gateway.</summary>
/// <param name="BaseAddress">The gateway, e.g. <c>http://127.0.0.1:5080</c> or <c>https://gateway:8443</c>.</param>
/// <param name="Version">HTTP/1.1 or HTTP/2 (h2c with prior knowledge on http://, ALPN on https://); exact, never downgraded.</param>
/// <param name="MaxConnections">Connections per server for HTTP/1.1 (requests beyond it queue in the client).</param>
/// <param name="ClientCertificate">For mutual TLS: a PKCS#12 file, or a PEM certificate with <paramref name="ClientKey"/>.</param>
/// <param name="ClientKey">PEM private key of a PEM <paramref name="ClientCertificate"/>.</param>
/// <param name="TrustedCa">PEM CA certificate to trust for the gateway's certificate (default: the system store).</param>
internal sealed record LoadClientOptions(
    Uri BaseAddress,
    Version Version,
    int MaxConnections = int.MaxValue,
    string? ClientCertificate = null,
    string? ClientKey = null,
    string? TrustedCa = null);

/// <summary>HttpClients for the load generator: SocketsHttpHandler, exact HTTP version, optional client certificate.</summary>
internal static class LoadClient
{
    public static HttpClient Create(LoadClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConnections,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        if (options.ClientCertificate is { } certificatePath)
        {
            var certificate = options.ClientKey is { } keyPath
                ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(certificatePath, null);
            handler.SslOptions.ClientCertificates = [certificate];
        }

        if (options.TrustedCa is { } caPath)
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == System.Net.Security.SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return new HttpClient(handler)
        {
            BaseAddress = options.BaseAddress,
            DefaultRequestVersion = options.Version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(5),
        };
    }
}
