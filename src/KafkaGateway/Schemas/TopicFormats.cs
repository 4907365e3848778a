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

    /// <summary>The configured format of <paramref name="topic"/>.</summary>
    public TopicFormat For(string topic) => Topics.TryGetValue(topic, out var format) ? format : Default;
}
