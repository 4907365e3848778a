// Over 500 lines on purpose: every operation of the registry API reads or writes the one RegistryState under its
// lock, and every write takes the one path (read the topic to its end, write in the fenced transaction, answer once
// applied in log order); split across files, that path and its locks would no longer be visible in one place.
using System.Globalization;
using Confluent.Kafka;
using KafkaGateway.Schemas.Compatibility;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The gateway's own Confluent-compatible schema registry (AVRO only): subjects, versions, global ids and GUIDs,
/// schema references, topic-subject associations, compatibility levels and soft/permanent deletes, persisted in a
/// compacted Kafka topic in Confluent's <c>_schemas</c> format and rebuilt from it at start-up. What Confluent's
/// 2.16 clients call is served; the integration tests drive it with Confluent.SchemaRegistry 2.16.0 and its Avro
/// serdes.
/// </summary>
/// <remarks>
/// <para><b>Several gateways, one topic.</b> Every gateway tails the topic for as long as it runs (read_committed)
/// and applies each record in log order, so all hold the same state and a registration made through one gateway is
/// served by every other within the tail's delay (well under a second). Any gateway may write: before deciding an id
/// or a version it reads the topic to its end, then writes in a transaction of the topic's fixed transactional id
/// (<see cref="RegistryTopic"/>), which fences the gateway that wrote before; a fenced writer reads again and decides
/// again. A record is answered to the caller only once it is applied in log order: one that lost a race to an
/// earlier record (<see cref="RegistryState"/>'s conflict rule) is decided again on the newer state.</para>
/// <para>Registrations waiting on one gateway are written together, one per subject, in one transaction.</para>
/// </remarks>
public sealed partial class BuiltInSchemaRegistry : ISchemaRegistry, IDisposable
{
    private const string AvroType = "AVRO";
    private const int MaxWriteAttempts = 100;
    private const int MaxBatch = 500;
    private const int RememberedConflicts = 10_000;
    private static readonly TimeSpan s_loadWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_catchUpWait = TimeSpan.FromSeconds(15);

    private readonly RegistryState _state = new();
    private readonly Lock _stateLock = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PendingRegistration> _pending = [];
    private readonly Lock _pendingLock = new();
    private readonly HashSet<long> _conflicts = [];
    private readonly Queue<long> _conflictOrder = new();

    // Under _stateLock: every record below _nextOffset is applied; _advanced completes when it moves.
    private long _nextOffset;
    private long _ownMarker = -1;
    private long _loadTarget = -1;
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RegistryTopic _topic;
    private Task? _topicCreated;
    private readonly SchemaRegistryOptions _options;
    private readonly ILogger<BuiltInSchemaRegistry> _logger;

    internal BuiltInSchemaRegistry(RegistryTopic topic, IOptions<SchemaRegistryOptions> options, ILogger<BuiltInSchemaRegistry> logger)
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

    /// <summary>Records of the topic applied so far (the tail goes on after loading).</summary>
    public long LoadedRecords { get; private set; }

    /// <summary>Records of the topic skipped because the registry cannot read them.</summary>
    public long SkippedRecords { get; private set; }

    /// <summary>SCHEMA records ignored because an earlier record took their id or (subject, version).</summary>
    public long ConflictingRecords { get { lock (_stateLock) { return _state.ConflictingRecords; } } }

    /// <summary>The offset the tail has applied the topic up to.</summary>
    public long AppliedOffset { get { lock (_stateLock) { return _nextOffset; } } }

    /// <summary>The transactional id this gateway writes with (shared by every gateway on the topic).</summary>
    public string TransactionalId => _topic.TransactionalId;

    /// <summary>The last skipped record's offset and why, or null.</summary>
    public string? LastSkipped { get; private set; }

    /// <summary>Why the last attempt to read the topic failed, or null; set by the loader, shown by readiness.</summary>
    public string? LastLoadError { get; internal set; }

