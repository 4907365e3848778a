using KafkaGateway.Http;

namespace KafkaGateway.Kafka;

/// <summary>
/// Topics no request may write to or damage, whatever <c>Security:Authorization:Rules</c> grant: the schema
/// registry's topic (<c>SchemaRegistry:Topic</c>; a forged record there is loaded by every gateway on the cluster),
/// the topics of other registries on the same cluster (<c>SchemaRegistry:ReservedTopics</c>: another gateway's
/// built-in registry, a Confluent Schema Registry's <c>kafkastore.topic</c>) and Kafka's internal topics (every name
/// starting with <c>__</c>: consumer offsets, transaction state, ...).
/// </summary>
/// <param name="registryTopic">The registry topic, supplied by the schema registry feature that owns the setting.</param>
/// <param name="otherRegistryTopics">Other registries' topics on the cluster (<c>SchemaRegistry:ReservedTopics</c>).</param>
public sealed class ReservedTopics(string registryTopic, IReadOnlyCollection<string>? otherRegistryTopics = null)
{
    private readonly HashSet<string> _registryTopics = new(otherRegistryTopics ?? [], StringComparer.Ordinal) { registryTopic };

    /// <summary>The schema registry's topic.</summary>
    public string RegistryTopic { get; } = registryTopic;

    /// <summary>Whether <paramref name="topic"/> is reserved.</summary>
    public bool IsReserved(string? topic) =>
        topic is not null && (topic.StartsWith("__", StringComparison.Ordinal) || _registryTopics.Contains(topic));

    /// <summary>Throws 403 <c>reserved_topic</c> when <paramref name="topic"/> is reserved.</summary>
    /// <param name="topic">The topic of the request.</param>
    /// <param name="operation">What was asked, for the message (e.g. "produce to").</param>
    public void EnsureNotReserved(string? topic, string operation)
    {
        if (IsReserved(topic))
        {
            var why = topic!.StartsWith("__", StringComparison.Ordinal)
                ? "names starting with '__' are Kafka's internal topics"
                : string.Equals(topic, RegistryTopic, StringComparison.Ordinal)
                    ? "it holds the schema registry (SchemaRegistry:Topic); change schemas through /registry"
                    : "it holds another schema registry on this cluster (SchemaRegistry:ReservedTopics)";
            throw new GatewayException(GatewayErrors.ReservedTopic,
                $"The gateway does not {operation} topic '{topic}': {why}. No rule can grant this.");
        }
    }
}
