using KafkaGateway.Http;
using KafkaGateway.Schemas;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>How the values (or keys) of one produce request are encoded.</summary>
public sealed record RecordEncoding(TopicFormat Format, int? SchemaId, int? SchemaVersion, AvroJsonCodec? Codec)
{
    public static readonly RecordEncoding RawKey = new(TopicFormat.String, null, null, null);
}

/// <summary>
/// Picks the value and key encodings of a topic: the registry's schemas when the topic's subjects exist, the
/// configured <see cref="TopicFormatOptions"/> otherwise. "Latest schema of a subject" is cached in one place only:
/// the external registry's <see cref="CachingSchemaRegistry"/> (the built-in registry answers from memory), so that
/// a registration is seen by the next produce request instead of after a second, stacked TTL here.
/// </summary>
public sealed class TopicSchemaResolver(
    ISchemaRegistry registry,
    AvroCodecCache codecs,
    IOptions<TopicFormatOptions> formats,
    IOptions<ProducerOptions> options,
    IOptions<SchemaRegistryClientOptions> registryOptions)
{
    /// <summary>The value encoding of a produce request to <paramref name="topic"/>.</summary>
    public async Task<RecordEncoding> ResolveValueAsync(string topic, ProduceSchemaSelection selection, string? inlineSchema, CancellationToken cancellationToken)
    {
        var subject = string.IsNullOrEmpty(selection.Subject) ? ValueSubject(topic, inlineSchema) : selection.Subject;
        if (selection.SchemaId is { } id)
        {
            return new RecordEncoding(TopicFormat.Avro, id, null, await Explicit(() => codecs.GetAsync(id, cancellationToken)));
        }

        if (selection.SchemaVersion is { } version)
        {
            var registered = await Explicit(() => registry.GetVersionAsync(subject, version, cancellationToken));
            return new RecordEncoding(TopicFormat.Avro, registered.Id, registered.Version, await codecs.GetAsync(registered.Id, cancellationToken));
        }

        if (inlineSchema is not null)
        {
            return await ResolveInlineAsync(subject, inlineSchema, cancellationToken);
        }

        var latest = await LatestAsync(subject, cancellationToken);
        if (latest is not null)
        {
            return latest;
        }

        var format = formats.Value.For(topic);
        if (format == TopicFormat.Avro)
        {
            throw new GatewayException(StatusCodes.Status422UnprocessableEntity, "no_value_schema", "The topic has no value schema",
                $"Topic '{topic}' is an Avro topic but subject '{subject}' has no schema. Register one first: " +
                $"POST /registry/subjects/{subject}/versions with {{\"schema\": \"<Avro schema as a JSON string>\"}}, " +
                "or configure the topic's format (Gateway:TopicFormats) as json, string or binary.");
        }

        return new RecordEncoding(format, null, null, null);
    }

    /// <summary>
    /// Avro when the key subject (<c>{topic}-key</c> under the TopicName strategy) has a schema; otherwise keys are
    /// written as UTF-8 bytes. Under RecordName strategies keys have no subject to look up and stay UTF-8.
    /// </summary>
    public async Task<RecordEncoding> ResolveKeyAsync(string topic, CancellationToken cancellationToken) =>
        registryOptions.Value.KeySubjectNameStrategy == SubjectNameStrategyKind.TopicName
            ? await LatestAsync(SubjectNameStrategy.GetSubject(SubjectNameStrategyKind.TopicName, topic, isKey: true), cancellationToken) ?? RecordEncoding.RawKey
            : RecordEncoding.RawKey;

    /// <summary>
    /// The value subject per <c>SchemaRegistry:ValueSubjectNameStrategy</c>: TopicName needs only the topic; RecordName
    /// and TopicRecordName need the record's full name, taken from an inline <c>valueSchema</c>.
    /// </summary>
    private string ValueSubject(string topic, string? inlineSchema)
    {
        var strategy = registryOptions.Value.ValueSubjectNameStrategy;
        if (strategy == SubjectNameStrategyKind.TopicName)
        {
            return SubjectNameStrategy.GetSubject(strategy, topic, isKey: false);
        }

        string? fullName = null;
        if (inlineSchema is not null)
        {
            try
            {
                fullName = (Avro.Schema.Parse(inlineSchema) as Avro.NamedSchema)?.Fullname;
            }
            catch (Avro.SchemaParseException)
            {
                // Reported by the registry when the schema is registered or looked up.
            }
        }

        return fullName is not null
            ? SubjectNameStrategy.GetSubject(strategy, topic, isKey: false, fullName)
            : throw new GatewayException(StatusCodes.Status422UnprocessableEntity, "subject_required", "The value subject cannot be derived",
                $"SchemaRegistry:ValueSubjectNameStrategy is {strategy}: the subject depends on the record's name. Pass ?subject=<subject> " +
                "or send the record schema as valueSchema.");
    }

    /// <summary>The Avro encoding of registry id <paramref name="id"/> (404 ProblemDetails when unknown).</summary>
    public async Task<RecordEncoding> ResolveByIdAsync(int id, CancellationToken cancellationToken) =>
        new(TopicFormat.Avro, id, null, await Explicit(() => codecs.GetAsync(id, cancellationToken)));

    /// <summary>
    /// Registers <paramref name="schema"/> under <paramref name="subject"/> (or finds it) and returns its encoding,
    /// as Confluent REST Proxy does with <c>value_schema</c>/<c>key_schema</c>.
    /// </summary>
    public async Task<RecordEncoding> RegisterAsync(string subject, string schema, CancellationToken cancellationToken)
    {
        var id = await registry.RegisterAsync(subject, schema, "AVRO", cancellationToken);
        return new RecordEncoding(TopicFormat.Avro, id, null, await codecs.GetAsync(id, cancellationToken));
    }

    private async Task<RecordEncoding> ResolveInlineAsync(string subject, string schema, CancellationToken cancellationToken)
    {
        var existing = await registry.LookupAsync(subject, schema, "AVRO", cancellationToken);
        if (existing is not null)
        {
            return new RecordEncoding(TopicFormat.Avro, existing.Id, existing.Version, await codecs.GetAsync(existing.Id, cancellationToken));
        }

        if (!options.Value.AutoRegisterSchemas)
        {
            throw new GatewayException(StatusCodes.Status422UnprocessableEntity, "schema_not_registered", "The inline schema is not registered",
                $"The valueSchema sent is not registered under subject '{subject}', and Producer:AutoRegisterSchemas is off. " +
                $"Register it with POST /registry/subjects/{subject}/versions, or send it without valueSchema to use the latest version.");
        }

        try
        {
            await registry.RegisterAsync(subject, schema, "AVRO", cancellationToken);
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.InvalidSchema or SchemaRegistryException.IncompatibleSchema)
        {
            throw new GatewayException(StatusCodes.Status422UnprocessableEntity,
                ex.ErrorCode == SchemaRegistryException.InvalidSchema ? "invalid_schema" : "incompatible_schema",
                "The inline schema was refused by the registry", ex.Message, ex);
        }

        var registered = await registry.LookupAsync(subject, schema, "AVRO", cancellationToken)
            ?? throw new GatewayException(StatusCodes.Status502BadGateway, "schema_registry_inconsistent", "Registry inconsistency",
                $"The registry accepted the schema for '{subject}' but does not find it afterwards.");
        return new RecordEncoding(TopicFormat.Avro, registered.Id, registered.Version, await codecs.GetAsync(registered.Id, cancellationToken));
    }

    private async Task<RecordEncoding?> LatestAsync(string subject, CancellationToken cancellationToken) =>
        await registry.FindLatestAsync(subject, cancellationToken) is { } latest
            ? new RecordEncoding(TopicFormat.Avro, latest.Id, latest.Version, await codecs.GetAsync(latest.Id, cancellationToken))
            : null;

    private static async Task<T> Explicit<T>(Func<Task<T>> lookup)
    {
        try
        {
            return await lookup();
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.SubjectNotFound
            or SchemaRegistryException.VersionNotFound or SchemaRegistryException.SchemaNotFound)
        {
            throw new GatewayException(StatusCodes.Status404NotFound, "schema_not_found", "Schema not found", ex.Message, ex)
            {
                Extensions = { ["registryErrorCode"] = ex.ErrorCode },
            };
        }
    }
}
