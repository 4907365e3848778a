using KafkaGateway.Hosting;
using Microsoft.Extensions.Configuration;

namespace KafkaGateway.Tests.Hosting;

public sealed class GatewaySettingsTests
{
    [Theory]
    [InlineData("Producer:LingerMs", "Producer:LingerMilliseconds")]
    [InlineData("producer:messagetimeoutms", "Producer:MessageTimeoutMilliseconds")]
    [InlineData("Producer:DeliveryTimeoutMs", "Producer:DeliveryTimeoutMilliseconds")]
    [InlineData("Producer:StatisticsIntervalMs", "Producer:StatisticsIntervalMilliseconds")]
    [InlineData("Producer:IdempotencyInFlightWaitMs", "Producer:IdempotencyInFlightWaitMilliseconds")]
    public void Problem_RenamedKey_NamesTheReplacement(string key, string replacement)
    {
        var problem = GatewaySettings.Problem(key);

        Assert.NotNull(problem);
        Assert.Contains($"was renamed to {replacement}", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Producer:LingerMilisecond", "Producer:LingerMilliseconds")]
    [InlineData("Kafka:BootstrapServer", "Kafka:BootstrapServers")]
    [InlineData("Kafka:Tls:KeystoreLocaton", "Kafka:Tls:KeyStoreLocation")]
    [InlineData("Security:Limits:MaxRequestBodySize", "Security:Limits:MaxRequestBodyBytes")]
    [InlineData("SchemaRegistry:Urls", "SchemaRegistry:Url")]
    public void Problem_Typo_SuggestsTheClosestKey(string key, string suggestion)
    {
        var problem = GatewaySettings.Problem(key);

        Assert.NotNull(problem);
        Assert.StartsWith($"{key} is not a setting (did you mean {suggestion}?)", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Kafka:BootstrapServers")]
    [InlineData("kafka:tls:calocation")]
    [InlineData("Kafka:Properties:socket.keepalive.enable")]
    [InlineData("Kafka:Identities:apikey.alice:KeyStoreLocation")]
    [InlineData("Gateway:TopicFormats:Default")]
    [InlineData("Gateway:TopicFormats:Topics:audit-log")]
    [InlineData("SchemaRegistry:Topic")]
    [InlineData("SchemaRegistry:Tls:TrustStorePassword")]
    [InlineData("Security:Authentication:ApiKeys:3:Roles:0")]
    [InlineData("Security:Authorization:Endpoints:Topics.CreateTopic")]
    [InlineData("Observability:Tracing:OtlpProtocol")]
    [InlineData("Producer:IdempotencyInFlightWaitMilliseconds")]
    public void Problem_ExistingKey_IsNull(string key)
    {
        Assert.Null(GatewaySettings.Problem(key));
    }

    [Theory]
    [InlineData("Kafka:Tls", "names a section")]
    [InlineData("Kafka:Identities:apikey.alice", "names a section")]
    [InlineData("Producer:LingerMilliseconds:Extra", "is a value, not a section")]
    [InlineData("Security:Authentication:ApiKeys:Name", "is a list")]
    [InlineData("Kafka:UsesEmbeddedCluster", "is not a setting")] // computed, not bound
    public void Problem_MisplacedKey_SaysWhy(string key, string why)
    {
        Assert.Contains(why, GatewaySettings.Problem(key), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_Configuration_ReportsEachBadKeyOnceAndIgnoresFrameworkSections()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Producer:LingerMs"] = "10",
            ["Streaming:HeartbeatSecond"] = "5",
            ["Streaming:MaxStreams"] = "10",
            ["Security:Authorization:Routes:0:Pattern"] = "/swagger",
            ["Security:Authorization:Routes:0:Access"] = "anonymous",
            ["Kestrel:Endpoints:Https:Url"] = "https://+:8443",
            ["Serilog:Whatever"] = "x",
            ["Admin:Unused"] = "", // an empty value changes nothing
        }).Build();

        var problems = GatewaySettings.Problems(configuration);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Producer:LingerMs was renamed to Producer:LingerMilliseconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Security:Authorization:Routes is no longer read", StringComparison.Ordinal)
            && p.Contains("Security:Authorization:Endpoints", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Streaming:HeartbeatSecond is not a setting (did you mean Streaming:HeartbeatSeconds?)", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_UnknownKey_FailsTheGatewayOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:DataDirectry"] = "/tmp" }).Build();

        var result = new GatewaySettingsValidator(configuration).Validate(null, new GatewayOptions());

        Assert.True(result.Failed);
        Assert.Contains("Gateway:DataDirectry is not a setting (did you mean Gateway:DataDirectory?)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Sections_EverySection_HasOneOptionsClassAndNoKeyTwoOwners()
    {
        var sections = GatewaySettings.Sections;

        Assert.Equal(sections.Count, sections.Select(s => s.Section).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var inner in sections)
        {
            // Kafka:Tls may sit inside Kafka only because KafkaOptions has no property Tls: one owner per key.
            foreach (var outer in sections.Where(o => inner.Section.StartsWith(o.Section + ":", StringComparison.OrdinalIgnoreCase)))
            {
                var name = inner.Section[(outer.Section.Length + 1)..].Split(':')[0];
                Assert.DoesNotContain(GatewaySettings.SettingsOf(outer.Options), p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            }
        }

        Assert.Contains(sections, s => s.Section == "SchemaRegistry" && s.Options == typeof(KafkaGateway.Schemas.SchemaRegistryOptions));
        Assert.Single(sections, s => s.Section == "SchemaRegistry");
    }
}
