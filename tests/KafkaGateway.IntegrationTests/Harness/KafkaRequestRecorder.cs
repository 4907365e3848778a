using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KafkaGateway.Kafka;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// A plain TCP relay in front of one mock broker that records every request a client sends (the Kafka framing: a 4-byte
/// size, then the request header and body) before passing it on unchanged; answers flow back untouched. Tests use it
/// to see what a client asked where the broker's answer cannot show it: e.g. the isolation level of ListOffsets,
/// which librdkafka's mock reads and ignores.
/// </summary>
public sealed class KafkaRequestRecorder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly BrokerAddress _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<TcpClient> _open = [];
    private readonly Task _acceptLoop;

    public KafkaRequestRecorder(BrokerAddress target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>The loopback port clients connect to.</summary>
    public int Port { get; }

    /// <summary>Every request relayed, in the order each connection sent them.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

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
        var upstream = RecordRequestsAsync(client.GetStream(), broker.GetStream(), relayStop.Token);
        var downstream = CopyAsync(broker.GetStream(), client.GetStream(), relayStop.Token);
        await Task.WhenAny(upstream, downstream);
        await relayStop.CancelAsync();
    }

    private async Task RecordRequestsAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var size = new byte[4];
        try
        {
            while (true)
            {
                await from.ReadExactlyAsync(size, cancellationToken);
                var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
                await from.ReadExactlyAsync(frame, cancellationToken);
                Requests.Enqueue(RecordedRequest.Parse(frame));
                await to.WriteAsync(size, cancellationToken);
                await to.WriteAsync(frame, cancellationToken);
                await to.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException or EndOfStreamException)
        {
        }
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

/// <summary>One request as a client sent it: the header's fields and the whole frame (header and body, no size).</summary>
public sealed record RecordedRequest(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId, int BodyOffset, byte[] Frame)
{
    public const short ListOffsetsKey = 2;

    public static RecordedRequest Parse(byte[] frame)
    {
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame);
        var apiVersion = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(2));
        var correlationId = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));
        // Request header v1 and v2 both carry the client id as a classic nullable string; v2 adds tagged fields after
        // it, which body parsers skip where their version is flexible.
        var length = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(8));
        var clientId = length < 0 ? null : Encoding.UTF8.GetString(frame, 10, length);
        return new RecordedRequest(apiKey, apiVersion, correlationId, clientId, 10 + Math.Max((int)length, 0), frame);
    }

    /// <summary>
    /// The fields of a ListOffsets request (api key 2): its isolation level (0 read_uncommitted, 1 read_committed; v2+,
    /// where it follows the replica id) and what it asks per partition (timestamp -1: the end offset, -2: the start).
    /// </summary>
    public ListOffsetsRequest ReadListOffsets()
    {
        if (ApiKey != ListOffsetsKey)
        {
            throw new InvalidOperationException($"Request {ApiKey} is not ListOffsets.");
        }

        var flexible = ApiVersion >= 6;
        var at = BodyOffset;
        if (flexible)
        {
            SkipTags(ref at);
        }

        at += 4; // replica id
        sbyte isolation = 0;
        if (ApiVersion >= 2)
        {
            isolation = (sbyte)Frame[at++];
        }

        var asked = new List<(string Topic, int Partition, long Timestamp)>();
        var topics = ReadCount(ref at, flexible);
        for (var t = 0; t < topics; t++)
        {
            var topic = ReadString(ref at, flexible);
            var partitions = ReadCount(ref at, flexible);
            for (var p = 0; p < partitions; p++)
            {
                var partition = BinaryPrimitives.ReadInt32BigEndian(Frame.AsSpan(at));
                at += 4;
                if (ApiVersion >= 4)
                {
                    at += 4; // current leader epoch
                }

                var timestamp = BinaryPrimitives.ReadInt64BigEndian(Frame.AsSpan(at));
                at += 8;
                if (ApiVersion == 0)
                {
                    at += 4; // max number of offsets
                }

                if (flexible)
                {
                    SkipTags(ref at);
                }

                asked.Add((topic, partition, timestamp));
            }

            if (flexible)
            {
                SkipTags(ref at);
            }
        }

        return new ListOffsetsRequest(ApiVersion, isolation, asked);
    }

    private int ReadCount(ref int at, bool flexible)
    {
        if (flexible)
        {
            return (int)ReadUnsignedVarint(ref at) - 1;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(Frame.AsSpan(at));
        at += 4;
        return count;
    }

    private string ReadString(ref int at, bool flexible)
    {
        int length;
        if (flexible)
        {
            length = (int)ReadUnsignedVarint(ref at) - 1;
        }
        else
        {
            length = BinaryPrimitives.ReadInt16BigEndian(Frame.AsSpan(at));
            at += 2;
        }

        var text = Encoding.UTF8.GetString(Frame, at, length);
        at += length;
        return text;
    }

    private void SkipTags(ref int at)
    {
        var count = ReadUnsignedVarint(ref at);
        for (var i = 0UL; i < count; i++)
        {
            ReadUnsignedVarint(ref at); // tag
            at += (int)ReadUnsignedVarint(ref at);
        }
    }

    private ulong ReadUnsignedVarint(ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = Frame[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }
}

/// <summary>A ListOffsets request: its version, isolation level and the (topic, partition, timestamp) it asks for.</summary>
public sealed record ListOffsetsRequest(short Version, sbyte IsolationLevel, IReadOnlyList<(string Topic, int Partition, long Timestamp)> Partitions);
