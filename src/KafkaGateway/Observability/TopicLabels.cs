using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Observability;

/// <summary>
/// Bounds the <c>topic</c> label: only topics that exist (were produced to or streamed successfully) get their own
/// series, and only the first <c>Observability:Metrics:MaxTopicLabels</c> of them; every other topic is
/// <see cref="GatewayTelemetry.OtherTopic"/>. Unknown names from clients therefore never create series.
/// </summary>
public sealed class TopicLabels(IOptions<ObservabilityOptions> options)
{
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private readonly int _max = options.Value.Metrics.MaxTopicLabels;

    /// <summary>The label for <paramref name="topic"/>; <paramref name="exists"/> admits it (while there is room).</summary>
    public string For(string topic, bool exists)
    {
        if (_known.ContainsKey(topic))
        {
            return topic;
        }

        if (exists && _known.Count < _max && _known.TryAdd(topic, 0))
        {
            return topic;
        }

        return GatewayTelemetry.OtherTopic;
    }
}
