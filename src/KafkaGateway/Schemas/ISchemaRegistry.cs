using KafkaGateway.Http;

namespace KafkaGateway.Schemas;

/// <summary>
/// The schema registry as the rest of the gateway sees it: the built-in registry or any Confluent-compatible one
/// over HTTP. Both implementations speak Confluent's semantics (subjects, versions, global ids).
/// </summary>
public interface ISchemaRegistry
{
    /// <summary>The schema with global id <paramref name="id"/>; <see cref="SchemaRegistryException"/> 40403 when unknown.</summary>
    Task<RegisteredSchema> GetSchemaByIdAsync(int id, CancellationToken cancellationToken);

    /// <summary>The latest version of <paramref name="subject"/>; 40401 when the subject does not exist.</summary>
    Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken);

    /// <summary>
    /// The latest version of <paramref name="subject"/>, or null when the subject has no live version: the produce
    /// path's question "does this topic have a (key) schema?", asked on every request, where "no" is an ordinary
    /// answer and not an error.
    /// </summary>
    async Task<RegisteredSchema?> FindLatestAsync(string subject, CancellationToken cancellationToken)
    {
        try
        {
            return await GetLatestAsync(subject, cancellationToken);
        }
        catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.SubjectNotFound or SchemaRegistryException.VersionNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The schema with the globally unique id <paramref name="guid"/> (the id in the <c>__value_schema_id</c> header
    /// form of Confluent's 2.16 serializers); 40403 when unknown or when the registry has no GUIDs.
    /// </summary>
    Task<RegisteredSchema> GetSchemaByGuidAsync(Guid guid, CancellationToken cancellationToken) =>
        throw new SchemaRegistryException(StatusCodes.Status404NotFound, SchemaRegistryException.SchemaNotFound,
            $"Schema {guid} not found: this registry does not look schemas up by GUID.");

    /// <summary>Version <paramref name="version"/> of <paramref name="subject"/>; 40401 or 40402 when unknown.</summary>
    Task<RegisteredSchema> GetVersionAsync(string subject, int version, CancellationToken cancellationToken);

    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/> (or finds it) and returns its global id.</summary>
    Task<int> RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken);

    /// <summary>The registration of <paramref name="schema"/> under <paramref name="subject"/>, or null when it is not registered there.</summary>
    Task<RegisteredSchema?> LookupAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken);
}

/// <summary>A schema as a registry knows it.</summary>
/// <param name="Subject">Subject, or null when fetched by id only.</param>
/// <param name="Version">Version within the subject, or 0 when fetched by id only.</param>
/// <param name="Id">Global schema id (the id in the Confluent wire format).</param>
/// <param name="SchemaType">AVRO, JSON or PROTOBUF.</param>
/// <param name="Schema">The schema text.</param>
/// <param name="References">Named types the schema uses from other subjects' versions; null or empty when none.</param>
/// <param name="Guid">The schema's globally unique id, where the registry has one (Confluent 8+, the built-in registry).</param>
public sealed record RegisteredSchema(
    string? Subject, int Version, int Id, string SchemaType, string Schema,
    IReadOnlyList<SchemaReference>? References = null, Guid? Guid = null);

/// <summary>
/// A schema reference as Confluent defines it: the schema uses the named type <paramref name="Name"/>, which is
/// defined by version <paramref name="Version"/> of subject <paramref name="Subject"/>.
/// </summary>
/// <param name="Name">For Avro, the full name of the referenced type, e.g. <c>com.acme.Address</c>.</param>
/// <param name="Subject">The subject holding the referenced schema.</param>
/// <param name="Version">Its version (-1: the latest, resolved when the schema is registered).</param>
public sealed record SchemaReference(
    [property: System.Text.Json.Serialization.JsonPropertyName("name")] string Name,
    [property: System.Text.Json.Serialization.JsonPropertyName("subject")] string Subject,
    [property: System.Text.Json.Serialization.JsonPropertyName("version")] int Version);

/// <summary>A registry answered with a Confluent error (e.g. 40401 subject not found).</summary>
public class SchemaRegistryException(int statusCode, int errorCode, string message, Exception? inner = null)
    : Exception(message, inner), IGatewayFailure
{
    /// <summary>HTTP status of the registry answer.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>Confluent error code, e.g. 40401, 40402, 40403, 42201, 409.</summary>
    public int ErrorCode { get; } = errorCode;

    public const int SubjectNotFound = 40401;
    public const int VersionNotFound = 40402;
    public const int SchemaNotFound = 40403;
    public const int InvalidSchema = 42201;
    public const int InvalidVersion = 42202;
    public const int InvalidCompatibilityLevel = 42203;
    public const int IncompatibleSchema = 409;

    /// <summary>The answer to a registry error on any route: not found, incompatible, invalid, or the registry's failure.</summary>
    public GatewayException ToGatewayException() => new(
        ErrorCode switch
        {
            SubjectNotFound or VersionNotFound or SchemaNotFound => GatewayErrors.SchemaNotFound,
            IncompatibleSchema => GatewayErrors.IncompatibleSchema,
            >= 42200 and < 42300 => GatewayErrors.InvalidSchema,
            _ => GatewayErrors.SchemaRegistryError,
        },
        Message)
    {
        Extensions = { ["registryErrorCode"] = ErrorCode },
    };
}

/// <summary>The registry could not be reached (or timed out) and no cached answer exists.</summary>
public sealed class SchemaRegistryUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner), IGatewayFailure
{
    /// <summary>Seconds the caller should wait before retrying.</summary>
    public int RetryAfterSeconds { get; init; } = 5;

    /// <inheritdoc />
    public GatewayException ToGatewayException() =>
        new(GatewayErrors.SchemaRegistryUnavailable, Message) { RetryAfterSeconds = RetryAfterSeconds };
}
