using System.Diagnostics;

namespace KafkaGateway.Observability;

/// <summary>
/// The names every feature's metrics and traces use, in one place so they stay consistent across features and
/// with the exporters' registrations (a Meter not listed in <see cref="MeterNames"/> is not exported).
/// </summary>
public static class GatewayTelemetry
{
    /// <summary>The gateway's ActivitySource: HTTP -> serialize -> produce spans.</summary>
    public const string ActivitySourceName = "KafkaGateway";

    /// <summary>Meter of the produce path.</summary>
    public const string ProducingMeter = "KafkaGateway.Producing";

    /// <summary>Meter of topic streams (instrument names in <see cref="Streaming"/>).</summary>
    public const string StreamingMeter = "KafkaGateway.Streaming";

    /// <summary>Meter of the schema registry client cache (<c>kafkagateway.schema_cache.hits</c>/<c>.misses</c>).</summary>
    public const string SchemasMeter = "KafkaGateway.Schemas";

    /// <summary>Every gateway meter the exporters listen to.</summary>
    public static readonly string[] MeterNames = [ProducingMeter, StreamingMeter, SchemasMeter];

    /// <summary>The gateway's ActivitySource.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>The Kafka record header carrying the W3C trace context of the produce span.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The Kafka record header carrying W3C trace state, when there is any.</summary>
    public const string TraceStateHeader = "tracestate";

    /// <summary>Label value standing for every topic beyond <c>Observability:Metrics:MaxTopicLabels</c>.</summary>
    public const string OtherTopic = "_other";

    /// <summary>Produce path instruments (Meter <see cref="ProducingMeter"/>).</summary>
    public static class Producing
    {
        /// <summary>Counter, records by <c>topic</c> and <c>outcome</c> (persisted, possibly_persisted, not_persisted).</summary>
        public const string Records = "kafkagateway.produce.records";

        /// <summary>Counter, key+value bytes of persisted records by <c>topic</c>.</summary>
        public const string Bytes = "kafkagateway.produce.bytes";

        /// <summary>Histogram (s), from handing a request's records to the producer to the last delivery report, by <c>topic</c> and <c>outcome</c>.</summary>
        public const string DeliveryDuration = "kafkagateway.produce.delivery.duration";

        /// <summary>Counter, failed records by <c>topic</c> and Kafka error <c>code</c>.</summary>
        public const string Errors = "kafkagateway.produce.errors";

        /// <summary>Gauge, producers alive in the pool.</summary>
        public const string PoolSize = "kafkagateway.producer.pool.size";

        /// <summary>Gauge, messages queued in librdkafka (statistics <c>msg_cnt</c>) by <c>identity</c>.</summary>
        public const string QueuedMessages = "kafkagateway.producer.queue.messages";

        /// <summary>Gauge, requests waiting to be sent (<c>outbuf_cnt</c>) by <c>identity</c> and <c>broker</c>.</summary>
        public const string BrokerOutbufRequests = "kafkagateway.producer.broker.outbuf.requests";

        /// <summary>Gauge, requests in flight awaiting a response (<c>waitresp_cnt</c>) by <c>identity</c> and <c>broker</c>.</summary>
        public const string BrokerInFlightRequests = "kafkagateway.producer.broker.inflight.requests";

        /// <summary>Gauge (s), average broker round-trip time (<c>rtt.avg</c>) by <c>identity</c> and <c>broker</c>.</summary>
        public const string BrokerRtt = "kafkagateway.producer.broker.rtt";
    }

    /// <summary>
    /// Stream instruments, emitted by <c>Streaming.StreamingMetrics</c> (Meter <see cref="StreamingMeter"/>); label
    /// <c>topic</c> through <see cref="TopicLabels"/>.
    /// </summary>
    public static class Streaming
    {
        /// <summary>UpDownCounter, streams open now, by <c>topic</c>.</summary>
        public const string OpenStreams = "kafkagateway.stream.open";

        /// <summary>Counter, events sent to clients, by <c>topic</c>.</summary>
        public const string EventsSent = "kafkagateway.stream.events";

        /// <summary>Counter, subscribers dropped because their buffer overflowed, by <c>topic</c>.</summary>
        public const string Overflows = "kafkagateway.stream.overflows";
    }
}
