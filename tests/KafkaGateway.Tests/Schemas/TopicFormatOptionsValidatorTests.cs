using KafkaGateway.Schemas;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Schemas;

public sealed class TopicFormatOptionsValidatorTests
{
    [Fact]
    public void Options_NamedFormats_BindCaseInsensitively()
    {
        var options = Bind(new() { ["Gateway:TopicFormats:Default"] = "json", ["Gateway:TopicFormats:Topics:audit-log"] = "BINARY" });

        Assert.Equal(TopicFormat.Json, options.Default);
        Assert.Equal(TopicFormat.Binary, options.For("audit-log"));
    }

    [Fact]
    public void Options_NumericFormat_FailsListingTheNames()
    {
        // The binder accepts "7" for an enum; only the documented names are formats.
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Gateway:TopicFormats:Default"] = "7" }));

        Assert.Contains("Gateway:TopicFormats:Default = '7' is not valid. Allowed: avro, json, string, binary.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_IllegalTopicName_FailsNamingTheKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Gateway:TopicFormats:Topics:audit log"] = "json" }));

        Assert.Contains("Gateway:TopicFormats:Topics:audit log: A topic name may only contain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTopicFormats_CalledByTwoFeatures_RegistersOneValidator()
    {
        var services = new ServiceCollection().AddTopicFormats().AddTopicFormats();

        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<TopicFormatOptions>));
    }

    private static TopicFormatOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddTopicFormats().BuildServiceProvider();
        return provider.GetRequiredService<IOptions<TopicFormatOptions>>().Value;
    }
}
