using KafkaGateway.Schemas;
using System.Text;
using Confluent.Kafka;

namespace KafkaGateway.Streaming;

/// <summary>What a consumer hands to a subscriber: a record, a notice or a Kafka failure.</summary>
public abstract record StreamItem;

/// <summary>A record as consumed, not yet decoded; key and header texts are computed once for every subscriber's filter.</summary>
public sealed record ConsumedRecord(
    string Topic,
    int Partition,
    long Offset,
    long TimestampMs,
    string? KeyText,
    IReadOnlyList<KeyValuePair<string, string>> HeaderTexts,
    byte[]? Value,
    byte[]? ValueSchemaIdHeader = null) : StreamItem
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Fixed cost of one buffered record besides its bytes: the object, its strings' headers, the channel slot.</summary>
    private const int OverheadBytes = 160;

    /// <summary>
    /// What holding this record costs, for the byte bounds of subscriber buffers and browse pages: the value bytes,
    /// the key and header texts (UTF-16) and a fixed overhead. An estimate that errs on the high side.
    /// </summary>
    public long ApproximateBytes { get; } = OverheadBytes + (Value?.Length ?? 0) + (2L * (KeyText?.Length ?? 0))
        + HeaderTexts.Sum(h => 2L * (h.Key.Length + h.Value.Length) + 32);

    /// <summary>Copies what the gateway needs out of a Confluent consume result.</summary>
    public static ConsumedRecord From(ConsumeResult<byte[], byte[]> result)
    {
        var headers = result.Message.Headers is { Count: > 0 } h
            ? h.Select(header => KeyValuePair.Create(header.Key, Text(header.GetValueBytes()) ?? "")).ToArray()
            : [];
        return new ConsumedRecord(
            result.Topic,
            result.Partition.Value,
            result.Offset.Value,
            result.Message.Timestamp.UnixTimestampMs,
            Text(result.Message.Key),
            headers,
            result.Message.Value,
            // Confluent's 2.16 serializers may put the schema id (or GUID) here instead of before the value.
            result.Message.Headers is { Count: > 0 } withId
                && withId.TryGetLastBytes(ConfluentWireFormat.ValueSchemaIdHeader, out var schemaId) ? schemaId : null);
    }

    /// <summary>UTF-8 text of <paramref name="bytes"/>, or base64 when they are not valid UTF-8; null for null.</summary>
    public static string? Text(byte[]? bytes)
    {
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Convert.ToBase64String(bytes);
        }
    }
}

/// <summary>The stream resumed a partition elsewhere than asked (e.g. the data was deleted by retention).</summary>
public sealed record StreamNotice(string Reason, int Partition, long Requested, long ResumedAt) : StreamItem;

/// <summary>
/// The subscriber has been handed everything up to the end offsets its stream saw when it started
/// (<c>event: caught-up</c>). <paramref name="Positions"/> is the consumer's next offset per partition at that point:
/// every record before it was handed over or filtered out, so the resume token may move there.
/// </summary>
public sealed record CaughtUp(IReadOnlyDictionary<int, long> Positions, IReadOnlyDictionary<int, long> EndOffsets) : StreamItem;

/// <summary>Kafka could not be reached; the consumer keeps retrying.</summary>
public sealed record KafkaUnavailable(string Detail) : StreamItem;

/// <summary>Where a stream starts.</summary>
public abstract record StreamStart
{
    /// <summary>From the end of every partition: only new records (the default).</summary>
    public static readonly StreamStart Latest = new LatestStart();

    /// <summary>From the first retained record of every partition.</summary>
    public static readonly StreamStart Earliest = new EarliestStart();

    /// <summary>True for <see cref="Latest"/>: such streams share one consumer per topic.</summary>
    public bool IsLiveTail => this is LatestStart;

    private sealed record LatestStart : StreamStart;

    private sealed record EarliestStart : StreamStart;
}

/// <summary>From the first record at or after <paramref name="Time"/> (Kafka OffsetsForTimes).</summary>
public sealed record TimestampStart(DateTimeOffset Time) : StreamStart;

/// <summary>
/// From a resume token: the next offset of every partition it names; other partitions from earliest. With
/// <paramref name="TopicRecreated"/> (the token names another topic id than the topic has now: it was deleted and
/// created again) the token's offsets mean nothing in the new log: every partition starts at its earliest offset, and
/// each partition the token names gets a <c>topic_recreated</c> notice.
/// </summary>
public sealed record TokenStart(ResumeToken Token, bool TopicRecreated = false) : StreamStart;

/// <summary>
/// From a consumer group's committed offsets (read, never joined: no membership, nothing committed by the stream);
/// partitions without a committed offset start at <paramref name="Otherwise"/>, like <c>auto.offset.reset</c>.
/// </summary>
public sealed record GroupStart(string Group, StreamStart Otherwise) : StreamStart;

/// <summary>Which records a subscriber wants.</summary>
/// <param name="Partitions">Only these partitions, or all when null.</param>
/// <param name="Key">Only records whose key text is exactly this, or any when null.</param>
/// <param name="Headers">Only records carrying every one of these header name/value pairs.</param>
public sealed record StreamFilter(IReadOnlySet<int>? Partitions, string? Key, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>Everything.</summary>
    public static readonly StreamFilter None = new(null, null, []);

    /// <summary>True when <paramref name="record"/> passes the filter.</summary>
    public bool Matches(ConsumedRecord record)
    {
        if (Partitions is not null && !Partitions.Contains(record.Partition))
        {
            return false;
        }

        if (Key is not null && !string.Equals(Key, record.KeyText, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var (name, value) in Headers)
        {
            var found = false;
            foreach (var header in record.HeaderTexts)
            {
                if (string.Equals(header.Key, name, StringComparison.Ordinal) && string.Equals(header.Value, value, StringComparison.Ordinal))
                {
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}
