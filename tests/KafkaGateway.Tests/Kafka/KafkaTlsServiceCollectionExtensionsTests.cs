using KafkaGateway.Kafka;
using KafkaGateway.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static KafkaGateway.Tests.Tls.TlsTestData;

namespace KafkaGateway.Tests.Kafka;

public sealed class KafkaTlsServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddKafkaTls();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddKafkaTls_HopsworksSettings_BindsOptionsAndLoadsMaterial()
    {
        using var provider = Build(new()
        {
            ["Kafka:Tls:KeyStoreLocation"] = PathOf("keystore.jks"),
            ["Kafka:Tls:KeyStorePassword"] = StorePassword,
            ["Kafka:Tls:TrustStoreLocation"] = PathOf("truststore.jks"),
            ["Kafka:Tls:TrustStorePassword"] = StorePassword,
            ["Kafka:Tls:EnableHostnameVerification"] = "false",
        });

        var options = provider.GetRequiredService<IOptions<KafkaTlsOptions>>().Value;
        var material = provider.GetRequiredService<KafkaTlsMaterial>();

        Assert.False(options.EnableHostnameVerification);
        Assert.Equal(30, options.ExpiryWarningDays);
        Assert.Equal(Thumbprint("client.crt"), material.Certificate!.Thumbprint);
        Assert.Equal(2, material.CaCertificateCount);
    }

    [Fact]
    public void AddKafkaTls_WrongPassword_FailsValidationNamingTheKey()
    {
        using var provider = Build(new()
        {
            ["Kafka:Tls:KeyStoreLocation"] = PathOf("keystore.jks"),
            ["Kafka:Tls:KeyStorePassword"] = "wrong-secret-5150",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KafkaTlsOptions>>().Value);

        var failure = Assert.Single(ex.Failures);
        Assert.StartsWith("Kafka:Tls:KeyStorePassword: wrong password", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-5150", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Kafka:Tls:KeyStorePassword", "changeit")]
    [InlineData("Kafka:Tls:KeyStoreType", "JKS")]
    [InlineData("Kafka:Tls:TrustStorePassword", "changeit")]
    public void AddKafkaTls_SettingWithoutTheMaterialItBelongsTo_FailsInsteadOfRunningPlaintext(string key, string value)
    {
        using var provider = Build(new() { [key] = value });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KafkaTlsOptions>>().Value);

        var failure = Assert.Single(ex.Failures);
        Assert.StartsWith($"{key} is set, but TLS to Kafka is off", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("changeit", failure, StringComparison.Ordinal);
    }
}
