using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KafkaGateway.Kafka;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// A loopback listener in front of one mock broker that relays each accepted connection to the broker's plain
/// listener. Subclasses decide what a client connection is (<see cref="OpenClientAsync"/>: e.g. after a TLS handshake)
/// and may watch what clients send (<see cref="RelayRequestsAsync"/>); answers flow back unchanged. A broker set down
/// refuses the relay's connection, so the client sees its connection close, as with a real broker going away.
/// </summary>
public abstract class BrokerRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly BrokerAddress _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<TcpClient> _open = [];
    private Task _acceptLoop = Task.CompletedTask;

    protected BrokerRelay(BrokerAddress target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    /// <summary>The loopback port clients connect to.</summary>
    public int Port { get; }

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
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts accepting; called by the subclass's constructor once its own state is set.</summary>
    protected void Start() => _acceptLoop = AcceptAsync();

    /// <summary>The stream to relay for an accepted client, or null to drop the connection.</summary>
    protected abstract Task<Stream?> OpenClientAsync(TcpClient client, CancellationToken cancellationToken);

    /// <summary>Passes what the client sends on to the broker; by default byte for byte.</summary>
    protected virtual Task RelayRequestsAsync(Stream client, Stream broker, CancellationToken cancellationToken) =>
        CopyAsync(client, broker, cancellationToken);

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
        await using var stream = await OpenClientAsync(client, _stopping.Token);
        if (stream is null)
        {
            return;
        }

        using var broker = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            await broker.ConnectAsync(_target.Host, _target.Port, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return;
        }

        using var relayStop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var brokerStream = broker.GetStream();
        var upstream = RelayRequestsAsync(stream, brokerStream, relayStop.Token);
        var downstream = CopyAsync(brokerStream, stream, relayStop.Token);
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
}
