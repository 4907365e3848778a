using KafkaGateway.Admin;
using KafkaGateway.Kafka;

namespace KafkaGateway.Tests.Admin;

public sealed class AdminValidationTests
{
    private readonly CreateTopicRequestValidator _create = new();

    [Theory]
    [InlineData("orders")]
    [InlineData("Orders-2026")]
    [InlineData("billing.events")]
    [InlineData("billing_events")]
    [InlineData("...")]
    [InlineData("a")]
    public void Violation_LegalName_IsNull(string name) => Assert.Null(TopicNameRules.Violation(name));

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData(".", "not a legal")]
    [InlineData("..", "not a legal")]
    [InlineData("with space", "' '")]
    [InlineData("slash/name", "'/'")]
    [InlineData("ünicode", "'ü'")]
    [InlineData("colon:x", "':'")]
    public void Violation_IllegalName_SaysWhy(string? name, string expected) =>
        Assert.Contains(expected, TopicNameRules.Violation(name), StringComparison.Ordinal);

    [Fact]
    public void Violation_LengthLimit_249AllowedAnd250Refused()
    {
        Assert.Null(TopicNameRules.Violation(new string('a', 249)));
        Assert.Contains("at most 249", TopicNameRules.Violation(new string('a', 250)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.b", "a_b")]
    [InlineData("a_b", "a.b")]
    public void Warnings_DotOrUnderscore_NamesTheCollidingName(string name, string colliding) =>
        Assert.Contains($"'{colliding}'", Assert.Single(TopicNameRules.Warnings(name)), StringComparison.Ordinal);

    [Fact]
    public void Warnings_PlainName_None() => Assert.Empty(TopicNameRules.Warnings("orders-v2"));

    [Theory]
    [InlineData("retention.msec", "retention.ms")]
    [InlineData("cleanup_policy", "cleanup.policy")]
    [InlineData("Min.Insync.Replicas", "min.insync.replicas")]
    [InlineData("segment-bytes", "segment.bytes")]
    public void Closest_Misspelt_SuggestsKnownName(string name, string expected) => Assert.Equal(expected, TopicConfigNames.Closest(name));

    [Fact]
    public void Closest_Unrelated_None() => Assert.Null(TopicConfigNames.Closest("zzzzzzzzzzzzzzzzzzzzzzzzzz"));

    [Theory]
    [InlineData("cleanup.policy")]
    [InlineData("retention.ms")]
    [InlineData("retention.bytes")]
    [InlineData("segment.bytes")]
    [InlineData("min.insync.replicas")]
    [InlineData("compression.type")]
    [InlineData("max.message.bytes")]
    [InlineData("message.timestamp.type")]
    public void IsKnown_DocumentedTopicConfig_True(string name) => Assert.True(TopicConfigNames.IsKnown(name));

    [Fact]
    public void IsKnown_BrokerOnlyConfig_False() => Assert.False(TopicConfigNames.IsKnown("log.retention.hours"));

    [Theory]
    [InlineData(1, -1, true)]
    [InlineData(1, 1, true)]
    [InlineData(100, 3, true)]
    [InlineData(0, 1, false)]
    [InlineData(-1, 1, false)]
    [InlineData(1, 0, false)]
    [InlineData(1, -2, false)]
    [InlineData(1, 40000, false)]
    public void CreateTopic_PartitionsAndReplicationFactor_ValidatedByKafkaRules(int partitions, int replicationFactor, bool valid) =>
        Assert.Equal(valid, _create.Validate(new CreateTopicRequest("orders", partitions, replicationFactor)).IsValid);

    [Fact]
    public void CreateTopic_UnknownConfig_FailsWithSuggestion()
    {
        var result = _create.Validate(new CreateTopicRequest("orders", Configs: new() { ["retention.msec"] = "1" }));

        var failure = Assert.Single(result.Errors);
        Assert.StartsWith("configs", failure.PropertyName, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'retention.ms'", failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTopic_KnownConfigs_Valid() =>
        Assert.True(_create.Validate(new CreateTopicRequest("orders", 3, 3, new() { ["cleanup.policy"] = "compact", ["min.insync.replicas"] = "2" })).IsValid);

    [Fact]
    public void AlterConfigs_Empty_Fails() => Assert.False(new AlterTopicConfigsRequestValidator().Validate(new AlterTopicConfigsRequest()).IsValid);

    [Fact]
    public void AlterConfigs_SetAndDeleteSameName_Fails() =>
        Assert.False(new AlterTopicConfigsRequestValidator().Validate(
            new AlterTopicConfigsRequest(new() { ["retention.ms"] = "1" }, ["retention.ms"])).IsValid);

    [Fact]
    public void AlterConfigs_UnknownDelete_Fails() =>
        Assert.False(new AlterTopicConfigsRequestValidator().Validate(new AlterTopicConfigsRequest(Delete: ["retention"])).IsValid);

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void CreatePartitions_Count_AtLeastOne(int count, bool valid) =>
        Assert.Equal(valid, new CreatePartitionsRequestValidator().Validate(new CreatePartitionsRequest(count)).IsValid);
}
