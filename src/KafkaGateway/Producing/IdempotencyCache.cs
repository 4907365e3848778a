using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KafkaGateway.Http;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// Remembers the answers of produce requests sent with an <c>Idempotency-Key</c> for
/// <see cref="ProducerOptions.IdempotencyWindowSeconds"/>: a retry with the same key and body gets the first answer
/// instead of writing again; a concurrent retry waits for the first attempt. Failed attempts are forgotten, so a
/// retry after a 503 writes. The memory is per gateway instance (the key also travels in a Kafka header so that
/// consumers can de-duplicate across instances).
/// </summary>
public sealed class IdempotencyCache(IOptions<ProducerOptions> options, TimeProvider time)
{
    /// <summary>Longest accepted key.</summary>
    public const int MaxKeyLength = 255;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _insertions;

    /// <summary>The remembered answer for (<paramref name="topic"/>, <paramref name="key"/>), or the answer of <paramref name="produce"/>.</summary>
    public async Task<(ProduceResponse Response, bool Replayed)> GetOrProduceAsync(
        string topic, string key, JsonElement body, Func<Task<ProduceResponse>> produce)
    {
        if (key.Length > MaxKeyLength)
        {
            throw new GatewayException(StatusCodes.Status400BadRequest, "invalid_idempotency_key", "Idempotency-Key too long",
                $"An Idempotency-Key has at most {MaxKeyLength} characters.");
        }

        var window = TimeSpan.FromSeconds(options.Value.IdempotencyWindowSeconds);
        if (window == TimeSpan.Zero)
        {
            return (await produce(), false);
        }

        var id = topic + "\n" + key;
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.GetRawText())));
        while (true)
        {
            var now = time.GetUtcNow();
            if (_entries.TryGetValue(id, out var existing) && existing.Expires > now)
            {
                if (existing.Fingerprint != fingerprint)
                {
                    throw new GatewayException(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                        "Idempotency-Key reused with a different request",
                        $"The Idempotency-Key was used for a different request to '{topic}' within the last {window.TotalSeconds:0} s.");
                }

                try
                {
                    return (await existing.Answer.Task, true);
                }
                catch
                {
                    // The first attempt failed: this retry may write.
                    _entries.TryRemove(new KeyValuePair<string, Entry>(id, existing));
                    continue;
                }
            }

            var entry = new Entry(fingerprint, now + window, new TaskCompletionSource<ProduceResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (existing is not null ? !_entries.TryUpdate(id, entry, existing) : !_entries.TryAdd(id, entry))
            {
                continue;
            }

            Prune(now);
            try
            {
                var response = await produce();
                entry.Answer.SetResult(response);
                return (response, false);
            }
            catch (Exception ex)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
                entry.Answer.SetException(ex);
                throw;
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        if (Interlocked.Increment(ref _insertions) % 1024 != 0 && _entries.Count <= options.Value.MaxIdempotencyKeys)
        {
            return;
        }

        foreach (var (id, entry) in _entries)
        {
            if (entry.Expires <= now)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
            }
        }

        // Still over the bound (a burst of distinct keys): forget the oldest half rather than grow without limit.
        if (_entries.Count > options.Value.MaxIdempotencyKeys)
        {
            foreach (var (id, entry) in _entries.OrderBy(e => e.Value.Expires).Take(_entries.Count / 2).ToList())
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
            }
        }
    }

    private sealed record Entry(string Fingerprint, DateTimeOffset Expires, TaskCompletionSource<ProduceResponse> Answer);
}
