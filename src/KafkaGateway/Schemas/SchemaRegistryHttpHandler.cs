using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.Schemas;

/// <summary>
/// Builds the primary HTTP handler of the registry client: server verification against the configured CA and the
/// client certificate for mutual TLS. The HTTP client factory rebuilds handlers periodically, so rotated
/// certificate files are picked up without a restart.
/// </summary>
internal static class SchemaRegistryHttpHandler
{
    public static SocketsHttpHandler Create(SchemaRegistryTlsOptions tls)
    {
        var handler = new SocketsHttpHandler
        {
            // Registries behind DNS-based failover (Kubernetes services, cloud load balancers) move.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };

        var trustedCas = LoadCas(tls);
        var clientCertificate = LoadClientCertificate(tls, out var chain);
        if (clientCertificate is not null)
        {
            // The context sends the intermediates along with the leaf, as the registry may only know the root.
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, chain, offline: true);
        }

        if (trustedCas is not null || !tls.EnableHostnameVerification)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
                IsTrusted(certificate, presented, errors, trustedCas, tls.EnableHostnameVerification);
        }

        return handler;
    }

    private static bool IsTrusted(
        X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? trustedCas,
        bool verifyHostname)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        if (verifyHostname && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        if (trustedCas is null)
        {
            // System trust decides; only the name check may have been waived.
            return !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors);
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the registry sent with its certificate.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (certificate is X509Certificate2 server)
        {
            return chain.Build(server);
        }

        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(loaded);
    }

    private static X509Certificate2Collection? LoadCas(SchemaRegistryTlsOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.CaLocation))
        {
            return null;
        }

        var cas = new X509Certificate2Collection();
        cas.ImportFromPemFile(tls.CaLocation);
        if (cas.Count == 0)
        {
            throw new InvalidOperationException($"SchemaRegistry:Tls:CaLocation file '{tls.CaLocation}' has no PEM certificate.");
        }

        return cas;
    }

    private static X509Certificate2? LoadClientCertificate(SchemaRegistryTlsOptions tls, out X509Certificate2Collection chain)
    {
        chain = [];
        if (!string.IsNullOrWhiteSpace(tls.KeyStoreLocation))
        {
            // Only PKCS#12 here: the options validator rejects JKS stores at start-up.
            var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(tls.KeyStoreLocation, tls.KeyStorePassword);
            var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new InvalidOperationException(
                    $"SchemaRegistry:Tls:KeyStoreLocation '{tls.KeyStoreLocation}' holds no private key.");
            chain.AddRange(all.Where(c => !ReferenceEquals(c, leaf)).ToArray());
            return leaf;
        }

        if (string.IsNullOrWhiteSpace(tls.CertificateLocation))
        {
            return null;
        }

        using var pem = string.IsNullOrEmpty(tls.KeyPassword)
            ? X509Certificate2.CreateFromPemFile(tls.CertificateLocation, NullIfBlank(tls.KeyLocation))
            : X509Certificate2.CreateFromEncryptedPemFile(tls.CertificateLocation, tls.KeyPassword, NullIfBlank(tls.KeyLocation));

        // PEM keys are ephemeral; a PKCS#12 round trip gives SslStream a key it can use on every platform.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        var fileCertificates = new X509Certificate2Collection();
        fileCertificates.ImportFromPemFile(tls.CertificateLocation);
        chain.AddRange(fileCertificates.Skip(1).ToArray());
        return certificate;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
