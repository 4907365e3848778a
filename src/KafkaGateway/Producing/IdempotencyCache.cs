using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using KafkaGateway.Http;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// Remembers the answers of produce requests sent with an <c>Idempotency-Key</c>, per principal and topic, so that
/// a client following the retry advice never writes a record twice:
/// <list type="bullet">
/// <item>while the first attempt runs, a retry waits for its answer (at most
/// <see cref="ProducerOptions.IdempotencyInFlightWaitMilliseconds"/>, then 409 <c>idempotency_in_progress</c>);</item>
/// <item>every answer that says something was or may have been written (200, 504, 500 <c>partially_persisted</c>),
/// and every 4xx, is replayed for <see cref="ProducerOptions.IdempotencyWindowSeconds"/>;</item>
/// <item>a "nothing was written" 503 is replayed until its Retry-After has passed; a retry after that runs again,
/// which is safe because nothing was written.</item>
/// </list>
/// Entries are never dropped inside their window: when <see cref="ProducerOptions.MaxIdempotencyKilobytes"/> is
/// reached, requests with new keys answer 503 <c>idempotency_capacity</c>. The memory is per gateway instance (the
/// key also travels in a Kafka header so that consumers can de-duplicate across instances).
/// </summary>
public sealed partial class IdempotencyCache(IOptions<ProducerOptions> options, TimeProvider time, ILogger<IdempotencyCache> logger)
{
    /// <summary>Longest accepted key.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>Response header marking a replayed answer.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    // Dictionary node, entry object, task completion source, id string header and the answer's envelope: a
    // deliberate over-estimate, so the bound errs towards refusing early rather than using more than configured.
    private const int EntryOverheadBytes = 512;
    private const int ProducedRecordBytes = 56;
    private const int RecordOutcomeBytes = 96;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _bytes;
    private long _nextSweepTicks = long.MaxValue;
    private long _earliestExpiryTicks = long.MaxValue;
    private int _sweeping;

    /// <summary>Estimated bytes held by remembered answers and requests in flight.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Keys remembered or in flight.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The remembered answer for (<paramref name="principal"/>, <paramref name="topic"/>, <paramref name="key"/>),
    /// or the answer of <paramref name="produce"/>. A remembered failure is thrown again as a copy carrying the
    /// <see cref="ReplayedHeader"/> header.
    /// </summary>
    public async Task<(ProduceResponse Response, bool Replayed)> GetOrProduceAsync(
        string principal, string topic, string key, JsonElement body, Func<Task<ProduceResponse>> produce, CancellationToken cancellationToken)
    {
        if (key.Length > MaxKeyLength)
        {
            throw new GatewayException(GatewayErrors.InvalidIdempotencyKey,
                $"An Idempotency-Key has at most {MaxKeyLength} characters.");
        }

        var settings = options.Value;
        var window = TimeSpan.FromSeconds(settings.IdempotencyWindowSeconds);
        if (window == TimeSpan.Zero)
        {
            return (await produce(), false);
        }

        // Another principal's key of the same name is another key: it can neither replay nor block this one.
        var id = string.Concat(principal, "\n", topic, "\n", key);
        var fingerprint = Fingerprint(body);
        while (true)
        {
            var now = time.GetUtcNow();
            if (_entries.TryGetValue(id, out var existing))
            {
                if (existing.IsExpired(now))
                {
                    Forget(id, existing);
                    continue;
                }

                if (!existing.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    throw new GatewayException(GatewayErrors.IdempotencyKeyReused,
                        $"The Idempotency-Key was used for a different request to '{topic}' within the last {window.TotalSeconds:0} s.");
                }

                Answer answer;
                try
                {
                    answer = await existing.Answer.Task.WaitAsync(TimeSpan.FromMilliseconds(settings.IdempotencyInFlightWaitMilliseconds), time, cancellationToken);
                }
                catch (TimeoutException)
                {
                    throw new GatewayException(GatewayErrors.IdempotencyInProgress,
                        "The first request with this Idempotency-Key has no answer yet; retry with the same key to get it.")
                    {
                        RetryAfterSeconds = 1,
                    };
                }
                catch (Exception) when (existing.Answer.Task.IsFaulted)
                {
                    // The first attempt failed before anything reached Kafka and was forgotten: this one may write.
                    continue;
                }

                if (answer.RetryAt is { } retryAt && now >= retryAt)
                {
                    // Nothing was written and the Retry-After has passed: this retry is a new attempt under the same key.
                    var again = NewEntry(id, fingerprint, body);
                    Interlocked.Add(ref _bytes, again.Bytes);
                    if (!_entries.TryUpdate(id, again, existing))
                    {
                        Release(again);
                        continue;
                    }

                    Release(existing);
                    return await RunAsync(id, again, produce, window);
                }

                if (answer.Response is { } remembered)
                {
                    return (remembered, true);
                }

                throw Replay(answer.Failure!, answer.RetryAt, now);
            }

            Sweep(now);
            var entry = NewEntry(id, fingerprint, body);
            if (Interlocked.Add(ref _bytes, entry.Bytes) > settings.MaxIdempotencyKilobytes * 1024L)
            {
                Release(entry);
                throw CapacityReached(now);
            }

            if (!_entries.TryAdd(id, entry))
            {
                Release(entry);
                continue;
            }

            return await RunAsync(id, entry, produce, window);
        }
    }

