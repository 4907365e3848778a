using KafkaGateway.Hosting;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>
/// Every options class is bound and validated when the real gateway starts: one wrong value per section stops the
/// start naming the key, instead of surfacing at the first request. (The one-line output and exit code 1 of the
/// gateway's own process are <see cref="GatewayProcessStartupTests"/>'.)
/// </summary>
public sealed class ConfigurationStartupTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    /// <summary>Section, a key of it, a value it refuses, and what the failure must say.</summary>
    private static readonly (string Section, string Key, string Value, string Expected)[] s_badValues =
    [
        ("Admin", "Admin:RequestTimeoutSeconds", "0", "Admin:RequestTimeoutSeconds must be between 1 and 300 (was 0)"),
        ("Gateway", "Gateway:ShutdownTimeoutSeconds", "0", "Gateway:ShutdownTimeoutSeconds must be between 1 and 300 (was 0)"),
        ("Gateway:TopicFormats", "Gateway:TopicFormats:Default", "xml", "'xml' at 'Gateway:TopicFormats:Default'"),
        ("Kafka", "Kafka:EmbeddedBrokers", "0", "Kafka:EmbeddedBrokers must be between 1 and 16 (was 0)"),
        ("Kafka:Identities", "Kafka:Identities:default:CaPem", "x", "Kafka:Identities:default"),
        ("Kafka:Tls", "Kafka:Tls:CaLocation", "/nonexistent/ca.pem", "Kafka:Tls:CaLocation"),
        ("Observability", "Observability:Tracing:Exporter", "zipkin", "Observability:Tracing:Exporter: 'zipkin' is not none or otlp"),
        ("Producer", "Producer:CompressionType", "brotli", "Producer:CompressionType must be one of none, gzip, snappy, lz4, zstd (was 'brotli')"),
        ("SchemaRegistry", "SchemaRegistry:MaxSchemaLength", "10", "SchemaRegistry:MaxSchemaLength must be between 1024 and 16777216 (was 10)"),
        ("Security", "Security:HstsMaxAgeDays", "-1", "Security:HstsMaxAgeDays must be between 0 and 3650 (got -1)"),
        ("Streaming", "Streaming:MaxStreams", "0", "Streaming:MaxStreams must be between 1 and 100000 (was 0)"),
    ];

    public static TheoryData<string> Sections()
    {
        var data = new TheoryData<string>();
        foreach (var section in GatewaySettings.Sections)
        {
            data.Add(section.Section);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void Start_BadValueInSection_FailsNamingTheKeyAndValue(string section)
    {
        var cases = s_badValues.Where(c => c.Section == section).ToList();
        Assert.True(cases.Count > 0, $"No bad-value case for the section {section}: add one to s_badValues, so its options are known to be validated at start.");
        var (_, key, value, expected) = cases[0];
        using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Producer:LingerMs", "5", "Producer:LingerMs was renamed to Producer:LingerMilliseconds")]
    [InlineData("Streaming:HeartbeatSecond", "5", "Streaming:HeartbeatSecond is not a setting (did you mean Streaming:HeartbeatSeconds?)")]
    [InlineData("SchemaRegistry:Tls:CaLocaton", "/ca.pem", "did you mean SchemaRegistry:Tls:CaLocation?")]
    public void Start_UnknownOrRenamedKey_FailsNamingIt(string key, string value, string expected)
    {
        using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }
}
