using KafkaGateway.Admin;
using KafkaGateway.Http;

namespace KafkaGateway.Kafka;

/// <summary>Rejects illegal topic names in routes before anything reaches Kafka.</summary>
public static class TopicNames
{
    /// <summary>Throws a 400 ProblemDetails when <paramref name="topic"/> is not a legal topic name (<see cref="TopicNameRules"/>).</summary>
    public static void EnsureValid(string topic)
    {
        if (TopicNameRules.Violation(topic) is { } problem)
        {
            throw new GatewayException(GatewayErrors.InvalidTopicName, problem);
        }
    }
}