    private async Task<(ProduceResponse, bool)> RunAsync(string id, Entry entry, Func<Task<ProduceResponse>> produce, TimeSpan window)
    {
        ProduceResponse response;
        try
        {
            response = await produce();
        }
        catch (GatewayException ex)
        {
            // Every produce-path answer is definite about what it says, including "may have been written" and
            // "only some were written": remembered, so a retry learns the same instead of writing again.
            Complete(entry, new Answer(null, ex, ex.StatusCode == StatusCodes.Status503ServiceUnavailable
                ? time.GetUtcNow().AddSeconds(Math.Max(1, ex.RetryAfterSeconds ?? 1))
                : null), window);
            throw;
        }
        catch (Exception ex)
        {
            // Registry outages, an aborted request: raised before any record reached Kafka, so forgetting is safe
            // and the next attempt with this key may write.
            Forget(id, entry);
            entry.Answer.TrySetException(ex);
            throw;
        }

        Complete(entry, new Answer(response, null, null), window);
        return (response, false);
    }

    private void Complete(Entry entry, Answer answer, TimeSpan window)
    {
        var size = SizeOf(answer);
        Interlocked.Add(ref _bytes, size - entry.AnswerBytes);
        entry.AnswerBytes = size;
        var expires = time.GetUtcNow() + window;
        entry.Expires = expires;
        InterlockedMin(ref _earliestExpiryTicks, expires.UtcTicks);
        InterlockedMin(ref _nextSweepTicks, expires.UtcTicks);
        entry.Answer.TrySetResult(answer);
    }

    private Entry NewEntry(string id, byte[] fingerprint, JsonElement body)
    {
        // Reserve what the answer can take at most, from the body's size: every record is at least ~12 bytes of
        // JSON. Corrected to the real size when the answer is known.
        var maxRecords = Math.Min(options.Value.MaxRecordsPerRequest, (JsonMarshal.GetRawUtf8Value(body).Length / 12) + 1);
        var reserved = (long)maxRecords * ProducedRecordBytes;
        return new Entry(fingerprint, EntryOverheadBytes + (id.Length * 2L), reserved);
    }

    private static long SizeOf(Answer answer)
    {
        if (answer.Response is { } response)
        {
            return (response.Records.Length * (long)ProducedRecordBytes) + (response.Topic.Length * 2L);
        }

        var failure = answer.Failure!;
        long size = (failure.Message.Length + failure.Title.Length + failure.Code.Length) * 2L;
        if (failure.Extensions.TryGetValue("records", out var records) && records is IReadOnlyList<RecordOutcome> outcomes)
        {
            string? previous = null;
            foreach (var outcome in outcomes)
            {
                size += RecordOutcomeBytes;
                if (outcome.Reason is { } reason && !ReferenceEquals(reason, previous))
                {
                    size += reason.Length * 2L;
                    previous = reason;
                }
            }
        }

        return size;
    }

