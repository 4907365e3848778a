using System.Buffers.Binary;
using System.Collections.Concurrent;
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
public sealed class KafkaRequestRecorder : BrokerRelay
{
    public KafkaRequestRecorder(BrokerAddress target)
        : base(target)
    {
        Start();
    }

    /// <summary>Every request relayed, in the order each connection sent them.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    protected override Task<Stream?> OpenClientAsync(TcpClient client, CancellationToken cancellationToken) =>
        Task.FromResult<Stream?>(client.GetStream());

    protected override async Task RelayRequestsAsync(Stream client, Stream broker, CancellationToken cancellationToken)
    {
        var size = new byte[4];
        try
        {
            while (true)
            {
                await client.ReadExactlyAsync(size, cancellationToken);
                var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
                await client.ReadExactlyAsync(frame, cancellationToken);
                Requests.Enqueue(RecordedRequest.Parse(frame));
                await broker.WriteAsync(size, cancellationToken);
                await broker.WriteAsync(frame, cancellationToken);
                await broker.FlushAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException or EndOfStreamException)
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
