using Avro;

namespace KafkaGateway.Schemas.Compatibility;

/// <summary>Which schema played the reader in a failed check.</summary>
public enum CompatibilityDirection
{
    /// <summary>The new schema reads data written with an existing schema (backward).</summary>
    NewReadsExisting,

    /// <summary>An existing schema reads data written with the new schema (forward).</summary>
    ExistingReadsNew,
}

/// <summary>One incompatibility between the candidate schema and one registered schema.</summary>
/// <param name="ExistingSchemaIndex">Zero-based index into the existing schemas, oldest first.</param>
/// <param name="Direction">Which side was the reader.</param>
/// <param name="Incompatibility">What failed, and where in the reader schema.</param>
public sealed record SchemaCompatibilityViolation(
    int ExistingSchemaIndex,
    CompatibilityDirection Direction,
    SchemaIncompatibility Incompatibility);

/// <summary>The outcome of checking a candidate schema against a subject's registered schemas.</summary>
public sealed record SchemaCompatibilityResult
{
    /// <summary>Creates a result; an empty list means the candidate may be registered.</summary>
    public SchemaCompatibilityResult(IReadOnlyList<SchemaCompatibilityViolation> violations, CompatibilityLevel level)
    {
        Violations = violations;
        Level = level;
    }

    /// <summary>The level that was checked.</summary>
    public CompatibilityLevel Level { get; }

    /// <summary>Every violation, newest existing schema first.</summary>
    public IReadOnlyList<SchemaCompatibilityViolation> Violations { get; }

    /// <summary>True when the candidate satisfies the level.</summary>
    public bool IsCompatible => Violations.Count == 0;

    /// <summary>
    /// One line per violation in the shape Confluent Schema Registry returns, e.g.
    /// <c>{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', location:'/fields/2', description:'…', readerSchema:'new', writerSchema:'existing #1', compatibility:'BACKWARD'}</c>.
    /// Existing schemas are numbered from 1, oldest first, which is their version order within the subject.
    /// </summary>
    public IReadOnlyList<string> Messages => Violations.Select(Format).ToList();

    private string Format(SchemaCompatibilityViolation violation)
    {
        var existing = $"existing #{violation.ExistingSchemaIndex + 1}";
        var (reader, writer) = violation.Direction == CompatibilityDirection.NewReadsExisting
            ? ("new", existing)
            : (existing, "new");
        var incompatibility = violation.Incompatibility;
        return $"{{errorType:'{incompatibility.Type.ToRegistryName()}', location:'{incompatibility.Location}', "
            + $"description:'{incompatibility.Message}', readerSchema:'{reader}', writerSchema:'{writer}', "
            + $"compatibility:'{Level.ToRegistryName()}'}}";
    }
}

/// <summary>Applies a <see cref="CompatibilityLevel"/> to a candidate schema and a subject's registered schemas.</summary>
public static class SchemaCompatibilityChecker
{
    /// <summary>
    /// Checks <paramref name="candidate"/> against <paramref name="existingOldestFirst"/> under <paramref name="level"/>:
    /// backward levels make the candidate the reader, forward levels make the existing schema the reader, full does
    /// both, and transitive levels check every existing schema instead of only the latest.
    /// </summary>
    /// <param name="level">The subject's compatibility level.</param>
    /// <param name="candidate">The schema being registered.</param>
    /// <param name="existingOldestFirst">The subject's registered schemas in version order; may be empty.</param>
    /// <returns>Compatible for <see cref="CompatibilityLevel.None"/> and for a subject with no schemas.</returns>
    public static SchemaCompatibilityResult Check(
        CompatibilityLevel level,
        Schema candidate,
        IReadOnlyList<Schema> existingOldestFirst)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(existingOldestFirst);

        if (level == CompatibilityLevel.None || existingOldestFirst.Count == 0)
        {
            return new SchemaCompatibilityResult([], level);
        }

        var transitive = level is CompatibilityLevel.BackwardTransitive
            or CompatibilityLevel.ForwardTransitive
            or CompatibilityLevel.FullTransitive;
        var backward = level is CompatibilityLevel.Backward
            or CompatibilityLevel.BackwardTransitive
            or CompatibilityLevel.Full
            or CompatibilityLevel.FullTransitive;
        var forward = level is CompatibilityLevel.Forward
            or CompatibilityLevel.ForwardTransitive
            or CompatibilityLevel.Full
            or CompatibilityLevel.FullTransitive;

        var violations = new List<SchemaCompatibilityViolation>();
        var oldestChecked = transitive ? 0 : existingOldestFirst.Count - 1;

        // Newest first, as the registry reports: the latest version is the one a client most likely evolved from.
        for (var index = existingOldestFirst.Count - 1; index >= oldestChecked; index--)
        {
            var existing = existingOldestFirst[index];
            if (backward)
            {
                violations.AddRange(AvroSchemaResolution.CanRead(candidate, existing).Incompatibilities
                    .Select(i => new SchemaCompatibilityViolation(index, CompatibilityDirection.NewReadsExisting, i)));
            }

            if (forward)
            {
                violations.AddRange(AvroSchemaResolution.CanRead(existing, candidate).Incompatibilities
                    .Select(i => new SchemaCompatibilityViolation(index, CompatibilityDirection.ExistingReadsNew, i)));
            }
        }

        return new SchemaCompatibilityResult(violations, level);
    }
}
