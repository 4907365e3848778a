using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KafkaGateway.Schemas.Compatibility;

namespace KafkaGateway.Schemas.Registry;

/// <summary>One version of a subject as the registry holds it.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Version">The version within the subject, from 1.</param>
/// <param name="Id">The global schema id.</param>
/// <param name="Schema">The schema text as registered.</param>
/// <param name="SchemaType">AVRO.</param>
/// <param name="Deleted">Soft-deleted: hidden from subject listings, still readable by id.</param>
/// <param name="Canonical">The canonical text used to recognise the same schema (references included).</param>
/// <param name="Guid">The schema's globally unique id: as stored, or derived from <paramref name="Canonical"/> for records without one.</param>
/// <param name="References">The named types the schema takes from other subjects' versions; empty when none.</param>
public sealed record StoredVersion(
    string Subject, int Version, int Id, string Schema, string SchemaType, bool Deleted, string Canonical,
    string Guid = "", IReadOnlyList<SchemaReference>? References = null)
{
    /// <summary>The schema as the rest of the gateway sees it.</summary>
    public RegisteredSchema ToRegistered() =>
        new(Subject, Version, Id, SchemaType, Schema, References, System.Guid.TryParse(Guid, out var guid) ? guid : null);
}

/// <summary>
/// The registry's content, rebuilt by applying the records of the registry topic in order. Applying is idempotent
/// per key (the last record of a key wins, as after compaction). Not thread-safe: the owner serializes access.
/// </summary>
/// <remarks>
/// Every gateway applies the same log with the same rules, so every gateway holds the same state. A SCHEMA record
/// that contradicts what an earlier record established is a conflict and is not applied (first in the log wins):
/// one that gives an id already held by another schema, or that puts another schema (or id) at a (subject, version)
/// that is taken. Fenced transactional writers keep such records out of a real cluster's committed log; the rule
/// makes the outcome the same on every gateway when something else wrote one (the mock cluster does not fence), and
/// the writer that lost sees it and decides again.
/// </remarks>
public sealed class RegistryState
{
    private readonly Dictionary<string, SortedDictionary<int, StoredVersion>> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _subjectCompatibility = new(StringComparer.Ordinal);
    // LatestLive's answers for subjects that exist; an entry goes whenever a record changes its subject.
    private readonly Dictionary<string, StoredVersion?> _latestLive = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, string Name, string Namespace, string AssociationType), RegistryAssociation> _associations = [];

    // The schema each id was first given to; kept after deletes, as ids are never given to another schema.
    private readonly Dictionary<int, string> _canonicalById = [];

    /// <summary>The global compatibility level written with PUT /config, or null for the configured default.</summary>
    public string? GlobalCompatibility { get; private set; }

    /// <summary>
    /// The highest id ever read or written. Tombstones do not lower it, so ids are not reused while the original
    /// records are still in the log (compaction removes them only after <c>delete.retention.ms</c>).
    /// </summary>
    public int MaxId { get; private set; }

    /// <summary>Number of records applied.</summary>
    public long AppliedRecords { get; private set; }

    /// <summary>SCHEMA records not applied because they contradict an earlier record (see the remarks).</summary>
    public long ConflictingRecords { get; private set; }

    /// <summary>Applies one record of the registry topic; false when it conflicts with an earlier record and is ignored.</summary>
    public bool Apply(RegistryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        AppliedRecords++;
        switch (record.Kind)
        {
            case RegistryRecordKind.Schema when record.Subject is not null:
                return ApplySchema(record.Subject, record.Version, record.Value);
            case RegistryRecordKind.Config:
                ApplyConfig(record.Subject, record.Value?.CompatibilityLevel);
                break;
            case RegistryRecordKind.Association when record.Association is { } association:
                var key = (association.ResourceType, association.ResourceName, association.ResourceNamespace, association.AssociationType);
                if (record.Value is null)
                {
                    _associations.Remove(key);
                }
                else
                {
                    _associations[key] = association;
                }

                break;
            case RegistryRecordKind.DeleteSubject when record.Subject is not null && record.Value is not null:
                _latestLive.Remove(record.Subject);
                if (_subjects.TryGetValue(record.Subject, out var versions))
                {
                    foreach (var stored in versions.Values.Where(v => v.Version <= record.Version && !v.Deleted).ToList())
                    {
                        versions[stored.Version] = stored with { Deleted = true };
                    }
                }

                break;
            default:
                break;
        }

        return true;
    }

    private bool ApplySchema(string subject, int version, RegistryRecordValue? value)
    {
        _latestLive.Remove(subject);
        if (value is null)
        {
            if (_subjects.TryGetValue(subject, out var existing) && existing.Remove(version) && existing.Count == 0)
            {
                _subjects.Remove(subject);
            }

            return true;
        }

        var schema = value.Schema ?? "";
        var references = value.References ?? [];
        var canonical = CanonicalOrRaw(schema, references);
        _subjects.TryGetValue(subject, out var versions);
        if (versions?.GetValueOrDefault(version) is { } taken
            ? taken.Id != value.Id || !string.Equals(taken.Canonical, canonical, StringComparison.Ordinal)
            : _canonicalById.TryGetValue(value.Id, out var holder) && !string.Equals(holder, canonical, StringComparison.Ordinal))
        {
            // The same key rewritten with the same id and schema (a soft delete, a retry) is an update; anything
            // else at a taken (subject, version), or a taken id for another schema, lost a race to an earlier record.
            ConflictingRecords++;
            return false;
        }

        if (versions is null)
        {
            versions = [];
            _subjects[subject] = versions;
        }

        versions[version] = new StoredVersion(subject, version, value.Id, schema, value.SchemaType, value.Deleted, canonical,
            value.Guid ?? DeriveGuid(canonical), references);
        _canonicalById.TryAdd(value.Id, canonical);
        MaxId = Math.Max(MaxId, value.Id);
        return true;
    }

    private void ApplyConfig(string? subject, string? level)
    {
        if (subject is null)
        {
            GlobalCompatibility = level;
        }
        else if (level is null)
        {
            _subjectCompatibility.Remove(subject);
        }
        else
        {
            _subjectCompatibility[subject] = level;
        }
    }

    // A record written by another tool may hold a schema this parser rejects; it still occupies its id and version.
    private string CanonicalOrRaw(string schema, IReadOnlyList<SchemaReference> references)
    {
        try
        {
            return CanonicalOf(schema, references);
        }
        catch (Exception)
        {
            return schema;
        }
    }

    /// <summary>
    /// The text that identifies a registration: the canonical schema with its referenced definitions written out,
    /// and the references themselves, so the same text with different references is a different schema.
    /// </summary>
    /// <exception cref="Avro.SchemaParseException">Invalid schema, or a reference that is not registered.</exception>
    public string CanonicalOf(string schema, IReadOnlyList<SchemaReference> references)
    {
        var canonical = AvroSchemaCanonicalizer.Canonicalize(schema, NamesFor(references));
        return references.Count == 0
            ? canonical
            : canonical + "\n" + string.Join("\n", references.Select(r => $"{r.Name}={r.Subject}/{r.Version.ToString(CultureInfo.InvariantCulture)}"));
    }

    /// <summary>A fresh set of the named types <paramref name="references"/> define (parsing adds to it, so never share one).</summary>
    /// <exception cref="Avro.SchemaParseException">A reference is not registered or its schema is invalid.</exception>
    public Avro.SchemaNames? NamesFor(IReadOnlyList<SchemaReference>? references) =>
        AvroSchemaReferences.NamesFor(references, reference =>
            ResolveReference(reference)?.ToRegistered()
            ?? throw new Avro.SchemaParseException(
                $"reference '{reference.Name}' names subject '{reference.Subject}' version {reference.Version}, which is not registered."));

    /// <summary>
    /// The subject's latest version that is not soft-deleted, or null; asked by every produce request, so kept per
    /// subject (<see cref="_latestLive"/>, dropped whenever a record changes the subject) instead of walking the
    /// subject's versions, whose sorted-set enumerator allocates its stack on every walk.
    /// </summary>
    public StoredVersion? LatestLive(string subject)
    {
        if (_latestLive.TryGetValue(subject, out var known))
        {
            return known;
        }

        if (!_subjects.TryGetValue(subject, out var versions))
        {
            // Not kept: a produce request may name any subject, and "none" needs no walk.
            return null;
        }

        StoredVersion? latest = null;
        foreach (var version in versions.Values)
        {
            if (!version.Deleted)
            {
                latest = version;
            }
        }

        _latestLive[subject] = latest;
        return latest;
    }

    /// <summary>The live version a reference names (-1: the subject's latest), or null.</summary>
    public StoredVersion? ResolveReference(SchemaReference reference) =>
        _subjects.TryGetValue(reference.Subject, out var versions)
            ? reference.Version == -1
                ? versions.Values.LastOrDefault(v => !v.Deleted)
                : versions.GetValueOrDefault(reference.Version) is { Deleted: false } found ? found : null
            : null;

    /// <summary>A stable GUID for a schema from its identifying text: every gateway derives the same one.</summary>
    public static string DeriveGuid(string canonical)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonical), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // RFC 9562 version 8: custom (name-based on SHA-256)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>The schema with globally unique id <paramref name="guid"/>, soft-deleted or not.</summary>
    public StoredVersion? FindByGuid(string guid) =>
        _subjects.Values.SelectMany(v => v.Values)
            .Where(v => string.Equals(v.Guid, guid, StringComparison.OrdinalIgnoreCase))
            .OrderBy(v => v.Deleted).FirstOrDefault();

    /// <summary>Ids of the live versions that reference <paramref name="subject"/> version <paramref name="version"/>.</summary>
    public IReadOnlyList<int> ReferencedBy(string subject, int version) =>
        _subjects.Values.SelectMany(v => v.Values)
            .Where(v => !v.Deleted && (v.References ?? []).Any(r => string.Equals(r.Subject, subject, StringComparison.Ordinal)
                && (r.Version == version || (r.Version == -1 && ResolveReference(r)?.Version == version))))
            .Select(v => v.Id).Distinct().Order().ToList();

    /// <summary>
    /// The associations of a resource: <paramref name="resourceNamespace"/> <c>-</c> (or a stored <c>-</c>) matches
    /// any namespace; null filters match everything.
    /// </summary>
    public IReadOnlyList<RegistryAssociation> Associations(
        string resourceName, string resourceNamespace, string? resourceType, IReadOnlyCollection<string>? associationTypes) =>
        _associations.Values
            .Where(a => string.Equals(a.ResourceName, resourceName, StringComparison.Ordinal)
                && (resourceNamespace == RegistryAssociation.AnyNamespace || a.ResourceNamespace == RegistryAssociation.AnyNamespace
                    || string.Equals(a.ResourceNamespace, resourceNamespace, StringComparison.Ordinal))
                && (resourceType is null || string.Equals(a.ResourceType, resourceType, StringComparison.Ordinal))
                && (associationTypes is not { Count: > 0 } || associationTypes.Contains(a.AssociationType)))
            .OrderBy(a => a.ResourceNamespace, StringComparer.Ordinal).ThenBy(a => a.AssociationType, StringComparer.Ordinal)
            .ToList();

    /// <summary>The associations whose resource id is <paramref name="resourceId"/>.</summary>
    public IReadOnlyList<RegistryAssociation> AssociationsById(string resourceId) =>
        _associations.Values.Where(a => string.Equals(a.ResourceId, resourceId, StringComparison.Ordinal)).ToList();

    /// <summary>The associations that point at <paramref name="subject"/>.</summary>
    public IReadOnlyList<RegistryAssociation> AssociationsOfSubject(string subject) =>
        _associations.Values.Where(a => string.Equals(a.Subject, subject, StringComparison.Ordinal)).ToList();

    /// <summary>Subjects with at least one live version, or with any version when <paramref name="includeDeleted"/>; sorted.</summary>
    public IReadOnlyList<string> Subjects(bool includeDeleted) =>
        _subjects.Where(s => includeDeleted || s.Value.Values.Any(v => !v.Deleted))
            .Select(s => s.Key)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Every version of <paramref name="subject"/> (soft-deleted included), oldest first; empty when unknown.</summary>
    public IReadOnlyList<StoredVersion> Versions(string subject) =>
        _subjects.TryGetValue(subject, out var versions) ? versions.Values.ToList() : [];

    /// <summary>The schema with global id <paramref name="id"/>, from any subject, soft-deleted or not.</summary>
    public StoredVersion? FindById(int id) =>
        _subjects.Values.SelectMany(v => v.Values).Where(v => v.Id == id).OrderBy(v => v.Deleted).FirstOrDefault();

    /// <summary>The id already given to a schema with this canonical text in any subject, or null.</summary>
    public int? FindIdByCanonical(string canonical) => FindByCanonical(canonical)?.Id;

    /// <summary>A registration of the schema with this canonical text in any subject, or null.</summary>
    public StoredVersion? FindByCanonical(string canonical) =>
        _subjects.Values.SelectMany(v => v.Values).FirstOrDefault(v => string.Equals(v.Canonical, canonical, StringComparison.Ordinal));

    /// <summary>Every (subject, version) registration of <paramref name="id"/>.</summary>
    public IReadOnlyList<StoredVersion> RegistrationsOf(int id) =>
        _subjects.Values.SelectMany(v => v.Values).Where(v => v.Id == id)
            .OrderBy(v => v.Subject, StringComparer.Ordinal).ThenBy(v => v.Version).ToList();

    /// <summary>The subject-level compatibility, or null when the subject has none.</summary>
    public string? SubjectCompatibility(string subject) => _subjectCompatibility.GetValueOrDefault(subject);
}
