using KafkaGateway.Schemas.Compatibility;

namespace KafkaGateway.Schemas.Registry;

/// <summary>One version of a subject as the registry holds it.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Version">The version within the subject, from 1.</param>
/// <param name="Id">The global schema id.</param>
/// <param name="Schema">The schema text as registered.</param>
/// <param name="SchemaType">AVRO.</param>
/// <param name="Deleted">Soft-deleted: hidden from subject listings, still readable by id.</param>
/// <param name="Canonical">The canonical text used to recognise the same schema.</param>
public sealed record StoredVersion(string Subject, int Version, int Id, string Schema, string SchemaType, bool Deleted, string Canonical);

/// <summary>
/// The registry's content, rebuilt by applying the records of the registry topic in order. Applying is idempotent
/// per key (the last record of a key wins, as after compaction). Not thread-safe: the owner serializes access.
/// </summary>
public sealed class RegistryState
{
    private readonly Dictionary<string, SortedDictionary<int, StoredVersion>> _subjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _subjectCompatibility = new(StringComparer.Ordinal);

    /// <summary>The global compatibility level written with PUT /config, or null for the configured default.</summary>
    public string? GlobalCompatibility { get; private set; }

    /// <summary>
    /// The highest id ever read or written. Tombstones do not lower it, so ids are not reused while the original
    /// records are still in the log (compaction removes them only after <c>delete.retention.ms</c>).
    /// </summary>
    public int MaxId { get; private set; }

    /// <summary>Number of records applied.</summary>
    public long AppliedRecords { get; private set; }

    /// <summary>Applies one record of the registry topic.</summary>
    public void Apply(RegistryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        AppliedRecords++;
        switch (record.Kind)
        {
            case RegistryRecordKind.Schema when record.Subject is not null:
                ApplySchema(record.Subject, record.Version, record.Value);
                break;
            case RegistryRecordKind.Config:
                ApplyConfig(record.Subject, record.Value?.CompatibilityLevel);
                break;
            case RegistryRecordKind.DeleteSubject when record.Subject is not null && record.Value is not null:
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
    }

    private void ApplySchema(string subject, int version, RegistryRecordValue? value)
    {
        if (value is null)
        {
            if (_subjects.TryGetValue(subject, out var existing) && existing.Remove(version) && existing.Count == 0)
            {
                _subjects.Remove(subject);
            }

            return;
        }

        if (!_subjects.TryGetValue(subject, out var versions))
        {
            versions = [];
            _subjects[subject] = versions;
        }

        var schema = value.Schema ?? "";
        versions[version] = new StoredVersion(subject, version, value.Id, schema, value.SchemaType, value.Deleted, CanonicalOrRaw(schema));
        MaxId = Math.Max(MaxId, value.Id);
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
    private static string CanonicalOrRaw(string schema)
    {
        try
        {
            return AvroSchemaCanonicalizer.Canonicalize(schema);
        }
        catch (Exception)
        {
            return schema;
        }
    }

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
    public int? FindIdByCanonical(string canonical) =>
        _subjects.Values.SelectMany(v => v.Values).FirstOrDefault(v => string.Equals(v.Canonical, canonical, StringComparison.Ordinal))?.Id;

    /// <summary>Every (subject, version) registration of <paramref name="id"/>.</summary>
    public IReadOnlyList<StoredVersion> RegistrationsOf(int id) =>
        _subjects.Values.SelectMany(v => v.Values).Where(v => v.Id == id)
            .OrderBy(v => v.Subject, StringComparer.Ordinal).ThenBy(v => v.Version).ToList();

    /// <summary>The subject-level compatibility, or null when the subject has none.</summary>
    public string? SubjectCompatibility(string subject) => _subjectCompatibility.GetValueOrDefault(subject);
}
