using System.Diagnostics.Metrics;
using KafkaGateway.Observability;
using T = KafkaGateway.Observability.GatewayTelemetry.Streaming;

namespace KafkaGateway.Streaming;

/// <summary>
/// The streaming feature's instruments (Meter <c>KafkaGateway.Streaming</c>): streams open now, events sent and
/// subscribers dropped on overflow, by <c>topic</c> (bounded by <see cref="TopicLabels"/>; a stream that opened
/// proves its topic exists).
/// </summary>
public sealed class StreamingMetrics
{
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _events;
    private readonly Counter<long> _overflows;
    private readonly TopicLabels _topics;

    public StreamingMetrics(IMeterFactory meters, TopicLabels topics)
    {
        _topics = topics;
        var meter = meters.Create(GatewayTelemetry.StreamingMeter);
        _open = meter.CreateUpDownCounter<long>(T.OpenStreams, "{stream}", "Event streams open now, by topic.");
        _events = meter.CreateCounter<long>(T.EventsSent, "{event}", "Record, error, notice and caught-up events sent to stream clients, by topic.");
        _overflows = meter.CreateCounter<long>(T.Overflows, "{stream}", "Streams ended because the subscriber's buffer overflowed, by topic.");
    }

    /// <summary>A stream of <paramref name="topic"/> answered 200; returns the label its later measurements use.</summary>
    public string Opened(string topic)
    {
        var label = _topics.For(topic, exists: true);
        _open.Add(1, new KeyValuePair<string, object?>("topic", label));
        return label;
    }

    /// <summary>The stream labelled <paramref name="label"/> ended (for whatever reason).</summary>
    public void Closed(string label) => _open.Add(-1, new KeyValuePair<string, object?>("topic", label));

    /// <summary><paramref name="count"/> events were written to the stream labelled <paramref name="label"/>.</summary>
    public void EventsSent(string label, int count)
    {
        if (count > 0)
        {
            _events.Add(count, new KeyValuePair<string, object?>("topic", label));
        }
    }

    /// <summary>The stream labelled <paramref name="label"/> overflowed and was dropped.</summary>
    public void Overflowed(string label) => _overflows.Add(1, new KeyValuePair<string, object?>("topic", label));
}
