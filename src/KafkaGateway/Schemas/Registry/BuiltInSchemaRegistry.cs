using System.Globalization;
using Confluent.Kafka;
using KafkaGateway.Schemas.Compatibility;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The gateway's own Confluent-compatible schema registry (AVRO only): subjects, versions, global ids,
/// compatibility levels and soft/permanent deletes, persisted in a compacted Kafka topic in Confluent's
/// <c>_schemas</c> format and rebuilt from it at start-up.
/// </summary>
/// <remarks>
/// <para>Writes are serialized inside this process: the record is produced (acks=all, idempotent), and only once
/// Kafka acknowledged it is it applied in memory. New ids are the highest id seen plus one.</para>
/// <para><b>Single writer.</b> The topic is read once, at start-up; nothing coordinates writers across processes.
/// When the gateway runs as several replicas, send registry writes to one replica only (or point every replica's
/// <c>SchemaRegistry:Url</c> at an external registry, or at that one replica); otherwise two replicas can hand out
/// the same id or version, and replicas do not see each other's writes until they restart.</para>
/// </remarks>
public sealed partial class BuiltInSchemaRegistry : ISchemaRegistry, IDisposable
{
    private const string AvroType = "AVRO";
    private static readonly TimeSpan s_loadWait = TimeSpan.FromSeconds(30);

    private readonly RegistryState _state = new();
    private readonly Lock _stateLock = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RegistryTopic _topic;
    private Task? _topicCreated;
    private readonly BuiltInRegistryOptions _options;
    private readonly ILogger<BuiltInSchemaRegistry> _logger;

    internal BuiltInSchemaRegistry(RegistryTopic topic, IOptions<BuiltInRegistryOptions> options, ILogger<BuiltInSchemaRegistry> logger)
    {
        _topic = topic;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>True once the topic has been read to its end; until then requests wait (up to 30 s).</summary>
    public bool IsLoaded => _loaded.Task.IsCompleted;

    /// <summary>Completes when the topic has been read to its end.</summary>
    internal Task Loaded => _loaded.Task;

    /// <summary>The topic the registry persists to.</summary>
    public string TopicName => _topic.Name;

    /// <summary>Records read from the topic at start-up.</summary>
    public long LoadedRecords { get; private set; }

    /// <summary>Reads the registry topic from the beginning to its end; called once by the start-up service.</summary>
    internal async Task LoadAsync(CancellationToken cancellationToken)
    {
        // Creating the topic may take the admin timeout (the mock cluster never answers CreateTopics); reading does
        // not need it, so readiness does not wait for it. The first write does.
        _topicCreated ??= Task.Run(_topic.EnsureCreatedAsync, CancellationToken.None);
        LoadedRecords = await _topic.ReadToEndAsync(record => { lock (_stateLock) { _state.Apply(record); } }, cancellationToken);
        _loaded.TrySetResult();
        LogLoaded(_logger, _topic.Name, LoadedRecords, _state.MaxId);
    }

    // ---- reads ----

    /// <summary>Subjects with live versions (or any versions when <paramref name="includeDeleted"/>).</summary>
    public async Task<IReadOnlyList<string>> ListSubjectsAsync(bool includeDeleted, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return _state.Subjects(includeDeleted);
        }
    }

    /// <summary>Version numbers of <paramref name="subject"/>; 40401 when it has none.</summary>
    public async Task<IReadOnlyList<int>> ListVersionsAsync(string subject, bool includeDeleted, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        var versions = Versions(subject).Where(v => includeDeleted || !v.Deleted).Select(v => v.Version).ToList();
        return versions.Count > 0 ? versions : throw RegistryErrors.SubjectNotFound(subject);
    }

    /// <summary>A version of <paramref name="subject"/>: a number, <c>latest</c> or -1; 40401, 40402 or 42202.</summary>
    public async Task<StoredVersion> GetVersionAsync(string subject, string version, bool includeDeleted, CancellationToken cancellationToken)
    {
        var number = ParseVersion(version);
        await WaitUntilLoadedAsync(cancellationToken);
        return Resolve(subject, number, includeDeleted);
    }