    /// <summary>A copy of the remembered failure (one exception object is never thrown by two requests at once).</summary>
    private static GatewayException Replay(GatewayException original, DateTimeOffset? retryAt, DateTimeOffset now)
    {
        var copy = new GatewayException(original.Error, original.Message)
        {
            RetryAfterSeconds = retryAt is { } at
                ? Math.Max(1, (int)Math.Ceiling((at - now).TotalSeconds))
                : original.RetryAfterSeconds,
            Headers = { [ReplayedHeader] = "true" },
        };
        foreach (var (name, value) in original.Extensions)
        {
            copy.Extensions[name] = value;
        }

        return copy;
    }

    private GatewayException CapacityReached(DateTimeOffset now)
    {
        var earliest = Interlocked.Read(ref _earliestExpiryTicks);
        var seconds = earliest == long.MaxValue ? 1 : Math.Max(1, (int)Math.Ceiling(TimeSpan.FromTicks(earliest - now.UtcTicks).TotalSeconds));
        LogCapacity(logger, _entries.Count, Interlocked.Read(ref _bytes));
        return new GatewayException(GatewayErrors.IdempotencyCapacity,
            $"The gateway remembers {_entries.Count} Idempotency-Keys (Producer:MaxIdempotencyKilobytes) and forgets none before its window ends; " +
            "nothing was written. Retry after Retry-After, or send without an Idempotency-Key.")
        {
            RetryAfterSeconds = Math.Min(seconds, options.Value.IdempotencyWindowSeconds),
        };
    }

    /// <summary>
    /// Drops answers whose window ended. At most once a second, and only when some entry's window can have ended,
    /// so a gateway at its bound does not scan every entry for every refused key.
    /// </summary>
    private void Sweep(DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        if (nowTicks < Interlocked.Read(ref _nextSweepTicks))
        {
            return;
        }

        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var earliest = long.MaxValue;
            foreach (var (id, entry) in _entries)
            {
                if (entry.IsExpired(now))
                {
                    Forget(id, entry);
                }
                else if (entry.Answer.Task.IsCompleted)
                {
                    earliest = Math.Min(earliest, entry.Expires.UtcTicks);
                }
            }

            Interlocked.Exchange(ref _earliestExpiryTicks, earliest);
            Interlocked.Exchange(ref _nextSweepTicks, Math.Max(earliest, nowTicks + TimeSpan.TicksPerSecond));
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void Forget(string id, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(id, entry)))
        {
            Release(entry);
        }
    }

    private void Release(Entry entry) => Interlocked.Add(ref _bytes, -entry.Bytes);

    private static void InterlockedMin(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static byte[] Fingerprint(JsonElement body)
    {
        // The body's bytes as sent (no string copy of a large batch): the same key with another body is refused.
        var raw = JsonMarshal.GetRawUtf8Value(body);
        return SHA256.HashData(raw);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency memory full ({Entries} keys, ~{Bytes} bytes): requests with new keys answer 503 idempotency_capacity")]
    private static partial void LogCapacity(ILogger logger, int entries, long bytes);

    /// <summary>An answer: the response, or the failure that was answered; <c>RetryAt</c> when it wrote nothing.</summary>
    private sealed record Answer(ProduceResponse? Response, GatewayException? Failure, DateTimeOffset? RetryAt);

    private sealed class Entry(byte[] fingerprint, long keyBytes, long answerBytes)
    {
        public byte[] Fingerprint { get; } = fingerprint;

        public TaskCompletionSource<Answer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long KeyBytes { get; } = keyBytes;

        /// <summary>Reserved while in flight, the answer's estimated size after.</summary>
        public long AnswerBytes { get; set; } = answerBytes;

        public long Bytes => KeyBytes + AnswerBytes;

        /// <summary>An entry in flight never expires; its window starts with its answer.</summary>
        public DateTimeOffset Expires { get; set; } = DateTimeOffset.MaxValue;

        public bool IsExpired(DateTimeOffset now) => Answer.Task.IsCompleted && Expires <= now;
    }
}
