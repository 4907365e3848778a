using KafkaGateway.Http;
using KafkaGateway.Kafka;

namespace KafkaGateway.Tests.Kafka;

public sealed class ReservedTopicsTests
{
    [Theory]
    [InlineData("_schemas", true)]
    [InlineData("_confluent_schemas", true)]
    [InlineData("__consumer_offsets", true)]
    [InlineData("_confluent_schemas2", false)]
    [InlineData("_SCHEMAS", false)]
    [InlineData("sensors", false)]
    [InlineData(null, false)]
    public void IsReserved_RegistryTopicOtherRegistriesAndInternal(string? topic, bool reserved)
    {
        var topics = new ReservedTopics("_schemas", ["_confluent_schemas"]);

        Assert.Equal(reserved, topics.IsReserved(topic));
    }

    [Fact]
    public void IsReserved_NoOtherRegistries_OnlyTheOwnAndInternal()
    {
        var topics = new ReservedTopics("_schemas");

        Assert.True(topics.IsReserved("_schemas"));
        Assert.False(topics.IsReserved("_confluent_schemas"));
    }

    [Theory]
    [InlineData("_schemas", "SchemaRegistry:Topic")]
    [InlineData("_confluent_schemas", "SchemaRegistry:ReservedTopics")]
    [InlineData("__transaction_state", "Kafka's internal topics")]
    public void EnsureNotReserved_SaysWhichRuleReservesTheTopic(string topic, string reason)
    {
        var topics = new ReservedTopics("_schemas", ["_confluent_schemas"]);

        var refused = Assert.Throws<GatewayException>(() => topics.EnsureNotReserved(topic, "produce to"));

        Assert.Equal(GatewayErrors.ReservedTopic, refused.Error);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }
}