    /// <summary>
    /// Tails the registry topic until <paramref name="cancellationToken"/> fires, from where the last tail stopped:
    /// loaded once it has applied everything up to the end offset the cluster reported at the first start. A failed
    /// query throws (the loader retries): only a metadata answer that the topic is missing means an empty registry.
    /// </summary>
    internal async Task RunTailAsync(CancellationToken cancellationToken)
    {
        // Creating the topic may take the admin timeout (the mock cluster never answers CreateTopics); reading does
        // not need it, so readiness does not wait for it. The first write does.
        _topicCreated ??= Task.Run(_topic.EnsureCreatedAsync, CancellationToken.None);
        var end = await _topic.EndOffsetAsync(cancellationToken);
        LastLoadError = null;
        long from;
        lock (_stateLock)
        {
            if (_loadTarget < 0)
            {
                _loadTarget = end;
            }

            AdvancedLocked();
            from = _nextOffset;
        }

        while (end == 0 && !await _topic.ExistsAsync(cancellationToken))
        {
            // Empty until somebody writes: wait for the topic to appear rather than tail a topic that is not there.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        await _topic.TailAsync(from, ApplyFromTail, TailReachedEnd, reason => LastTailError = reason, cancellationToken);
    }

    /// <summary>The last non-fatal error the tail reported, or null.</summary>
    public string? LastTailError { get; private set; }

    private void ApplyFromTail(long offset, RegistryRecord? record, string? unreadable)
    {
        lock (_stateLock)
        {
            if (offset < _nextOffset)
            {
                return; // This gateway's own write, applied when it was acknowledged.
            }

            if (record is null)
            {
                SkippedRecords++;
                LastSkipped = $"offset {offset}: {unreadable}";
            }
            else if (_state.Apply(record))
            {
                LoadedRecords++;
            }
            else
            {
                RememberConflict(offset);
            }

            _nextOffset = offset + 1;
            AdvancedLocked();
        }
    }

    private void TailReachedEnd(long end)
    {
        lock (_stateLock)
        {
            LastTailError = null;
            _nextOffset = Math.Max(_nextOffset, end);
            AdvancedLocked();
        }
    }

    private void RememberConflict(long offset)
    {
        if (_conflicts.Add(offset))
        {
            _conflictOrder.Enqueue(offset);
        }

        while (_conflictOrder.Count > RememberedConflicts)
        {
            _conflicts.Remove(_conflictOrder.Dequeue());
        }
    }

    private void AdvancedLocked()
    {
        if (!_loaded.Task.IsCompleted && _loadTarget >= 0 && _nextOffset >= _loadTarget)
        {
            _loaded.TrySetResult();
            LogLoaded(_logger, _topic.Name, LoadedRecords, _state.MaxId);
        }

        var advanced = _advanced;
        _advanced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        advanced.TrySetResult();
    }

    /// <summary>Waits until the state holds every record below <paramref name="target"/>.</summary>
    private async Task WaitForOffsetAsync(long target)
    {
        var deadline = DateTime.UtcNow + s_catchUpWait;
        while (true)
        {
            Task advanced;
            lock (_stateLock)
            {
                // The one offset after this gateway's own last write is its transaction's commit marker.
                if (_nextOffset >= target || (_nextOffset == _ownMarker && target == _ownMarker + 1))
                {
                    return;
                }

                advanced = _advanced.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(advanced, Task.Delay(left)) != advanced)
            {
                throw RegistryErrors.Timeout($"The built-in schema registry could not read topic {_topic.Name} up to offset {target} within {s_catchUpWait.TotalSeconds}s.");
            }
        }
    }

    /// <summary>Reads the topic to its current end, so that a decision sees every record written so far.</summary>
    private async Task CatchUpAsync()
    {
        long end;
        try
        {
            end = await _topic.EndOffsetAsync(CancellationToken.None);
        }
        catch (KafkaException ex)
        {
            throw ex.Error.Code == ErrorCode.Local_TimedOut
                ? RegistryErrors.Timeout($"Kafka did not tell the end of topic {_topic.Name} in time.", ex)
                : RegistryErrors.Store($"reading the end of topic {_topic.Name} failed: {ex.Error.Reason}", ex);
        }

        await WaitForOffsetAsync(end);
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
        string subject, string schema, string? schemaType, bool includeDeleted, CancellationToken cancellationToken,
        IReadOnlyList<SchemaReference>? references = null)
    {
        CheckSubmission(schema, schemaType);
        await WaitUntilLoadedAsync(cancellationToken);
        var versions = Versions(subject).Where(v => includeDeleted || !v.Deleted).ToList();
        if (versions.Count == 0)
        {
            throw RegistryErrors.SubjectNotFound(subject);
        }

        var candidate = Prepare(schema, references, normalize: false, validateDefaults: false);
        return versions.LastOrDefault(v => string.Equals(v.Canonical, candidate.Canonical, StringComparison.Ordinal))
            ?? throw RegistryErrors.SchemaNotFound();
    }

    /// <summary>
    /// Checks <paramref name="schema"/> as Confluent does: against one version (a number or <c>latest</c>) under the
    /// subject's level, or, for <paramref name="version"/> null, against what registration checks (the latest live
    /// version, or every live version for transitive levels; compatible when the subject has none). A default that
    /// does not fit its type is 42201, as on registration.
    /// </summary>
    public async Task<SchemaCompatibilityResult> TestCompatibilityAsync(
        string subject, string? version, string schema, string? schemaType, CancellationToken cancellationToken,
        IReadOnlyList<SchemaReference>? references = null)
    {
        var number = version is null ? null : ParseVersion(version);
        CheckSubmission(schema, schemaType);
        await WaitUntilLoadedAsync(cancellationToken);
        var candidate = Prepare(schema, references, normalize: false, validateDefaults: true);
        var level = EffectiveCompatibility(subject);
        if (version is null)
        {
            return SchemaCompatibilityChecker.Check(level, candidate.Parsed, ParseAll(Versions(subject).Where(v => !v.Deleted)));
        }

        var existing = Resolve(subject, number, includeDeleted: false);
        return SchemaCompatibilityChecker.Check(level, candidate.Parsed, [ParseStored(existing)]);
    }

    /// <summary>The schema with globally unique id <paramref name="guid"/> (also when soft-deleted); 40403 when unknown.</summary>
    public async Task<StoredVersion> GetByGuidAsync(string guid, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return _state.FindByGuid(guid) ?? throw new SchemaRegistryException(404, SchemaRegistryException.SchemaNotFound, $"Schema {guid} not found.");
        }
    }

