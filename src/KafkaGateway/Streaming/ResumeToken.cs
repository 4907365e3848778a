using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace KafkaGateway.Streaming;

/// <summary>
/// Where a stream (or a browse) continues: a hash of the topic and the next offset of every partition it reads.
/// The token carries all the state, so any replica, after any restart, continues with no gap and no duplicate.
/// Text form: base64url (no padding) of <c>version(1) topicHash(8) count(varint) {partition(varint) offset(varint)}*</c>;
/// version 2 adds <c>pageLimit(varint)</c> at the end: a browse cursor remembers the page size it was asked for, so
/// following <c>next</c> keeps it. Streams ignore the page limit, so a cursor stays a valid stream resume token.
/// Versions 3 and 4 are versions 1 and 2 with the Kafka topic id (16 bytes, KIP-516) after the topic hash: a topic
/// deleted and created again under the same name has another id, so its offsets are known not to be the token's.
/// Tokens of every version stay valid: one without an id is simply not checked.
/// </summary>
/// <param name="TopicHash">See <see cref="HashTopic"/>.</param>
/// <param name="NextOffsets">The next offset of every partition.</param>
/// <param name="PageLimit">Records per browse page the cursor was issued for; null for stream tokens.</param>
/// <param name="TopicId">The Kafka topic id when the token was made, if the cluster gave one (Kafka 2.8+).</param>
public sealed record ResumeToken(ulong TopicHash, IReadOnlyDictionary<int, long> NextOffsets, int? PageLimit = null, Guid? TopicId = null)
{
    private const byte Version = 1;
    private const byte VersionWithPageLimit = 2;
    private const byte VersionWithTopicId = 3;
    private const byte VersionWithTopicIdAndPageLimit = 4;
    private const int TopicIdLength = 16;

    /// <summary>Longest token text accepted: Kestrel's default request-header budget (a 1,000-partition token is ~10 KB).</summary>
    public const int MaxTextLength = 32_768;

    /// <summary>A token for <paramref name="topic"/> at <paramref name="nextOffsets"/>.</summary>
    public static ResumeToken For(string topic, IReadOnlyDictionary<int, long> nextOffsets, int? pageLimit = null, Guid? topicId = null) =>
        new(HashTopic(topic), nextOffsets, pageLimit, topicId);

    /// <summary>The first 8 bytes of SHA-256 of the UTF-8 topic name: tells topics apart without spelling them out.</summary>
    public static ulong HashTopic(string topic) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(topic)));

    /// <summary>True when the token was made for <paramref name="topic"/>.</summary>
    public bool IsFor(string topic) => TopicHash == HashTopic(topic);

    /// <summary>
    /// True when the token names another topic id than <paramref name="currentTopicId"/>: the topic was deleted and
    /// created again since. False when either id is unknown (an older token, a cluster without topic ids).
    /// </summary>
    public bool IsOfRecreatedTopic(Guid? currentTopicId) =>
        TopicId is { } made && currentTopicId is { } now && made != now;

    /// <summary>The compact URL-safe text form.</summary>
    public string Encode() => Encode(TopicHash, NextOffsets, PageLimit, TopicId);

    /// <summary>The text form of a token without allocating the record.</summary>
    public static string Encode(ulong topicHash, IReadOnlyDictionary<int, long> nextOffsets, int? pageLimit = null, Guid? topicId = null)
    {
        // Header 1 + 8 + topic id (16) + count (<= 5), then per partition <= 5 + 10 bytes, then the page limit (<= 5).
        var size = 35 + (nextOffsets.Count * 15);
        Span<byte> bytes = size <= 512 ? stackalloc byte[512] : new byte[size];
        bytes[0] = (pageLimit, topicId) switch
        {
            (null, null) => Version,
            (_, null) => VersionWithPageLimit,
            (null, _) => VersionWithTopicId,
            _ => VersionWithTopicIdAndPageLimit,
        };
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], topicHash);
        var length = 9;
        if (topicId is { } id)
        {
            id.TryWriteBytes(bytes.Slice(length, TopicIdLength), bigEndian: true, out _);
            length += TopicIdLength;
        }

        length += WriteVarint(bytes[length..], (ulong)nextOffsets.Count);
        foreach (var (partition, offset) in nextOffsets.OrderBy(p => p.Key))
        {
            length += WriteVarint(bytes[length..], (ulong)partition);
            length += WriteVarint(bytes[length..], (ulong)offset);
        }

        if (pageLimit is { } limit)
        {
            length += WriteVarint(bytes[length..], (ulong)Math.Max(limit, 1));
        }

        return Base64Url.EncodeToString(bytes[..length]);
    }

    /// <summary>Parses the text form; false for anything that is not a well-formed token.</summary>
    public static bool TryParse(string? text, out ResumeToken? token)
    {
        token = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxTextLength || !Base64Url.IsValid(text))
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length < 10 || bytes[0] is not (Version or VersionWithPageLimit or VersionWithTopicId or VersionWithTopicIdAndPageLimit))
        {
            return false;
        }

        var hash = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(1));
        var position = 9;
        Guid? topicId = null;
        if (bytes[0] is VersionWithTopicId or VersionWithTopicIdAndPageLimit)
        {
            if (bytes.Length < position + TopicIdLength + 1)
            {
                return false;
            }

            topicId = new Guid(bytes.AsSpan(position, TopicIdLength), bigEndian: true);
            position += TopicIdLength;
        }

        if (!TryReadVarint(bytes, ref position, out var count) || count > (ulong)(bytes.Length - position) / 2)
        {
            return false;
        }

        var offsets = new Dictionary<int, long>((int)count);
        for (var i = 0UL; i < count; i++)
        {
            if (!TryReadVarint(bytes, ref position, out var partition) || partition > int.MaxValue
                || !TryReadVarint(bytes, ref position, out var offset) || offset > long.MaxValue
                || !offsets.TryAdd((int)partition, (long)offset))
            {
                return false;
            }
        }

        int? pageLimit = null;
        if (bytes[0] is VersionWithPageLimit or VersionWithTopicIdAndPageLimit)
        {
            if (!TryReadVarint(bytes, ref position, out var limit) || limit is 0 or > int.MaxValue)
            {
                return false;
            }

            pageLimit = (int)limit;
        }

        if (position != bytes.Length)
        {
            return false;
        }

        token = new ResumeToken(hash, offsets, pageLimit, topicId);
        return true;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static bool TryReadVarint(byte[] source, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= source.Length)
            {
                return false;
            }

            var b = source[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
