using KafkaGateway.Kafka;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaOptionsValidatorTests
{
    [Theory]
    [InlineData("broker1:9093")]
    [InlineData("broker1:9093, broker2:9093,10.0.0.3:9093")]
    [InlineData("SSL://kafka.example.com:9094")]
    [InlineData("[::1]:9092")]
    [InlineData("embedded")]
    public void Validate_BrokerList_IsAccepted(string servers)
    {
        var result = Validate(new KafkaOptions { BootstrapServers = servers });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("broker1", "'broker1' is not host:port")]
    [InlineData("broker1:0", "'broker1:0' is not host:port")]
    [InlineData("broker1:99999", "'broker1:99999' is not host:port")]
    [InlineData("broker1:9093,,broker2:9093", "'' is not host:port")]
    [InlineData("broker 1:9093", "'broker 1:9093' is not host:port")]
    [InlineData("broker1:9093;broker2:9093", "'broker1:9093;broker2:9093' is not host:port")]
    public void Validate_MalformedBrokerList_FailsNamingTheEntry(string servers, string expected)
    {
        var result = Validate(new KafkaOptions { BootstrapServers = servers });

        Assert.True(result.Failed);
        Assert.Contains($"Kafka:BootstrapServers entry {expected}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no.such.property", "1", "Kafka:Properties:no.such.property: No such configuration property")]
    [InlineData("linger.ms", "soon", "Kafka:Properties:linger.ms: Invalid value")]
    [InlineData("compression.codec", "brotli", "Kafka:Properties:compression.codec: Invalid value")]
    public void Validate_PropertyLibrdkafkaRefuses_FailsWithItsReason(string name, string value, string expected)
    {
        var result = Validate(new KafkaOptions { BootstrapServers = "broker1:9093", Properties = { [name] = value } });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PropertyLibrdkafkaAccepts_Succeeds()
    {
        var result = Validate(new KafkaOptions
        {
            BootstrapServers = "broker1:9093",
            Properties = { ["socket.keepalive.enable"] = "true", ["broker.address.family"] = "v4", ["auto.offset.reset"] = "earliest" },
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(KafkaOptions options) =>
        new KafkaOptionsValidator(new Production()).Validate(null, options);

    private sealed class Production : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;

        public string ApplicationName { get; set; } = "KafkaGateway";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
