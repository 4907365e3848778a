namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The errors of the Confluent Schema Registry API, with Confluent's HTTP statuses, error codes and messages, so that
/// registry clients (which switch on <c>error_code</c>) behave against the gateway as against Confluent.
/// </summary>
public static class RegistryErrors
{
    /// <summary>40404: the subject was soft-deleted.</summary>
    public const int SubjectSoftDeleted = 40404;

    /// <summary>40405: a permanent subject delete without a soft delete first.</summary>
    public const int SubjectNotSoftDeleted = 40405;

    /// <summary>40406: the version was soft-deleted.</summary>
    public const int VersionSoftDeleted = 40406;

    /// <summary>40407: a permanent version delete without a soft delete first.</summary>
    public const int VersionNotSoftDeleted = 40407;

    /// <summary>40408: the subject has no subject-level compatibility.</summary>
    public const int SubjectCompatibilityNotConfigured = 40408;

    /// <summary>42206: the schema is referenced by another schema and cannot be deleted.</summary>
    public const int ReferenceExistsCode = 42206;

    /// <summary>42212: an association request is invalid.</summary>
    public const int InvalidAssociation = 42212;

    /// <summary>40911: the resource already has an association of that type, with another subject.</summary>
    public const int AssociationExists = 40911;

    /// <summary>40410: no association matched.</summary>
    public const int AssociationNotFound = 40410;

    /// <summary>50001: the backing Kafka topic failed.</summary>
    public const int StoreError = 50001;

    /// <summary>50002: an operation timed out.</summary>
    public const int OperationTimeout = 50002;

    /// <summary>50003: forwarding to the configured registry failed.</summary>
    public const int ForwardingError = 50003;

    public static SchemaRegistryException SubjectNotFound(string subject) =>
        new(404, SchemaRegistryException.SubjectNotFound, $"Subject '{subject}' not found.");

    public static SchemaRegistryException VersionNotFound(int version) =>
        new(404, SchemaRegistryException.VersionNotFound, $"Version {version} not found.");

    public static SchemaRegistryException SchemaNotFound(int id) =>
        new(404, SchemaRegistryException.SchemaNotFound, $"Schema {id} not found.");

    public static SchemaRegistryException SchemaNotFound() =>
        new(404, SchemaRegistryException.SchemaNotFound, "Schema not found");

    public static SchemaRegistryException SubjectWasSoftDeleted(string subject) =>
        new(404, SubjectSoftDeleted, $"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently");

    public static SchemaRegistryException SubjectWasNotSoftDeleted(string subject) =>
        new(404, SubjectNotSoftDeleted, $"Subject '{subject}' was not deleted first before being permanently deleted");

    public static SchemaRegistryException VersionWasSoftDeleted(string subject, int version) =>
        new(404, VersionSoftDeleted, $"Subject '{subject}' Version {version} was soft deleted. Set permanent=true to delete permanently");

    public static SchemaRegistryException VersionWasNotSoftDeleted(string subject, int version) =>
        new(404, VersionNotSoftDeleted, $"Subject '{subject}' Version {version} was not deleted first before being permanently deleted");

    public static SchemaRegistryException CompatibilityNotConfigured(string subject) =>
        new(404, SubjectCompatibilityNotConfigured, $"Subject '{subject}' does not have subject-level compatibility configured");

    public static SchemaRegistryException InvalidSchema(string detail) =>
        new(422, SchemaRegistryException.InvalidSchema, $"Invalid schema: {detail}");

    public static SchemaRegistryException InvalidVersion(string version) =>
        new(422, SchemaRegistryException.InvalidVersion,
            $"The specified version '{version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");

    public static SchemaRegistryException InvalidCompatibilityLevel() =>
        new(422, SchemaRegistryException.InvalidCompatibilityLevel,
            "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");

    public static SchemaRegistryException Incompatible(string subject, IEnumerable<string> details) =>
        new(409, SchemaRegistryException.IncompatibleSchema,
            $"Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{string.Join(", ", details)}]");

    public static SchemaRegistryException ReferenceExists(string subject, int version, IEnumerable<int> referencingIds) =>
        new(422, ReferenceExistsCode,
            $"One or more references exist to the schema {{subject={subject},version={version}}}: schema ids {string.Join(", ", referencingIds)}; delete those first.");

    public static SchemaRegistryException Store(string detail, Exception? inner = null) =>
        new(500, StoreError, $"Error in the backend data store: {detail}", inner);

    public static SchemaRegistryException Timeout(string detail, Exception? inner = null) =>
        new(500, OperationTimeout, $"Operation timed out: {detail}", inner);
}