    /// <summary>Ids of the live schemas that reference any registration of schema <paramref name="id"/>; 40403 when unknown.</summary>
    public async Task<IReadOnlyList<int>> ReferencedByIdAsync(int id, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            var registrations = _state.RegistrationsOf(id);
            return registrations.Count == 0
                ? throw RegistryErrors.SchemaNotFound(id)
                : registrations.SelectMany(r => _state.ReferencedBy(r.Subject, r.Version)).Distinct().Order().ToList();
        }
    }

    /// <summary>Ids of the live schemas that reference version <paramref name="version"/> of <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<int>> ReferencedByVersionAsync(string subject, string version, CancellationToken cancellationToken)
    {
        var number = ParseVersion(version);
        await WaitUntilLoadedAsync(cancellationToken);
        var target = Resolve(subject, number, includeDeleted: false);
        lock (_stateLock)
        {
            return _state.ReferencedBy(subject, target.Version);
        }
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
    /// Registers <paramref name="schema"/> under <paramref name="subject"/>: the existing registration when the subject
    /// already has it (live), otherwise a new version after a compatibility check (409), reusing the schema's id (and
    /// GUID) from any other subject or taking the next id. <paramref name="references"/> name the types the schema
    /// takes from other subjects; with <paramref name="normalize"/> the canonical text is stored (Confluent's
    /// <c>normalize=true</c>). A default that does not fit its type is 42201.
    /// </summary>
    public async Task<StoredVersion> RegisterSchemaAsync(
        string subject, string schema, string? schemaType, CancellationToken cancellationToken,
        IReadOnlyList<SchemaReference>? references = null, bool normalize = false)
    {
        CheckSubmission(schema, schemaType);
        await WaitUntilLoadedAsync(cancellationToken);
        var candidate = Prepare(schema, references, normalize, validateDefaults: true);
        if (LiveRegistration(subject, candidate.Canonical) is { } same)
        {
            return same;
        }

        var pending = new PendingRegistration(subject, candidate);
        lock (_pendingLock)
        {
            _pending.Add(pending);
        }

        // Not cancellable once queued: a record Kafka took must also be answered.
        await _writes.WaitAsync(CancellationToken.None);
        try
        {
            await DrainRegistrationsAsync();
        }
        finally
        {
            _writes.Release();
        }

        return await pending.Done.Task;
    }

    private StoredVersion? LiveRegistration(string subject, string canonical) =>
        Versions(subject).LastOrDefault(v => !v.Deleted && string.Equals(v.Canonical, canonical, StringComparison.Ordinal));

    /// <summary>A registration waiting for the writer.</summary>
    private sealed class PendingRegistration(string subject, Candidate candidate)
    {
        public string Subject { get; } = subject;

        public Candidate Candidate { get; } = candidate;

        public StoredVersion? Decided { get; set; }

        public TaskCompletionSource<StoredVersion> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Writes the queued registrations, in batches of one per subject; called holding the write lock.</summary>
    private async Task DrainRegistrationsAsync()
    {
        while (TakeBatch() is { Count: > 0 } batch)
        {
            var open = batch;
            try
            {
                if (_topicCreated is { } created)
                {
                    await created;
                }

                for (var attempt = 1; open.Count > 0; attempt++)
                {
                    await CatchUpAsync();
                    open = DecideRegistrations(open);
                    if (open.Count == 0)
                    {
                        break;
                    }

                    var applied = await AppendAsync([.. open.Select(p => RegistryRecord.ForSchema(
                        p.Subject, p.Decided!.Version, p.Decided.Id, p.Decided.Schema, deleted: false, p.Decided.Guid, p.Decided.References))]);
                    var lost = new List<PendingRegistration>();
                    for (var i = 0; i < open.Count; i++)
                    {
                        if (applied is not null && applied[i])
                        {
                            open[i].Done.TrySetResult(open[i].Decided!);
                        }
                        else
                        {
                            lost.Add(open[i]);
                        }
                    }

                    open = lost;
                    if (open.Count > 0 && attempt == MaxWriteAttempts)
                    {
                        throw RegistryErrors.Store($"other gateways kept writing topic {_topic.Name}; the registration was tried {MaxWriteAttempts} times.");
                    }
                }
            }
            catch (Exception ex)
            {
                // Whatever failed (Kafka, shutdown), every caller of the batch gets the answer, none waits for good.
                foreach (var pending in open)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    private List<PendingRegistration> TakeBatch()
    {
        lock (_pendingLock)
        {
            var subjects = new HashSet<string>(StringComparer.Ordinal);
            var batch = new List<PendingRegistration>();
            for (var i = 0; i < _pending.Count && batch.Count < MaxBatch; i++)
            {
                if (subjects.Add(_pending[i].Subject))
                {
                    batch.Add(_pending[i]);
                    _pending.RemoveAt(i--);
                }
            }

            return batch;
        }
    }

    /// <summary>
    /// Decides each registration on the current state: answers those already registered, fails the incompatible ones
    /// (409), and gives the rest their version and id (the schema's id from any subject, else the next free one,
    /// shared within the batch by equal schemas); returns those to write.
    /// </summary>
    private List<PendingRegistration> DecideRegistrations(List<PendingRegistration> batch)
    {
        var toWrite = new List<PendingRegistration>();
        var batchIds = new Dictionary<string, (int Id, string Guid)>(StringComparer.Ordinal);
        int nextId;
        lock (_stateLock)
        {
            nextId = _state.MaxId;
        }

        foreach (var pending in batch)
        {
            var candidate = pending.Candidate;
            var versions = Versions(pending.Subject);
            if (versions.LastOrDefault(v => !v.Deleted && string.Equals(v.Canonical, candidate.Canonical, StringComparison.Ordinal)) is { } same)
            {
                pending.Done.TrySetResult(same);
                continue;
            }

            try
            {
                var result = SchemaCompatibilityChecker.Check(
                    EffectiveCompatibility(pending.Subject), candidate.Parsed, ParseAll(versions.Where(v => !v.Deleted)));
                if (!result.IsCompatible)
                {
                    throw RegistryErrors.Incompatible(pending.Subject, result.Messages);
                }

                StoredVersion? sameSchema;
                lock (_stateLock)
                {
                    sameSchema = _state.FindByCanonical(candidate.Canonical);
                }

                if (!batchIds.TryGetValue(candidate.Canonical, out var assigned))
                {
                    // A forged record may hold the largest id: never wrap around to negative ids.
                    assigned = sameSchema is not null
                        ? (sameSchema.Id, sameSchema.Guid)
                        : (nextId < int.MaxValue ? ++nextId : throw RegistryErrors.Store($"Schema ids are exhausted: topic {_topic.Name} holds id {int.MaxValue}."),
                            RegistryState.DeriveGuid(candidate.Canonical));
                    batchIds[candidate.Canonical] = assigned;
                }

                var version = versions.Count == 0 ? 1 : versions[^1].Version + 1;
                pending.Decided = new StoredVersion(pending.Subject, version, assigned.Id, candidate.Schema, AvroType, false,
                    candidate.Canonical, assigned.Guid, candidate.References);
                toWrite.Add(pending);
            }
            catch (SchemaRegistryException ex)
            {
                pending.Done.TrySetException(ex);
            }
        }

        return toWrite;
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

            ThrowIfReferenced(subject, [target.Version]);

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

            ThrowIfReferenced(subject, live);

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

    // ---- associations ----

    /// <summary>
    /// The associations of a resource (a topic) with subjects, filtered as Confluent's
    /// <c>GET /associations/resources/{namespace}/{name}</c> does; an empty list when there are none.
    /// </summary>
    public async Task<IReadOnlyList<RegistryAssociation>> GetAssociationsAsync(
        string resourceName, string resourceNamespace, string? resourceType, IReadOnlyCollection<string>? associationTypes,
        CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return _state.Associations(resourceName, resourceNamespace, resourceType, associationTypes);
        }
    }

    /// <summary>The associations pointing at <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<RegistryAssociation>> GetSubjectAssociationsAsync(string subject, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        lock (_stateLock)
        {
            return _state.AssociationsOfSubject(subject);
        }
    }

    /// <summary>
    /// Creates associations of one resource, registering each one's schema first when it comes with one. Creating an
    /// association that exists with the same subject answers it again; with another subject it is 409 (40911).
    /// </summary>
    public async Task<IReadOnlyList<(RegistryAssociation Association, StoredVersion? Schema)>> CreateAssociationsAsync(
        string resourceName, string resourceNamespace, string? resourceId, string resourceType,
        IReadOnlyList<AssociationRequest> requests, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(resourceName) || requests.Count == 0)
        {
            throw new SchemaRegistryException(422, RegistryErrors.InvalidAssociation, "An association needs a resourceName and at least one association.");
        }

        await WaitUntilLoadedAsync(cancellationToken);
        var results = new List<(RegistryAssociation, StoredVersion?)>();
        foreach (var request in requests)
        {
            var associationType = string.IsNullOrWhiteSpace(request.AssociationType) ? "value" : request.AssociationType.Trim().ToLowerInvariant();
            if (associationType is not ("value" or "key") || string.IsNullOrWhiteSpace(request.Subject))
            {
                throw new SchemaRegistryException(422, RegistryErrors.InvalidAssociation,
                    $"Each association needs a subject and an associationType of value or key (got '{request.AssociationType}').");
            }

            var lifecycle = string.Equals(request.Lifecycle, RegistryAssociation.Strong, StringComparison.OrdinalIgnoreCase)
                ? RegistryAssociation.Strong : RegistryAssociation.Weak;
            StoredVersion? registered = request.Schema is { } schema
                ? await RegisterSchemaAsync(request.Subject, schema.Schema ?? "", schema.SchemaType, cancellationToken, schema.References, request.Normalize ?? false)
                : null;
            var association = await WriteAsync<RegistryAssociation>(() =>
            {
                RegistryAssociation? existing;
                lock (_stateLock)
                {
                    existing = _state.Associations(resourceName, resourceNamespace, resourceType, [associationType])
                        .FirstOrDefault(a => a.ResourceNamespace == resourceNamespace);
                }

                if (existing is not null)
                {
                    return string.Equals(existing.Subject, request.Subject, StringComparison.Ordinal)
                        ? (null, existing)
                        : throw new SchemaRegistryException(409, RegistryErrors.AssociationExists,
                            $"The {associationType} of {resourceType} '{resourceName}' is already associated with subject '{existing.Subject}'.");
                }

                var created = new RegistryAssociation(resourceName, resourceNamespace, resourceType, associationType, request.Subject,
                    Guid.NewGuid().ToString("D"), resourceId, lifecycle, request.Frozen ?? false);
                return ([RegistryRecord.ForAssociation(created)], created);
            });
            results.Add((association, registered));
        }

        return results;
    }

    /// <summary>Deletes the associations of the resource with id <paramref name="resourceId"/>; 40401 when there are none.</summary>
    public async Task DeleteAssociationsAsync(
        string resourceId, string? resourceType, IReadOnlyCollection<string>? associationTypes, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        await WriteAsync<bool>(() =>
        {
            List<RegistryAssociation> matching;
            lock (_stateLock)
            {
                matching = _state.AssociationsById(resourceId)
                    .Where(a => (resourceType is null || a.ResourceType == resourceType)
                        && (associationTypes is not { Count: > 0 } || associationTypes.Contains(a.AssociationType)))
                    .ToList();
            }

            return matching.Count == 0
                ? throw new SchemaRegistryException(404, RegistryErrors.AssociationNotFound, $"No association of resource '{resourceId}' found.")
                : (matching.Select(a => RegistryRecord.ForAssociation(a, delete: true)).ToList(), true);
        });
    }

    /// <inheritdoc />
    public void Dispose() => _writes.Dispose();


    // ---- ISchemaRegistry ----

    async Task<RegisteredSchema> ISchemaRegistry.GetSchemaByIdAsync(int id, CancellationToken cancellationToken)
    {
        var stored = await GetByIdAsync(id, cancellationToken);
        return stored.ToRegistered() with { Subject = null, Version = 0 };
    }

    async Task<RegisteredSchema> ISchemaRegistry.GetLatestAsync(string subject, CancellationToken cancellationToken) =>
        ToRegistered(await GetVersionAsync(subject, "latest", includeDeleted: false, cancellationToken));

    /// <remarks>
    /// Asked by every produce request (Development's registry): once the registry is loaded it answers with a task
    /// completed once per stored version (<see cref="s_latestAnswers"/>) instead of a new <see cref="RegisteredSchema"/>
    /// and task per request. A version that changes (soft delete, a new latest) is a new <see cref="StoredVersion"/>,
    /// so a kept answer never describes another one.
    /// </remarks>
    Task<RegisteredSchema?> ISchemaRegistry.FindLatestAsync(string subject, CancellationToken cancellationToken) =>
        _loaded.Task.IsCompleted ? FindLatestLoaded(subject) : FindLatestWhenLoadedAsync(subject, cancellationToken);

    private async Task<RegisteredSchema?> FindLatestWhenLoadedAsync(string subject, CancellationToken cancellationToken)
    {
        await WaitUntilLoadedAsync(cancellationToken);
        return await FindLatestLoaded(subject);
    }

    private Task<RegisteredSchema?> FindLatestLoaded(string subject)
    {
        StoredVersion? latest;
        lock (_stateLock)
        {
            latest = _state.LatestLive(subject);
        }

        return latest is null
            ? s_noSchema
            : s_latestAnswers.GetValue(latest, static version => Task.FromResult<RegisteredSchema?>(version.ToRegistered()));
    }

    private static readonly Task<RegisteredSchema?> s_noSchema = Task.FromResult<RegisteredSchema?>(null);

    // Keyed by the stored version's identity (records compare by value), and gone with it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StoredVersion, Task<RegisteredSchema?>> s_latestAnswers = new();

    async Task<RegisteredSchema> ISchemaRegistry.GetVersionAsync(string subject, int version, CancellationToken cancellationToken) =>
        ToRegistered(await GetVersionAsync(subject, version.ToString(CultureInfo.InvariantCulture), includeDeleted: false, cancellationToken));

    async Task<int> ISchemaRegistry.RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken) =>
        (await RegisterSchemaAsync(subject, schema, schemaType, cancellationToken)).Id;

    async Task<RegisteredSchema> ISchemaRegistry.GetSchemaByGuidAsync(Guid guid, CancellationToken cancellationToken)
    {
        var stored = await GetByGuidAsync(guid.ToString("D"), cancellationToken);
        return stored.ToRegistered() with { Subject = null, Version = 0 };
    }

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

    private static RegisteredSchema ToRegistered(StoredVersion v) => v.ToRegistered();

    // ---- plumbing ----

    private async Task<T> WriteAsync<T>(Func<(IReadOnlyList<RegistryRecord>? Records, T Result)> decide)
    {
        // Not cancellable once started: a record Kafka took must also be answered.
        await _writes.WaitAsync(CancellationToken.None);
        try
        {
            if (_topicCreated is { } created)
            {
                await created;
            }

            for (var attempt = 1; ; attempt++)
            {
                await CatchUpAsync();
                var (records, result) = decide();
                if (records is not { Count: > 0 })
                {
                    return result;
                }

                if (await AppendAsync(records) is { } applied && applied.All(a => a))
                {
                    return result;
                }

                if (attempt == MaxWriteAttempts)
                {
                    throw RegistryErrors.Store($"other gateways kept writing topic {_topic.Name}; the change was tried {MaxWriteAttempts} times.");
                }
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// Writes <paramref name="records"/> in one transaction and tells, per record, whether it took effect: applied in
    /// log order without conflicting with an earlier record. Null when this gateway was fenced (nothing committed).
    /// </summary>
    private async Task<bool[]?> AppendAsync(IReadOnlyList<RegistryRecord> records)
    {
        IReadOnlyList<long>? offsets;
        try
        {
            offsets = await _topic.AppendAsync(records);
        }
        catch (KafkaException ex)
        {
            LogWriteFailed(_logger, ex, _topic.Name, ex.Error.Reason);
            throw ex.Error.Code == ErrorCode.Local_MsgTimedOut || ex.Error.Code == ErrorCode.Local_TimedOut
                ? RegistryErrors.Timeout($"Kafka did not acknowledge the write to topic {_topic.Name} in time.", ex)
                : RegistryErrors.Store($"writing to topic {_topic.Name} failed: {ex.Error.Reason}", ex);
        }

        if (offsets is null)
        {
            return null;
        }

        var first = offsets[0];
        var last = offsets[^1];
        lock (_stateLock)
        {
            if (_nextOffset == first && last - first == offsets.Count - 1)
            {
                // Nothing unread lies before these records: apply them now, exactly as the tail would, so this
                // gateway's next request sees them at once.
                var applied = new bool[records.Count];
                for (var i = 0; i < records.Count; i++)
                {
                    applied[i] = _state.Apply(records[i]);
                    if (applied[i])
                    {
                        LoadedRecords++;
                    }
                }

                _nextOffset = last + 1;
                _ownMarker = last + 1;
                AdvancedLocked();
                return applied;
            }
        }

        // Other records came in between: the tail applies everything in log order; then look what became of ours.
        await WaitForOffsetAsync(last + 1);
        lock (_stateLock)
        {
            return [.. offsets.Select(o => !_conflicts.Contains(o))];
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

    /// <summary>42206 when a live schema references one of <paramref name="versions"/> of <paramref name="subject"/>, as Confluent refuses.</summary>
    private void ThrowIfReferenced(string subject, IEnumerable<int> versions)
    {
        lock (_stateLock)
        {
            foreach (var version in versions)
            {
                if (_state.ReferencedBy(subject, version) is { Count: > 0 } ids)
                {
                    throw RegistryErrors.ReferenceExists(subject, version, ids);
                }
            }
        }
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

    private List<Avro.Schema> ParseAll(IEnumerable<StoredVersion> versions) => versions.Select(ParseStored).ToList();

    /// <summary>A stored version parsed with its references (resolved from the registry's own state).</summary>
    private Avro.Schema ParseStored(StoredVersion version)
    {
        lock (_stateLock)
        {
            return AvroSchemaReferences.Parse(version.Schema, _state.NamesFor(version.References));
        }
    }

    /// <summary><c>latest</c> and -1 are null (the latest version); 42202 for anything but 1..2^31-1.</summary>
    internal static int? ParseVersion(string version) =>
        string.Equals(version, "latest", StringComparison.OrdinalIgnoreCase) || version == "-1"
            ? null
            : int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw RegistryErrors.InvalidVersion(version);

    /// <summary>The checks that need no registry state: schema type, presence and length (42201).</summary>
    private void CheckSubmission(string? schema, string? schemaType)
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
    }

    /// <summary>A submitted schema, parsed with its references, canonicalized and (optionally) checked for invalid defaults.</summary>
    private sealed record Candidate(string Schema, string Canonical, IReadOnlyList<SchemaReference> References, Avro.Schema Parsed);

    private Candidate Prepare(string schema, IReadOnlyList<SchemaReference>? references, bool normalize, bool validateDefaults)
    {
        var resolved = ResolveReferences(references ?? []);
        Avro.Schema parsed;
        string canonical;
        try
        {
            lock (_stateLock)
            {
                canonical = _state.CanonicalOf(schema, resolved);
                parsed = AvroSchemaReferences.Parse(schema, _state.NamesFor(resolved));
            }
        }
        catch (Exception ex) when (ex is not SchemaRegistryException)
        {
            throw RegistryErrors.InvalidSchema($"{ex.Message} (schema type AVRO)");
        }

        if (validateDefaults)
        {
            IReadOnlyList<string> invalid;
            try
            {
                invalid = AvroJsonCodec.Create(parsed).InvalidDefaults();
            }
            catch (ArgumentException ex)
            {
                throw RegistryErrors.InvalidSchema($"{ex.Message} (schema type AVRO)");
            }

            if (invalid.Count > 0)
            {
                throw RegistryErrors.InvalidSchema($"Invalid default for field {string.Join("; ", invalid)} (schema type AVRO)");
            }
        }

        // Normalized text is the canonical form; with references it would inline them, so such schemas keep their text.
        var text = normalize && resolved.Count == 0 ? AvroSchemaCanonicalizer.Canonicalize(schema) : schema;
        return new Candidate(text, canonical, resolved, parsed);
    }

    /// <summary>Checks each reference and pins version -1 (latest) to the version it names now; 42201 when one is not registered.</summary>
    private List<SchemaReference> ResolveReferences(IReadOnlyList<SchemaReference> references)
    {
        var resolved = new List<SchemaReference>(references.Count);
        foreach (var reference in references)
        {
            if (string.IsNullOrWhiteSpace(reference.Name) || string.IsNullOrWhiteSpace(reference.Subject) || reference.Version is 0 or < -1)
            {
                throw RegistryErrors.InvalidSchema(
                    $"every reference needs a name, a subject and a version (1 or more, or -1 for the latest); got name '{reference.Name}', subject '{reference.Subject}', version {reference.Version}.");
            }

            StoredVersion? target;
            lock (_stateLock)
            {
                target = _state.ResolveReference(reference);
            }

            resolved.Add(target is null
                ? throw RegistryErrors.InvalidSchema(
                    $"reference '{reference.Name}' names subject '{reference.Subject}' version {reference.Version}, which is not registered.")
                : reference with { Version = target.Version });
        }

        return resolved;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Built-in schema registry ready: read {Records} records of topic {Topic}, highest schema id {MaxId}.")]
    private static partial void LogLoaded(ILogger logger, string topic, long records, int maxId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schema registry write to topic {Topic} failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string topic, string reason);
}
