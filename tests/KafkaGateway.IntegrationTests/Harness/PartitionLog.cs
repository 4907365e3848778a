using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// Reads the record-batch headers a broker stores for one partition (a raw Fetch v4 over the Kafka protocol):
/// which producer id, epoch and sequence wrote each offset. Kafka clients do not expose these, but they decide what
/// a duplicate is: a Kafka broker refuses a batch whose producer id, epoch and sequence it already holds (it answers
/// the earlier offsets), while a batch sent again under a new epoch or by another producer is a new write.
/// </summary>
public static class PartitionLog
{
    /// <summary>The writer of one stored record: its producer id, epoch and sequence number.</summary>
    public readonly record struct Writer(long ProducerId, short Epoch, int Sequence);

    /// <summary>The writer of every offset of the partition up to <paramref name="highWatermark"/>, asking each broker until the leader answers.</summary>
    public static Dictionary<long, Writer> Writers(IEnumerable<(string Host, int Port)> brokers, string topic, int partition, long highWatermark)
    {
        foreach (var (host, port) in brokers)
        {
            var writers = new Dictionary<long, Writer>();
            using var client = new TcpClient(host, port);
            using var stream = client.GetStream();
            var offset = 0L;
            var leader = true;
            while (offset < highWatermark && leader)
            {
                var (error, records) = Fetch(stream, topic, partition, offset);
                if (error != 0)
                {
                    leader = false;
                    break;
                }

                var before = offset;
                offset = ReadBatches(records, writers, offset);
                if (offset == before)
                {
                    throw new InvalidOperationException($"Fetch of {topic} [{partition}] at {offset} returned no complete batch.");
                }
            }

            if (leader)
            {
                return writers;
            }
        }

        throw new InvalidOperationException($"No broker leads {topic} [{partition}].");
    }

    private static (short Error, byte[] Records) Fetch(NetworkStream stream, string topic, int partition, long offset)
    {
        var body = new List<byte>();
        void I16(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); body.AddRange(b); }
        void I32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); body.AddRange(b); }
        void I64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); body.AddRange(b); }
        void Str(string s) { var b = Encoding.UTF8.GetBytes(s); I16((short)b.Length); body.AddRange(b); }

        I16(1); // Fetch
        I16(4);
        I32(1); // correlation id
        Str("partition-log");
        I32(-1); // replica id
        I32(0); // max wait
        I32(1); // min bytes
        I32(64 << 20); // max bytes
        body.Add(0); // read uncommitted
        I32(1);
        Str(topic);
        I32(1);
        I32(partition);
        I64(offset);
        I32(64 << 20);
        var frame = new byte[4 + body.Count];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Count);
        body.CopyTo(frame, 4);
        stream.Write(frame);

        var size = new byte[4];
        stream.ReadExactly(size);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        stream.ReadExactly(response);
        var at = 4 + 4; // correlation id, throttle time
        at += 4; // topics count (1)
        at += 2 + BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at));
        at += 4; // partitions count (1)
        at += 4; // partition
        var error = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at));
        at += 2 + 8 + 8; // error, high watermark, last stable offset
        var aborted = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at));
        at += 4 + (Math.Max(aborted, 0) * 16);
        var length = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at));
        at += 4;
        return (error, length <= 0 ? [] : response.AsSpan(at, length).ToArray());
    }

    /// <summary>Record batches (magic 2) from <paramref name="records"/>; returns the offset after the last complete batch.</summary>
    private static long ReadBatches(byte[] records, Dictionary<long, Writer> writers, long next)
    {
        var at = 0;
        while (at + 61 <= records.Length)
        {
            var span = records.AsSpan(at);
            var baseOffset = BinaryPrimitives.ReadInt64BigEndian(span);
            var batchLength = BinaryPrimitives.ReadInt32BigEndian(span[8..]);
            if (at + 12 + batchLength > records.Length)
            {
                break; // a partial batch at the end of the response
            }

            var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(span[23..]);
            var producerId = BinaryPrimitives.ReadInt64BigEndian(span[43..]);
            var epoch = BinaryPrimitives.ReadInt16BigEndian(span[51..]);
            var baseSequence = BinaryPrimitives.ReadInt32BigEndian(span[53..]);
            for (var delta = 0; delta <= lastOffsetDelta; delta++)
            {
                writers[baseOffset + delta] = new Writer(producerId, epoch, baseSequence < 0 ? -1 : baseSequence + delta);
            }

            next = Math.Max(next, baseOffset + lastOffsetDelta + 1);
            at += 12 + batchLength;
        }

        return next;
    }
}
