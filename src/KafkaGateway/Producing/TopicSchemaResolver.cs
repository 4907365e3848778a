using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Schemas;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>How the values (or keys) of one produce request are encoded.</summary>
public sealed record RecordEncoding(TopicFormat Format, int? SchemaId, int? SchemaVersion, AvroJsonCodec? Codec)
{
    public static readonly RecordEncoding RawKey = new(TopicFormat.String, null, null, null);

    /// <summary>
    /// Set when the schema is not registered yet: records are validated against it first, and it is registered
    /// (and the id written into each record) only when every record of the request is valid.
    /// </summary>
    public PendingSchema? Pending { get; init; }
}

/// <summary>An inline schema to register under <paramref name="Subject"/> once the request's records are valid.</summary>
/// <param name="Subject">The subject the strategy derives for the topic.</param>
/// <param name="Schema">The schema text as sent.</param>
/// <param name="IsKey">Key or value schema.</param>
public sealed record PendingSchema(string Subject, string Schema, bool IsKey);

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
    IOptions<SchemaRegistryOptions> registryOptions)
{
    /// <summary>The value encoding of a produce request to <paramref name="topic"/>.</summary>
    public async ValueTask<RecordEncoding> ResolveValueAsync(string topic, ProduceSchemaSelection selection, string? inlineSchema, CancellationToken cancellationToken)
    {
        var subject = string.IsNullOrEmpty(selection.Subject) ? ValueSubject(topic, inlineSchema) : selection.Subject;
        if (selection.SchemaId is not null || selection.SchemaVersion is not null)
        {
            return await SelectedAsync(subject, selection, cancellationToken);
        }

        if (inlineSchema is not null)
        {
            // Registration only ever targets the subject the strategy derives for this topic: ?subject= may pick an
            // existing schema elsewhere, never make this request write another topic's subject.
            var owned = string.IsNullOrEmpty(selection.Subject) ? subject : ValueSubject(topic, inlineSchema);
            return await ResolveInlineAsync(subject, owned, inlineSchema, isKey: false, cancellationToken);
        }

        var latest = await LatestAsync(subject, cancellationToken);
        if (latest is not null)
        {
            return latest;
        }

        var format = formats.Value.For(topic);
        if (format == TopicFormat.Avro)
        {
            throw new GatewayException(GatewayErrors.NoValueSchema,
                $"Topic '{topic}' is an Avro topic but subject '{subject}' has no schema. Register one first: " +
                $"POST /registry/subjects/{subject}/versions with {{\"schema\": \"<Avro schema as a JSON string>\"}}, " +
                "or configure the topic's format (Gateway:TopicFormats) as json, string or binary.");
        }

        return new RecordEncoding(format, null, null, null);
    }

    /// <summary>
    /// The schema chosen with <c>schemaId</c> or <c>schemaVersion</c>. A method of its own: the lookups' lambdas capture
    /// locals, and their closure is allocated at the start of the method that declares them, i.e. for every request.
    /// </summary>
    private async Task<RecordEncoding> SelectedAsync(string subject, ProduceSchemaSelection selection, CancellationToken cancellationToken)
    {
        if (selection.SchemaId is { } id)
        {
            return new RecordEncoding(TopicFormat.Avro, id, null, await Explicit(() => codecs.GetAsync(id, cancellationToken)));
        }

        var version = selection.SchemaVersion!.Value;
        var registered = await Explicit(() => registry.GetVersionAsync(subject, version, cancellationToken));
        return new RecordEncoding(TopicFormat.Avro, registered.Id, registered.Version, await codecs.GetAsync(registered.Id, cancellationToken));
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
            return TopicValueSubject(topic);
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
            : throw new GatewayException(GatewayErrors.SubjectRequired,
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

    /// <summary>
    /// The encoding of an inline key schema (REST Proxy v2 <c>key_schema</c>): the registered one when the key
    /// subject has it, else a <see cref="RecordEncoding.Pending"/> registration.
    /// </summary>
    public Task<RecordEncoding> ResolveInlineKeyAsync(string topic, string schema, CancellationToken cancellationToken)
    {
        var strategy = registryOptions.Value.KeySubjectNameStrategy;
        var subject = strategy == SubjectNameStrategyKind.TopicName
            ? SubjectNameStrategy.GetSubject(strategy, topic, isKey: true)
            : SubjectNameStrategy.GetSubject(strategy, topic, isKey: true, FullNameOf(schema)
                ?? throw new GatewayException(GatewayErrors.InvalidSchema,
                    $"SchemaRegistry:KeySubjectNameStrategy is {strategy}: the key schema must be a named Avro type."));
        return ResolveInlineAsync(subject, subject, schema, isKey: true, cancellationToken);
    }

    /// <summary>
    /// The format the topic's values are held in: the configured format when <c>Gateway:TopicFormats:Topics</c> names
    /// the topic, else Avro when its value subject has a schema, else the configured default.
    /// </summary>
    public async Task<TopicFormat> ValueFormatAsync(string topic, CancellationToken cancellationToken)
    {
        if (formats.Value.Topics.TryGetValue(topic, out var named))
        {
            return named;
        }

        if (registryOptions.Value.ValueSubjectNameStrategy == SubjectNameStrategyKind.TopicName
            && await LatestAsync(SubjectNameStrategy.GetSubject(SubjectNameStrategyKind.TopicName, topic, isKey: false), cancellationToken) is not null)
        {
            return TopicFormat.Avro;
        }

        return formats.Value.Default;
    }

    /// <summary>
    /// Registers a <see cref="PendingSchema"/> (the request's records are valid by now) and returns its id and version.
    /// </summary>
    public async Task<(int Id, int? Version)> RegisterPendingAsync(PendingSchema pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        int id;
        try
        {
            id = await registry.RegisterAsync(pending.Subject, pending.Schema, "AVRO", cancellationToken);
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.InvalidSchema or SchemaRegistryException.IncompatibleSchema)
        {
            throw new GatewayException(ex.ErrorCode == SchemaRegistryException.InvalidSchema ? GatewayErrors.InvalidSchema : GatewayErrors.IncompatibleSchema,
                "The registry refused the inline schema: " + ex.Message + " Nothing was written.", ex);
        }

        var registered = await registry.LookupAsync(pending.Subject, pending.Schema, "AVRO", cancellationToken);
        return (id, registered?.Version);
    }

    private async Task<RecordEncoding> ResolveInlineAsync(string subject, string ownSubject, string schema, bool isKey, CancellationToken cancellationToken)
    {
        RegisteredSchema? existing;
        try
        {
            existing = await registry.LookupAsync(subject, schema, "AVRO", cancellationToken);
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode == SchemaRegistryException.InvalidSchema)
        {
            throw new GatewayException(GatewayErrors.InvalidSchema, ex.Message, ex);
        }

        if (existing is not null)
        {
            return new RecordEncoding(TopicFormat.Avro, existing.Id, existing.Version, await codecs.GetAsync(existing.Id, cancellationToken));
        }

        var member = isKey ? "key_schema" : "inline schema";
        if (!options.Value.AutoRegisterSchemas)
        {
            throw new GatewayException(GatewayErrors.SchemaNotRegistered,
                $"The {member} sent is not registered under subject '{subject}', and Producer:AutoRegisterSchemas is off. " +
                $"Register it with POST /registry/subjects/{subject}/versions, or send the records without it to use the latest version.");
        }

        if (!string.Equals(subject, ownSubject, StringComparison.Ordinal))
        {
            throw new GatewayException(GatewayErrors.SubjectNotOfTopic,
                $"The inline schema is not registered under subject '{subject}', and a produce request registers schemas only under " +
                $"its topic's own subject ('{ownSubject}'). Register it through /registry, or send it without ?subject=.");
        }

        AvroJsonCodec codec;
        try
        {
            codec = AvroJsonCodec.Create(schema);
        }
        catch (Exception ex) when (ex is Avro.AvroException or JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new GatewayException(GatewayErrors.InvalidSchema,
                $"The {member} is not a valid Avro schema: {ex.Message}", ex);
        }

        return new RecordEncoding(TopicFormat.Avro, null, null, codec) { Pending = new PendingSchema(subject, schema, isKey) };
    }

    private static string? FullNameOf(string schema)
    {
        try
        {
            return (Avro.Schema.Parse(schema) as Avro.NamedSchema)?.Fullname;
        }
        catch (Avro.SchemaParseException)
        {
            return null;
        }
    }

    /// <summary>
    /// The encoding of the subject's latest schema. The registry is asked every time (it holds the one cache of
    /// "latest"); what is kept here is only the encoding built from its answer, reused while the answer names the same
    /// id and version, so a request to a topic whose schema did not change allocates no new one.
    /// </summary>
    private async ValueTask<RecordEncoding?> LatestAsync(string subject, CancellationToken cancellationToken)
    {
        if (await registry.FindLatestAsync(subject, cancellationToken) is not { } latest)
        {
            return null;
        }

        if (_latestEncodings.TryGetValue(subject, out var known) && known.SchemaId == latest.Id && known.SchemaVersion == latest.Version)
        {
            return known;
        }

        var encoding = new RecordEncoding(TopicFormat.Avro, latest.Id, latest.Version, await codecs.GetAsync(latest.Id, cancellationToken));
        if (_latestEncodings.Count < MaxCachedSubjects || _latestEncodings.ContainsKey(subject))
        {
            _latestEncodings[subject] = encoding;
        }

        return encoding;
    }

    /// <summary><c>{topic}-value</c>, built once per topic rather than per request (bounded, like every per-name cache here).</summary>
    private string TopicValueSubject(string topic)
    {
        if (_valueSubjects.TryGetValue(topic, out var subject))
        {
            return subject;
        }

        subject = SubjectNameStrategy.GetSubject(SubjectNameStrategyKind.TopicName, topic, isKey: false);
        if (_valueSubjects.Count < MaxCachedSubjects)
        {
            _valueSubjects.TryAdd(topic, subject);
        }

        return subject;
    }

    private const int MaxCachedSubjects = 4096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _valueSubjects = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RecordEncoding> _latestEncodings = new(StringComparer.Ordinal);

    private static async Task<T> Explicit<T>(Func<Task<T>> lookup)
    {
        try
        {
            return await lookup();
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.SubjectNotFound
            or SchemaRegistryException.VersionNotFound or SchemaRegistryException.SchemaNotFound)
        {
            throw new GatewayException(GatewayErrors.SchemaNotFound, ex.Message, ex)
            {
                Extensions = { ["registryErrorCode"] = ex.ErrorCode },
            };
        }
    }
}
