using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas;

/// <summary>How one side (value or key) of a topic's records is encoded, as <c>GET /topics/{topic}</c> shows it.</summary>
/// <param name="Format">avro when the subject has a schema; otherwise the configured format (values) or string (keys).</param>
/// <param name="Subject">The registry subject of this side; null when it depends on each record's name (RecordName strategies).</param>
/// <param name="SchemaId">Global id of the subject's latest schema, when it has one.</param>
/// <param name="SchemaVersion">Version of that schema within the subject.</param>
/// <param name="Note">Why a part is missing (registry unavailable, subject per record).</param>
public sealed record TopicSideEncoding(string Format, string? Subject, int? SchemaId, int? SchemaVersion, string? Note);

/// <summary>The encodings of a topic's values and keys.</summary>
/// <param name="Value">Record values.</param>
/// <param name="Key">Record keys.</param>
public sealed record TopicEncodings(TopicSideEncoding Value, TopicSideEncoding Key);

/// <summary>
/// Describes which subjects and schemas a topic's records use, by the same rules produce applies: the subject per
/// <c>SchemaRegistry:ValueSubjectNameStrategy</c>/<c>KeySubjectNameStrategy</c>, Avro when it has a schema, the
/// configured <c>Gateway:TopicFormats</c> otherwise.
/// </summary>
public sealed class TopicSchemaDescriber(
    ISchemaRegistry registry,
    IOptions<TopicFormatOptions> formats,
    IOptions<SchemaRegistryOptions> registryOptions)
{
    /// <summary>The value and key encodings of <paramref name="topic"/>; never fails for an unavailable registry.</summary>
    public async Task<TopicEncodings> DescribeAsync(string topic, CancellationToken cancellationToken)
    {
        var value = DescribeSideAsync(topic, isKey: false, cancellationToken);
        var key = DescribeSideAsync(topic, isKey: true, cancellationToken);
        return new TopicEncodings(await value, await key);
    }

    private async Task<TopicSideEncoding> DescribeSideAsync(string topic, bool isKey, CancellationToken cancellationToken)
    {
        var withoutSchema = isKey ? "string" : Name(formats.Value.For(topic));
        var strategy = registryOptions.Value.SubjectNameStrategyFor(isKey);
        if (strategy != SubjectNameStrategyKind.TopicName)
        {
            return new TopicSideEncoding(isKey ? "string" : "avro", null, null, null,
                $"The {(isKey ? "key" : "value")} subject follows {strategy}: it depends on each record's schema name.");
        }

        var subject = SubjectNameStrategy.GetSubject(strategy, topic, isKey);
        try
        {
            var latest = await registry.FindLatestAsync(subject, cancellationToken);
            return latest is not null
                ? new TopicSideEncoding("avro", subject, latest.Id, latest.Version, null)
                : new TopicSideEncoding(withoutSchema, subject, null, null, withoutSchema == "avro"
                    ? $"Subject {subject} has no schema: produce answers 422 until one is registered (POST /registry/subjects/{subject}/versions)."
                    : null);
        }
        catch (Exception ex) when (ex is SchemaRegistryUnavailableException or SchemaRegistryException)
        {
            return new TopicSideEncoding(withoutSchema, subject, null, null, $"The schema registry did not answer for subject {subject}: {ex.Message}");
        }
    }

    private static string Name(TopicFormat format) => format switch
    {
        TopicFormat.Avro => "avro",
        TopicFormat.Json => "json",
        TopicFormat.String => "string",
        _ => "binary",
    };
}