    /// <summary>The schema with global id <paramref name="id"/> (also when soft-deleted); 40403 when unknown.</summary>
    public async Task<StoredVersion> GetByIdAsync(int id, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return _state.FindById(id) ?? throw RegistryErrors.SchemaNotFound(id);
        }
    }

    /// <summary>The (subject, version) pairs registered with id <paramref name="id"/>; 40403 when unknown.</summary>
    public async Task<IReadOnlyList<StoredVersion>> RegistrationsOfAsync(int id, bool includeDeleted, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        IReadOnlyList<StoredVersion> all;
        lock (_stateLock)
        {
            all = _state.RegistrationsOf(id);
        }

        return all.Count == 0 ? throw RegistryErrors.SchemaNotFound(id) : all.Where(v => includeDeleted || !v.Deleted).ToList();
    }

    /// <summary>
    /// The registration of <paramref name="schema"/> under <paramref name="subject"/>: 40401 when the subject has no
    /// versions, 40403 when the schema is not one of them.
    /// </summary>
    public async Task<StoredVersion> FindRegistrationAsync(
        string subject, string schema, string? schemaType, bool includeDeleted, CancellationToken cancellationToken)
    {
        var canonical = Canonicalize(schema, schemaType);
        await WaitUntilLoadedAsync(cancellationToken);
        var versions = Versions(subject).Where(v => includeDeleted || !v.Deleted).ToList();
        if (versions.Count == 0)
        {
            throw RegistryErrors.SubjectNotFound(subject);
        }

        return versions.LastOrDefault(v => string.Equals(v.Canonical, canonical, StringComparison.Ordinal))
            ?? throw RegistryErrors.SchemaNotFound();
    }

    /// <summary>Checks <paramref name="schema"/> against a version (or, for <c>latest</c>, the subject's live versions).</summary>
    public async Task<SchemaCompatibilityResult> TestCompatibilityAsync(
        string subject, string version, string schema, string? schemaType, CancellationToken cancellationToken)
    {
        var number = ParseVersion(version);
        Canonicalize(schema, schemaType);
        var candidate = Avro.Schema.Parse(schema);
        await WaitUntilLoadedAsync(cancellationToken);
        var level = EffectiveCompatibility(subject);
        var live = Versions(subject).Where(v => !v.Deleted).ToList();
        if (number is { } specific)
        {
            var existing = Resolve(subject, specific, includeDeleted: false);
            return SchemaCompatibilityChecker.Check(level, candidate, [Avro.Schema.Parse(existing.Schema)]);
        }

        return SchemaCompatibilityChecker.Check(level, candidate, ParseAll(live));
    }

    /// <summary>The global compatibility level (the configured default until PUT /config sets one).</summary>
    public async Task<string> GetGlobalCompatibilityAsync(CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return GlobalCompatibility();
        }
    }

    /// <summary>The subject's compatibility level; 40408 when it has none, unless <paramref name="defaultToGlobal"/>.</summary>
    public async Task<string> GetSubjectCompatibilityAsync(string subject, bool defaultToGlobal, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return _state.SubjectCompatibility(subject)
                ?? (defaultToGlobal ? GlobalCompatibility() : throw RegistryErrors.CompatibilityNotConfigured(subject));
        }
    }

    // ---- writes ----

    /// <summary>
    /// Registers <paramref name="schema"/> under <paramref name="subject"/>: the existing id when the subject already
    /// has it (live), otherwise a new version after a compatibility check (409), reusing the schema's id from any
    /// other subject or taking the next id.
    /// </summary>
    public async Task<int> RegisterSchemaAsync(string subject, string schema, string? schemaType, CancellationToken cancellationToken)
    {
        var canonical = Canonicalize(schema, schemaType);
        await WaitUntilLoadedAsync(cancellationToken);
        return await WriteAsync<int>(() =>
        {
            var versions = Versions(subject);
            if (versions.LastOrDefault(v => !v.Deleted && string.Equals(v.Canonical, canonical, StringComparison.Ordinal)) is { } same)
            {
                return (null, same.Id);
            }

            var result = SchemaCompatibilityChecker.Check(
                EffectiveCompatibility(subject), Avro.Schema.Parse(schema), ParseAll(versions.Where(v => !v.Deleted)));
            if (!result.IsCompatible)
            {
                throw RegistryErrors.Incompatible(subject, result.Messages);
            }

            int id;
            lock (_stateLock)
            {
                id = _state.FindIdByCanonical(canonical) ?? _state.MaxId + 1;
            }

            var version = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            return ([RegistryRecord.ForSchema(subject, version, id, schema, deleted: false)], id);
        });
    }

    /// <summary>Deletes one version: soft, or permanently after a soft delete (40407); returns the version number.</summary>
    public async Task<int> DeleteVersionAsync(string subject, string version, bool permanent, CancellationToken cancellationToken)
    {
        var number = ParseVersion(version);
        await WaitUntilLoadedAsync(cancellationToken);
        return await WriteAsync<int>(() =>
        {
            var target = Resolve(subject, number, includeDeleted: permanent || number is not null);
            if (!permanent && target.Deleted)
            {
                throw RegistryErrors.VersionWasSoftDeleted(subject, target.Version);
            }

            if (permanent && !target.Deleted)
            {
                throw RegistryErrors.VersionWasNotSoftDeleted(subject, target.Version);
            }

            var record = permanent
                ? new RegistryRecord(RegistryRecordKind.Schema, subject, target.Version, null)
                : RegistryRecord.ForSchema(subject, target.Version, target.Id, target.Schema, deleted: true);
            return ([record], target.Version);
        });
    }

    /// <summary>
    /// Deletes a subject: soft (its live versions are hidden and its compatibility setting removed, 40404 when already
    /// soft-deleted) or permanently after a soft delete (40405); returns the deleted versions.
    /// </summary>
    public async Task<IReadOnlyList<int>> DeleteSubjectAsync(string subject, bool permanent, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        return await WriteAsync<IReadOnlyList<int>>(() =>
        {
            var versions = Versions(subject);
            if (versions.Count == 0)
            {
                throw RegistryErrors.SubjectNotFound(subject);
            }

            var live = versions.Where(v => !v.Deleted).Select(v => v.Version).ToList();
            if (permanent)
            {
                if (live.Count > 0)
                {
                    throw RegistryErrors.SubjectWasNotSoftDeleted(subject);
                }

                var tombstones = versions
                    .Select(v => new RegistryRecord(RegistryRecordKind.Schema, subject, v.Version, null))
                    .Append(RegistryRecord.ForDeleteSubject(subject, null))
                    .ToList();
                return (tombstones, versions.Select(v => v.Version).ToList());
            }

            if (live.Count == 0)
            {
                throw RegistryErrors.SubjectWasSoftDeleted(subject);
            }

            var records = new List<RegistryRecord> { RegistryRecord.ForDeleteSubject(subject, versions[^1].Version) };
            lock (_stateLock)
            {
                if (_state.SubjectCompatibility(subject) is not null)
                {
                    records.Add(RegistryRecord.ForConfig(subject, null));
                }
            }

            return (records, live);
        });
    }

    /// <summary>Sets the global (<paramref name="subject"/> null) or a subject's compatibility; 42203 when unknown.</summary>
    public async Task<string> SetCompatibilityAsync(string? subject, string? level, CancellationToken cancellationToken)
    {
        if (!CompatibilityLevelNames.TryParse(level, out var parsed))
        {
            throw RegistryErrors.InvalidCompatibilityLevel();
        }

        var name = parsed.ToRegistryName();
        await WaitUntilLoadedAsync(cancellationToken);
        return await WriteAsync<string>(() => ([RegistryRecord.ForConfig(subject, name)], name));
    }

    /// <summary>Removes a subject's compatibility (it falls back to the global one); returns the removed level, 40408 when none.</summary>
    public async Task<string> DeleteSubjectCompatibilityAsync(string subject, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        return await WriteAsync<string>(() =>
        {
            string? current;
            lock (_stateLock)
            {
                current = _state.SubjectCompatibility(subject);
            }

            return current is null
                ? throw RegistryErrors.CompatibilityNotConfigured(subject)
                : ([RegistryRecord.ForConfig(subject, null)], current);
        });
    }

    /// <inheritdoc />
    public void Dispose() => _writes.Dispose();

    // ---- ISchemaRegistry ----

    async Task<RegisteredSchema> ISchemaRegistry.GetSchemaByIdAsync(int id, CancellationToken cancellationToken)
    {
        var stored = await GetByIdAsync(id, cancellationToken);
        return new RegisteredSchema(null, 0, stored.Id, stored.SchemaType, stored.Schema);
    }

    async Task<RegisteredSchema> ISchemaRegistry.GetLatestAsync(string subject, CancellationToken cancellationToken) =>
        ToRegistered(await GetVersionAsync(subject, "latest", includeDeleted: false, cancellationToken));

    async Task<RegisteredSchema?> ISchemaRegistry.FindLatestAsync(string subject, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        var latest = Versions(subject).LastOrDefault(v => !v.Deleted);
        return latest is null ? null : ToRegistered(latest);
    }

    async Task<RegisteredSchema> ISchemaRegistry.GetVersionAsync(string subject, int version, CancellationToken cancellationToken) =>
        ToRegistered(await GetVersionAsync(subject, version.ToString(CultureInfo.InvariantCulture), includeDeleted: false, cancellationToken));

    Task<int> ISchemaRegistry.RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken) =>
        RegisterSchemaAsync(subject, schema, schemaType, cancellationToken);

    async Task<RegisteredSchema?> ISchemaRegistry.LookupAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken)
    {
        try
        {
            return ToRegistered(await FindRegistrationAsync(subject, schema, schemaType, includeDeleted: false, cancellationToken));
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.SubjectNotFound or SchemaRegistryException.SchemaNotFound)
        {
            return null;
        }
    }

    private static RegisteredSchema ToRegistered(StoredVersion v) => new(v.Subject, v.Version, v.Id, v.SchemaType, v.Schema);

    // ---- plumbing ----

    private async Task<T> WriteAsync<T>(Func<(IReadOnlyList<RegistryRecord>? Records, T Result)> decide)
    {
        // Not cancellable once started: a record Kafka took must also be applied here.
        await _writes.WaitAsync(CancellationToken.None);
        try
        {
            if (_topicCreated is { } created)
            {
                await created;
            }

            var (records, result) = decide();
            foreach (var record in records ?? [])
            {
                try
                {
                    await _topic.AppendAsync(record, CancellationToken.None);
                }
                catch (KafkaException ex)
                {
                    LogWriteFailed(_logger, ex, _topic.Name, ex.Error.Reason);
                    throw ex.Error.Code == ErrorCode.Local_MsgTimedOut
                        ? RegistryErrors.Timeout($"Kafka did not acknowledge the write to topic {_topic.Name} in time.", ex)
                        : RegistryErrors.Store($"writing to topic {_topic.Name} failed: {ex.Error.Reason}", ex);
                }

                lock (_stateLock)
                {
                    _state.Apply(record);
                }
            }

            return result;
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task WaitUntilLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded.Task.IsCompleted)
        {
            return;
        }

        try
        {
            await _loaded.Task.WaitAsync(s_loadWait, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new SchemaRegistryException(503, RegistryErrors.OperationTimeout,
                $"The built-in schema registry is still reading topic {_topic.Name} from Kafka; retry shortly.", ex);
        }
    }

    private IReadOnlyList<StoredVersion> Versions(string subject)
    {
        lock (_stateLock)
        {
            return _state.Versions(subject);
        }
    }

    private StoredVersion Resolve(string subject, int? version, bool includeDeleted)
    {
        var versions = Versions(subject).Where(v => includeDeleted || !v.Deleted).ToList();
        if (versions.Count == 0)
        {
            throw RegistryErrors.SubjectNotFound(subject);
        }

        return version is null
            ? versions[^1]
            : versions.Find(v => v.Version == version) ?? throw RegistryErrors.VersionNotFound(version.Value);
    }

    private string GlobalCompatibility() => _state.GlobalCompatibility ?? CompatibilityLevelNames.Parse(_options.DefaultCompatibility).ToRegistryName();

    private CompatibilityLevel EffectiveCompatibility(string subject)
    {
        lock (_stateLock)
        {
            return CompatibilityLevelNames.TryParse(_state.SubjectCompatibility(subject), out var level)
                ? level
                : CompatibilityLevelNames.Parse(GlobalCompatibility());
        }
    }

    private static List<Avro.Schema> ParseAll(IEnumerable<StoredVersion> versions) =>
        versions.Select(v => Avro.Schema.Parse(v.Schema)).ToList();

    /// <summary><c>latest</c> and -1 are null (the latest version); 42202 for anything but 1..2^31-1.</summary>
    internal static int? ParseVersion(string version) =>
        string.Equals(version, "latest", StringComparison.OrdinalIgnoreCase) || version == "-1"
            ? null
            : int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw RegistryErrors.InvalidVersion(version);

    private string Canonicalize(string? schema, string? schemaType)
    {
        var type = string.IsNullOrWhiteSpace(schemaType) ? AvroType : schemaType.Trim().ToUpperInvariant();
        if (type is "JSON" or "PROTOBUF")
        {
            throw RegistryErrors.InvalidSchema(
                $"schema type {type} is not supported by the gateway's built-in registry, which stores AVRO schemas only; point SchemaRegistry:Url at a registry that supports {type}.");
        }

        if (type != AvroType)
        {
            throw RegistryErrors.InvalidSchema($"unknown schema type '{schemaType}'; the built-in registry supports AVRO.");
        }

        if (string.IsNullOrWhiteSpace(schema))
        {
            throw RegistryErrors.InvalidSchema("the request has no schema.");
        }

        if (schema.Length > _options.MaxSchemaLength)
        {
            throw RegistryErrors.InvalidSchema(
                $"the schema is {schema.Length} characters long; the limit is {_options.MaxSchemaLength} (SchemaRegistry:MaxSchemaLength).");
        }

        try
        {
            return AvroSchemaCanonicalizer.Canonicalize(schema);
        }
        catch (Exception ex)
        {
            throw RegistryErrors.InvalidSchema($"{ex.Message} (schema type AVRO)");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Built-in schema registry ready: read {Records} records of topic {Topic}, highest schema id {MaxId}.")]
    private static partial void LogLoaded(ILogger logger, string topic, long records, int maxId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schema registry write to topic {Topic} failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string topic, string reason);
}
