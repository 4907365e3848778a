using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.Security;
using KafkaGateway.Tls;

namespace KafkaGateway.Schemas;

/// <summary>
/// Builds the primary HTTP handler of the registry client: server verification against the configured CA and the
/// client certificate for mutual TLS, both read by the gateway's one TLS loader (PEM, PKCS#12, JKS, trust stores).
/// The HTTP client factory rebuilds handlers periodically, so rotated certificate files are picked up without a
/// restart.
/// </summary>
internal static class SchemaRegistryHttpHandler
{
    /// <summary>
    /// The handler for <paramref name="tls"/>. Material that no longer loads (a rotation caught half-written when the
    /// factory rebuilds the handler; start-up validation caught everything else) gives a handler whose requests
    /// fail as connection failures, so callers get the registry's 503 rather than a 500.
    /// </summary>
    public static HttpMessageHandler Create(SchemaRegistryTlsOptions tls, TimeProvider time)
    {
        try
        {
            return CreateSocketsHandler(tls, time);
        }
        catch (TlsConfigurationException ex)
        {
            return new UnusableMaterialHandler(ex);
        }
    }

    /// <exception cref="TlsConfigurationException">The TLS material cannot be used.</exception>
    internal static SocketsHttpHandler CreateSocketsHandler(SchemaRegistryTlsOptions tls, TimeProvider time)
    {
        var handler = new SocketsHttpHandler
        {
            // Registries behind DNS-based failover (Kubernetes services, cloud load balancers) move.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };

        X509Certificate2Collection? trustedCas = null;
        if (tls.HasMaterial)
        {
            using var material = TlsMaterialLoader.Load(tls.ToMaterialSource(), time);
            trustedCas = material.CreateCaCollection();
            if (material.Certificate is not null)
            {
                // The context sends the intermediates along with the leaf, as the registry may only know the root.
                handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(
                    material.CreateCertificateWithKey(), material.CreateIntermediates(), offline: true);
            }
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

    private sealed class UnusableMaterialHandler(TlsConfigurationException problem) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(new HttpRequestException(
                HttpRequestError.SecureConnectionError, $"the registry TLS material cannot be loaded: {problem.Message}", problem));
    }
}
