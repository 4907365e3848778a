using System.Text.Json.Serialization;

namespace KafkaGateway.Schemas.Registry;

/// <summary>A schema to register, look up or test, as Confluent's registry API takes it.</summary>
public sealed record RegistrySchemaRequest
{
    /// <summary>The schema text: an Avro schema as a JSON string.</summary>
    /// <example>{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"}]}</example>
    [JsonPropertyName("schema")]
    public string? Schema { get; init; }

    /// <summary>AVRO (the default when omitted); the built-in registry supports no other type.</summary>
    /// <example>AVRO</example>
    [JsonPropertyName("schemaType")]
    public string? SchemaType { get; init; }
}

/// <summary>The global id a registered schema received.</summary>
/// <param name="Id">Global schema id (the id in the Confluent wire format).</param>
public sealed record RegisteredSchemaId([property: JsonPropertyName("id")] int Id);

/// <summary>One version of a subject.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Id">Global schema id.</param>
/// <param name="Version">Version within the subject.</param>
/// <param name="SchemaType">Omitted for AVRO, as Confluent does.</param>
/// <param name="Schema">The schema text.</param>
public sealed record SubjectVersion(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("schemaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SchemaType,
    [property: JsonPropertyName("schema")] string Schema);

/// <summary>A schema fetched by its global id.</summary>
/// <param name="Schema">The schema text.</param>
/// <param name="SchemaType">Omitted for AVRO.</param>
public sealed record SchemaById(
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("schemaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SchemaType);

/// <summary>A (subject, version) registration of a schema id.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Version">The version.</param>
public sealed record SubjectVersionPair(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("version")] int Version);

/// <summary>A compatibility level to set (PUT /config) and its echo.</summary>
public sealed record CompatibilityUpdate
{
    /// <summary>NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE.</summary>
    /// <example>FULL</example>
    [JsonPropertyName("compatibility")]
    public string? Compatibility { get; init; }
}

/// <summary>A compatibility level as GET /config answers it.</summary>
/// <param name="CompatibilityLevel">The level, e.g. BACKWARD.</param>
public sealed record CompatibilityConfig([property: JsonPropertyName("compatibilityLevel")] string CompatibilityLevel);

/// <summary>The answer of a compatibility test.</summary>
/// <param name="IsCompatible">True when the schema could be registered.</param>
/// <param name="Messages">With <c>verbose=true</c>: why not.</param>
public sealed record CompatibilityCheck(
    [property: JsonPropertyName("is_compatible")] bool IsCompatible,
    [property: JsonPropertyName("messages"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Messages);

/// <summary>Confluent's error body, which registry clients parse.</summary>
/// <param name="ErrorCode">e.g. 40401 subject not found.</param>
/// <param name="Message">A human-readable explanation.</param>
public sealed record RegistryError(
    [property: JsonPropertyName("error_code")] int ErrorCode,
    [property: JsonPropertyName("message")] string Message);
