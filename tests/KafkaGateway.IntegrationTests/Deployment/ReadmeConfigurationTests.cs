using System.Reflection;
using KafkaGateway.Admin;
using KafkaGateway.Hosting;
using KafkaGateway.Kafka;
using KafkaGateway.Producing;
using KafkaGateway.Schemas;
using KafkaGateway.Schemas.Registry;
using KafkaGateway.Security;
using KafkaGateway.Streaming;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>The README's configuration reference names every setting of the options classes (no drift).</summary>
public sealed class ReadmeConfigurationTests
{
    private static readonly Type[] s_options =
    [
        typeof(KafkaOptions), typeof(KafkaTlsOptions), typeof(GatewayOptions), typeof(ProducerOptions), typeof(TopicFormatOptions),
        typeof(SchemaRegistryClientOptions), typeof(BuiltInRegistryOptions), typeof(StreamingOptions), typeof(AdminOptions),
    ];

    public static TheoryData<string, string> Settings()
    {
        var data = new TheoryData<string, string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in s_options)
        {
            var section = (string)type.GetField("SectionName")!.GetValue(null)!;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var settable = property.SetMethod is { IsPublic: true };
                var scalar = property.PropertyType.IsPrimitive || property.PropertyType.IsEnum
                    || Nullable.GetUnderlyingType(property.PropertyType) is { } underlying && (underlying.IsPrimitive || underlying.IsEnum)
                    || property.PropertyType == typeof(string);
                // Two options classes read SchemaRegistry:Url; list each key once.
                if (settable && scalar && seen.Add($"{section}:{property.Name}"))
                {
                    data.Add(section, property.Name);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void ReadmeConfigurationTable_EveryOptionsProperty_IsDocumented(string section, string property)
    {
        var lines = File.ReadAllLines(RepositoryFiles.PathOf("README.md"));

        Assert.Contains(lines, line => line.StartsWith('|') && line.Contains($"`{section}:", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(line, $@"\b{property}\b"));
    }
}
