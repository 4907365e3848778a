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

    /// <summary>Named types the schema takes from other subjects: <c>[{"name":"com.acme.Address","subject":"address","version":1}]</c>.</summary>
    [JsonPropertyName("references")]
    public IReadOnlyList<SchemaReference>? References { get; init; }
}

/// <summary>The global id a registered schema received.</summary>
/// <param name="Id">Global schema id (the id in the Confluent wire format).</param>
/// <param name="Version">The version of the subject that holds the schema.</param>
/// <param name="Guid">The schema's globally unique id (the id in the header form of Confluent's 2.16 serializers).</param>
public sealed record RegisteredSchemaId(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("version"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Version = 0,
    [property: JsonPropertyName("guid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Guid = null);

/// <summary>One version of a subject.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Id">Global schema id.</param>
/// <param name="Version">Version within the subject.</param>
/// <param name="SchemaType">Omitted for AVRO, as Confluent does.</param>
/// <param name="Schema">The schema text.</param>
/// <param name="References">The schema's references; omitted when none.</param>
/// <param name="Guid">The schema's globally unique id.</param>
public sealed record SubjectVersion(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("schemaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SchemaType,
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("references"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SchemaReference>? References = null,
    [property: JsonPropertyName("guid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Guid = null);

/// <summary>A schema fetched by its global id.</summary>
/// <param name="Schema">The schema text.</param>
/// <param name="SchemaType">Omitted for AVRO.</param>
/// <param name="References">The schema's references; omitted when none.</param>
/// <param name="Guid">The schema's globally unique id.</param>
public sealed record SchemaById(
    [property: JsonPropertyName("schema")] string Schema,
    [property: JsonPropertyName("schemaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SchemaType,
    [property: JsonPropertyName("references"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SchemaReference>? References = null,
    [property: JsonPropertyName("guid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Guid = null);

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

/// <summary>One association to create (Confluent's <c>AssociationCreateOrUpdateInfo</c>).</summary>
public sealed record AssociationRequest
{
    /// <summary>The subject the resource's values or keys use.</summary>
    /// <example>orders-value</example>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>value (default) or key.</summary>
    /// <example>value</example>
    [JsonPropertyName("associationType")]
    public string? AssociationType { get; init; }

    /// <summary>STRONG or WEAK (default).</summary>
    [JsonPropertyName("lifecycle")]
    public string? Lifecycle { get; init; }

    /// <summary>Whether the subject is frozen.</summary>
    [JsonPropertyName("frozen")]
    public bool? Frozen { get; init; }

    /// <summary>A schema to register under the subject first (optional).</summary>
    [JsonPropertyName("schema")]
    public RegistrySchemaRequest? Schema { get; init; }

    /// <summary>Register <see cref="Schema"/> in normalized form.</summary>
    [JsonPropertyName("normalize")]
    public bool? Normalize { get; init; }
}

/// <summary>Body of <c>POST /associations</c>: a resource (a topic) and its associations.</summary>
public sealed record AssociationCreateRequest
{
    /// <summary>The topic name.</summary>
    /// <example>orders</example>
    [JsonPropertyName("resourceName")]
    public string? ResourceName { get; init; }

    /// <summary>The Kafka cluster id; <c>-</c> (the default) matches any cluster.</summary>
    /// <example>-</example>
    [JsonPropertyName("resourceNamespace")]
    public string? ResourceNamespace { get; init; }

    /// <summary>The resource's id (Confluent uses the topic id); what DELETE /associations/resources/{resourceId} names.</summary>
    [JsonPropertyName("resourceId")]
    public string? ResourceId { get; init; }

    /// <summary>topic (the default).</summary>
    /// <example>topic</example>
    [JsonPropertyName("resourceType")]
    public string? ResourceType { get; init; }

    /// <summary>The associations.</summary>
    [JsonPropertyName("associations")]
    public IReadOnlyList<AssociationRequest>? Associations { get; init; }
}

/// <summary>An association as <c>GET /associations/...</c> answers it.</summary>
/// <param name="Subject">The associated subject.</param>
/// <param name="Guid">The association's id.</param>
/// <param name="ResourceName">The topic.</param>
/// <param name="ResourceNamespace">The cluster id, or <c>-</c>.</param>
/// <param name="ResourceId">The resource id, when given.</param>
/// <param name="ResourceType">topic.</param>
/// <param name="AssociationType">value or key.</param>
/// <param name="Lifecycle">STRONG or WEAK.</param>
/// <param name="Frozen">Frozen.</param>
public sealed record AssociationAnswer(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("guid")] string Guid,
    [property: JsonPropertyName("resourceName")] string ResourceName,
    [property: JsonPropertyName("resourceNamespace")] string ResourceNamespace,
    [property: JsonPropertyName("resourceId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResourceId,
    [property: JsonPropertyName("resourceType")] string ResourceType,
    [property: JsonPropertyName("associationType")] string AssociationType,
    [property: JsonPropertyName("lifecycle")] string Lifecycle,
    [property: JsonPropertyName("frozen")] bool Frozen)
{
    internal static AssociationAnswer From(RegistryAssociation a) =>
        new(a.Subject, a.Guid, a.ResourceName, a.ResourceNamespace, a.ResourceId, a.ResourceType, a.AssociationType, a.Lifecycle, a.Frozen);
}

/// <summary>One created association in the answer of <c>POST /associations</c>.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="AssociationType">value or key.</param>
/// <param name="Lifecycle">STRONG or WEAK.</param>
/// <param name="Frozen">Frozen.</param>
/// <param name="Schema">The schema registered with it, when the request had one.</param>
public sealed record AssociationInfoAnswer(
    [property: JsonPropertyName("subject")] string Subject,
    [property: JsonPropertyName("associationType")] string AssociationType,
    [property: JsonPropertyName("lifecycle")] string Lifecycle,
    [property: JsonPropertyName("frozen")] bool Frozen,
    [property: JsonPropertyName("schema"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SubjectVersion? Schema);

/// <summary>The answer of <c>POST /associations</c>.</summary>
/// <param name="ResourceName">The topic.</param>
/// <param name="ResourceNamespace">The cluster id, or <c>-</c>.</param>
/// <param name="ResourceId">The resource id, when given.</param>
/// <param name="ResourceType">topic.</param>
/// <param name="Associations">The associations.</param>
public sealed record AssociationCreateAnswer(
    [property: JsonPropertyName("resourceName")] string ResourceName,
    [property: JsonPropertyName("resourceNamespace")] string ResourceNamespace,
    [property: JsonPropertyName("resourceId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResourceId,
    [property: JsonPropertyName("resourceType")] string ResourceType,
    [property: JsonPropertyName("associations")] IReadOnlyList<AssociationInfoAnswer> Associations);
