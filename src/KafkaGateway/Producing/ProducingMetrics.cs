using System.Diagnostics.Metrics;
using KafkaGateway.Observability;
using T = KafkaGateway.Observability.GatewayTelemetry.Producing;

namespace KafkaGateway.Producing;

/// <summary>
/// The produce path's instruments (Meter <c>KafkaGateway.Producing</c>): records, bytes, delivery latency and
/// errors by topic and outcome, plus the producer pool's size and librdkafka statistics as gauges.
/// </summary>
public sealed class ProducingMetrics
{
    private readonly Counter<long> _records;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _errors;
    private readonly TopicLabels _topics;

    public ProducingMetrics(IMeterFactory meters, ProducerPool pool, TopicLabels topics)
    {
        _topics = topics;
        var meter = meters.Create(GatewayTelemetry.ProducingMeter);
        _records = meter.CreateCounter<long>(T.Records, "{record}", "Records handed to Kafka, by topic and outcome.");
        _bytes = meter.CreateCounter<long>(T.Bytes, "By", "Key and value bytes of persisted records, by topic.");
        _deliveryDuration = meter.CreateHistogram<double>(T.DeliveryDuration, "s", "From queueing a request's records to their last delivery report, by topic and outcome.");
        _errors = meter.CreateCounter<long>(T.Errors, "{record}", "Records Kafka did not persist, by topic and error code.");
        meter.CreateObservableGauge(T.PoolSize, () => pool.Count, "{producer}", "Producers in the pool.");
        meter.CreateObservableGauge(T.QueuedMessages, () => pool.Statistics().Select(s =>
            new Measurement<long>(s.QueuedMessages, new KeyValuePair<string, object?>("identity", s.Identity))), "{message}",
            "Messages in librdkafka's queue (msg_cnt), by identity.");
        meter.CreateObservableGauge(T.BrokerOutbufRequests, () => Brokers(pool, b => b.OutbufRequests), "{request}", "Requests waiting to be sent, by identity and broker.");
        meter.CreateObservableGauge(T.BrokerInFlightRequests, () => Brokers(pool, b => b.InFlightRequests), "{request}", "Requests awaiting a response, by identity and broker.");
        meter.CreateObservableGauge(T.BrokerRtt, () => pool.Statistics().SelectMany(s => s.Brokers.Select(b =>
            new Measurement<double>(b.RttAverageSeconds, new("identity", s.Identity), new("broker", b.Name)))), "s", "Average broker round-trip time, by identity and broker.");
    }

    /// <summary>Records one request's deliveries.</summary>
    /// <summary>Every record of a request persisted (the common case: no per-record outcomes to group).</summary>
    public void DeliveredAll(string topic, int persisted, long persistedBytes, TimeSpan duration)
    {
        var label = _topics.For(topic, exists: true);
        _records.Add(persisted, new("topic", label), new("outcome", "persisted"));
        _bytes.Add(persistedBytes, new KeyValuePair<string, object?>("topic", label));
        _deliveryDuration.Record(duration.TotalSeconds, new("topic", label), new("outcome", "persisted"));
    }

    public void Delivered(string topic, string outcome, int persisted, long persistedBytes, IEnumerable<(string Outcome, string? Code)> records, TimeSpan duration)
    {
        var label = _topics.For(topic, exists: persisted > 0);
        foreach (var group in records.GroupBy(r => r.Outcome, StringComparer.Ordinal))
        {
            _records.Add(group.Count(), new("topic", label), new("outcome", group.Key));
        }

        foreach (var group in records.Where(r => r.Code is not null).GroupBy(r => r.Code, StringComparer.Ordinal))
        {
            _errors.Add(group.Count(), new("topic", label), new("code", group.Key));
        }

        if (persistedBytes > 0)
        {
            _bytes.Add(persistedBytes, new KeyValuePair<string, object?>("topic", label));
        }

        _deliveryDuration.Record(duration.TotalSeconds, new("topic", label), new("outcome", outcome));
    }

    private static IEnumerable<Measurement<long>> Brokers(ProducerPool pool, Func<BrokerStatistics, long> value) =>
        pool.Statistics().SelectMany(s => s.Brokers.Select(b => new Measurement<long>(value(b), new("identity", s.Identity), new("broker", b.Name))));
}

/// <summary>The last librdkafka statistics of one pooled producer.</summary>
/// <param name="Identity">The producer's Kafka identity.</param>
/// <param name="QueuedMessages">msg_cnt.</param>
/// <param name="Brokers">Per-broker figures (bootstrap-only entries excluded).</param>
public sealed record ProducerStatistics(string Identity, long QueuedMessages, IReadOnlyList<BrokerStatistics> Brokers);

/// <summary>One broker in librdkafka statistics.</summary>
/// <param name="Name">The broker's node id.</param>
/// <param name="OutbufRequests">outbuf_cnt.</param>
/// <param name="InFlightRequests">waitresp_cnt.</param>
/// <param name="RttAverageSeconds">rtt.avg (librdkafka reports microseconds).</param>
public sealed record BrokerStatistics(string Name, long OutbufRequests, long InFlightRequests, double RttAverageSeconds);
