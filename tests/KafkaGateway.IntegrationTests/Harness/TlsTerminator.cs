using System.Collections.Concurrent;
using System.Net;
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
public sealed class TlsTerminator : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly BrokerAddress _target;
    private readonly X509Certificate2 _serverCertificate;
    private readonly X509Certificate2 _trustedCa;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<TcpClient> _open = [];
    private readonly Task _acceptLoop;

    public TlsTerminator(BrokerAddress target, X509Certificate2 serverCertificate, X509Certificate2 trustedCa)
    {
        _target = target;
        _serverCertificate = serverCertificate;
        _trustedCa = trustedCa;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>The loopback port clients connect to with TLS.</summary>
    public int Port { get; }

    /// <summary>Why client handshakes were refused, in order.</summary>
    public ConcurrentQueue<string> Rejections { get; } = new();

    /// <summary>Protocols of the handshakes that succeeded.</summary>
    public ConcurrentQueue<SslProtocols> AcceptedProtocols { get; } = new();

    /// <summary>Subjects of client certificates that were accepted.</summary>
    public ConcurrentQueue<string> AcceptedClients { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var client in _open)
        {
            client.Dispose();
        }

        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _open.Add(client);
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        string? rejection = null;
        await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) =>
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
            }, _stopping.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            Rejections.Enqueue(rejection ?? $"handshake failed: {ex.Message}");
            return;
        }

        AcceptedProtocols.Enqueue(tls.SslProtocol);
        AcceptedClients.Enqueue(tls.RemoteCertificate?.Subject ?? "");
        using var broker = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await broker.ConnectAsync(_target.Host, _target.Port, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Broker set down: the client sees the connection close, as with a real broker going away.
            return;
        }

        using var relayStop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var brokerStream = broker.GetStream();
        var upstream = CopyAsync(tls, brokerStream, relayStop.Token);
        var downstream = CopyAsync(brokerStream, tls, relayStop.Token);
        await Task.WhenAny(upstream, downstream);
        await relayStop.CancelAsync();
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await to.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
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
