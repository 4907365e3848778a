using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas;

/// <summary>How the values of a topic are encoded in Kafka.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Member names are the configuration values users write (avro, json, string, binary).")]
public enum TopicFormat
{
    /// <summary>Avro in the Confluent wire format, validated against the registry (the default).</summary>
    Avro,

    /// <summary>Any valid JSON document, stored as UTF-8 bytes.</summary>
    Json,

    /// <summary>A JSON string, stored as its UTF-8 bytes.</summary>
    String,

    /// <summary>Raw bytes: base64 in JSON, the bytes themselves in Kafka.</summary>
    Binary,
}

/// <summary>
/// Configuration section <c>Gateway:TopicFormats</c>: the value format of topics without a registered value schema.
/// A topic whose value subject exists in the registry is always Avro.
/// </summary>
public sealed class TopicFormatOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Gateway:TopicFormats";

    /// <summary>Format of topics not listed in <see cref="Topics"/>.</summary>
    public TopicFormat Default { get; set; } = TopicFormat.Avro;

    /// <summary>Per-topic formats, e.g. <c>Gateway:TopicFormats:Topics:audit-log=json</c>.</summary>
    public Dictionary<string, TopicFormat> Topics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per-topic key fields of bare values (<c>POST /topics/{topic}/values</c>): the top-level member of each value
    /// that is its record key, e.g. <c>Gateway:TopicFormats:KeyFields:sensors=id</c>, so readings are partitioned by
    /// sensor without the client naming the key. <c>?key=</c> or <c>?keyField=</c> on a request replace it.
    /// </summary>
    public Dictionary<string, string> KeyFields { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The configured format of <paramref name="topic"/>.</summary>
    public TopicFormat For(string topic) => Topics.TryGetValue(topic, out var format) ? format : Default;
}

/// <summary>Start-up validation of <see cref="TopicFormatOptions"/>; every message names the key.</summary>
internal sealed class TopicFormatOptionsValidator : IValidateOptions<TopicFormatOptions>
{
    private const string Prefix = TopicFormatOptions.SectionName + ":";

    /// <summary>Longest key field name.</summary>
    public const int MaxKeyFieldLength = 255;

    private static string Allowed => string.Join(", ", Enum.GetNames<TopicFormat>().Select(n => n.ToLowerInvariant()));

    public ValidateOptionsResult Validate(string? name, TopicFormatOptions options)
    {
        var failures = new List<string>();
        // The binder turns "7" into (TopicFormat)7 without complaint; only the names are formats.
        if (!Enum.IsDefined(options.Default))
        {
            failures.Add($"{Prefix}Default = '{options.Default}' is not valid. Allowed: {Allowed}.");
        }

        foreach (var (topic, format) in options.Topics)
        {
            if (Kafka.TopicNameRules.Violation(topic) is { } violation)
            {
                failures.Add($"{Prefix}Topics:{topic}: {violation}");
            }

            if (!Enum.IsDefined(format))
            {
                failures.Add($"{Prefix}Topics:{topic} = '{format}' is not valid. Allowed: {Allowed}.");
            }
        }

        foreach (var (topic, field) in options.KeyFields)
        {
            if (Kafka.TopicNameRules.Violation(topic) is { } violation)
            {
                failures.Add($"{Prefix}KeyFields:{topic}: '{topic}' is not a valid topic name: {violation}");
            }

            if (string.IsNullOrWhiteSpace(field) || field.Length > MaxKeyFieldLength)
            {
                failures.Add($"{Prefix}KeyFields:{topic} must name the top-level member of each value that is its key (1-{MaxKeyFieldLength} characters), was '{field}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Registers <see cref="TopicFormatOptions"/> once, for every feature that reads topic formats.</summary>
public static class TopicFormatServiceCollectionExtensions
{
    /// <summary>Binds and validates <c>Gateway:TopicFormats</c> at start-up (a second call adds nothing).</summary>
    public static IServiceCollection AddTopicFormats(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<TopicFormatOptions>)))
        {
            return services;
        }

        services.AddOptions<TopicFormatOptions>().BindConfiguration(TopicFormatOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TopicFormatOptions>, TopicFormatOptionsValidator>();
        return services;
    }
}
