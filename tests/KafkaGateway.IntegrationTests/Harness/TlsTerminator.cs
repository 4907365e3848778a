using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using KafkaGateway.Kafka;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// A TLS server in front of one mock broker that REQUIRES a client certificate issued by the test CA, then relays
/// bytes to the broker's plain listener. librdkafka's mock cluster has no TLS; this gives clients a real
/// TLS 1.2+ handshake with hostname verification against a real Kafka protocol peer.
/// </summary>
public sealed class TlsTerminator : BrokerRelay
{
    private readonly X509Certificate2 _serverCertificate;
    private readonly X509Certificate2 _trustedCa;

    public TlsTerminator(BrokerAddress target, X509Certificate2 serverCertificate, X509Certificate2 trustedCa)
        : base(target)
    {
        _serverCertificate = serverCertificate;
        _trustedCa = trustedCa;
        Start();
    }

    /// <summary>Why client handshakes were refused, in order.</summary>
    public ConcurrentQueue<string> Rejections { get; } = new();

    /// <summary>Protocols of the handshakes that succeeded.</summary>
    public ConcurrentQueue<SslProtocols> AcceptedProtocols { get; } = new();

    /// <summary>Subjects of client certificates that were accepted.</summary>
    public ConcurrentQueue<string> AcceptedClients { get; } = new();

    protected override async Task<Stream?> OpenClientAsync(TcpClient client, CancellationToken cancellationToken)
    {
        string? rejection = null;
        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            rejection = Validate(certificate);
            return rejection is null;
        });
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _serverCertificate,
                ClientCertificateRequired = true,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            Rejections.Enqueue(rejection ?? $"handshake failed: {ex.Message}");
            await tls.DisposeAsync();
            return null;
        }

        AcceptedProtocols.Enqueue(tls.SslProtocol);
        AcceptedClients.Enqueue(tls.RemoteCertificate?.Subject ?? "");
        return tls;
    }

    private string? Validate(X509Certificate? presented)
    {
        if (presented is null)
        {
            return "no client certificate";
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            return null;
        }

        var reasons = chain.ChainStatus.Select(s => s.Status).ToHashSet();
        if (reasons.Contains(X509ChainStatusFlags.NotTimeValid))
        {
            return $"expired client certificate {certificate.Subject} (not after {certificate.NotAfter:O})";
        }

        return $"untrusted client certificate {certificate.Subject}: {string.Join(", ", reasons)}";
    }
}
