using System.Collections.Concurrent;
using Confluent.Kafka;

namespace KafkaGateway.Kafka;

/// <summary>
/// The latest error each of the gateway's Kafka clients reported. librdkafka reports a failed TLS handshake or an
/// unreachable broker through the client's error callback, while a request only sees "timed out"; readiness and
/// error answers quote the recorded cause so that operators read "certificate verify failed", not just a timeout.
/// </summary>
public sealed class KafkaClientErrors(TimeProvider time)
{
    private static readonly TimeSpan s_relevance = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, (Error Error, DateTimeOffset At)> _latest = new(StringComparer.Ordinal);

    /// <summary>An error handler for a client builder that records into this object.</summary>
    public Action<T, Error> Handler<T>(string client) => (_, error) => Record(client, error);

    /// <summary>Records <paramref name="error"/> as the latest of <paramref name="client"/>.</summary>
    public void Record(string client, Error error)
    {
        var now = time.GetUtcNow();
        // "3/3 brokers are down" follows the error that says why (e.g. "SSL connection closed by peer"): keep the why.
        if (error.Code == ErrorCode.Local_AllBrokersDown && _latest.TryGetValue(client, out var previous)
            && previous.Error.Code != ErrorCode.Local_AllBrokersDown && now - previous.At < s_relevance)
        {
            return;
        }

        _latest[client] = (error, now);
    }

    /// <summary>The most recent error of any client within the last two minutes, or null.</summary>
    public Error? Recent()
    {
        var cutoff = time.GetUtcNow() - s_relevance;
        return _latest.Values.Where(e => e.At >= cutoff).OrderByDescending(e => e.At).Select(e => e.Error).FirstOrDefault();
    }
}
