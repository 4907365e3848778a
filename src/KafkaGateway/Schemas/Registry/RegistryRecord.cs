using System.Text;
using System.Text.Json;

namespace KafkaGateway.Schemas.Registry;

/// <summary>What a record of the registry topic is about, as Confluent's <c>keytype</c> names it.</summary>
public enum RegistryRecordKind
{
    /// <summary>A keytype the gateway does not use (NOOP, MODE, ...); skipped when read.</summary>
    Other,

    /// <summary>One version of a subject.</summary>
    Schema,

    /// <summary>The global (subject null) or a subject's compatibility level.</summary>
    Config,

    /// <summary>A soft delete of a subject's versions up to a version.</summary>
    DeleteSubject,

    /// <summary>An association of a resource (a topic's values or keys) with a subject (Confluent's <c>ASSOC</c>).</summary>
    Association,
}

/// <summary>
/// A record of the registry topic in Confluent Schema Registry's own <c>_schemas</c> format, so that the topic stays
/// readable by Confluent tooling (and a Confluent registry could take it over). Keys are JSON such as
/// <c>{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}</c>; a null value is a tombstone (permanent delete).
/// Keys are written with a fixed member order because compaction compares key bytes.
/// </summary>
/// <param name="Kind">The keytype.</param>
/// <param name="Subject">The subject; null for the global config.</param>
/// <param name="Version">The version (SCHEMA keys) or the delete watermark (DELETE_SUBJECT values).</param>
/// <param name="Value">The value; null for a tombstone.</param>
/// <param name="Association">ASSOC records: the association (its key fields also in a tombstone).</param>
public sealed record RegistryRecord(RegistryRecordKind Kind, string? Subject, int Version, RegistryRecordValue? Value, RegistryAssociation? Association = null)
{
    /// <summary>A SCHEMA record.</summary>
    public static RegistryRecord ForSchema(
        string subject, int version, int id, string schema, bool deleted, string? guid = null, IReadOnlyList<SchemaReference>? references = null) =>
        new(RegistryRecordKind.Schema, subject, version,
            new RegistryRecordValue(Id: id, Schema: schema, Deleted: deleted, Guid: guid, References: references is { Count: > 0 } ? references : null));

    /// <summary>An ASSOC record; <paramref name="delete"/> writes its tombstone.</summary>
    public static RegistryRecord ForAssociation(RegistryAssociation association, bool delete = false) =>
        new(RegistryRecordKind.Association, association.Subject, 0, delete ? null : new RegistryRecordValue(), association);

    /// <summary>A CONFIG record; <paramref name="subject"/> null is the global config, a null level deletes it.</summary>
    public static RegistryRecord ForConfig(string? subject, string? compatibilityLevel) =>
        new(RegistryRecordKind.Config, subject, 0, compatibilityLevel is null ? null : new RegistryRecordValue(CompatibilityLevel: compatibilityLevel));

    /// <summary>A DELETE_SUBJECT record soft-deleting versions up to <paramref name="version"/>; null version is its tombstone.</summary>
    public static RegistryRecord ForDeleteSubject(string subject, int? version) =>
        new(RegistryRecordKind.DeleteSubject, subject, version ?? 0, version is null ? null : new RegistryRecordValue());

    /// <summary>The key bytes in Confluent's format.</summary>
    public byte[] SerializeKey()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (Kind)
            {
                case RegistryRecordKind.Schema:
                    json.WriteString("keytype", "SCHEMA");
                    json.WriteString("subject", Subject);
                    json.WriteNumber("version", Version);
                    json.WriteNumber("magic", 1);
                    break;
                case RegistryRecordKind.Config:
                    json.WriteString("keytype", "CONFIG");
                    json.WriteString("subject", Subject);
                    json.WriteNumber("magic", 0);
                    break;
                case RegistryRecordKind.DeleteSubject:
                    json.WriteString("keytype", "DELETE_SUBJECT");
                    json.WriteString("subject", Subject);
                    json.WriteNumber("magic", 0);
                    break;
                case RegistryRecordKind.Association when Association is { } a:
                    // Confluent's member order; the key names the resource and type, not the subject, so a new
                    // association of the same resource and type replaces the old one under compaction.
                    json.WriteString("keytype", "ASSOC");
                    json.WriteString("tenant", RegistryAssociation.DefaultTenant);
                    json.WriteString("resourceName", a.ResourceName);
                    json.WriteString("resourceNamespace", a.ResourceNamespace);
                    json.WriteString("resourceType", a.ResourceType);
                    json.WriteString("associationType", a.AssociationType);
                    json.WriteNumber("magic", 0);
                    break;
                default:
                    throw new InvalidOperationException("Only SCHEMA, CONFIG and DELETE_SUBJECT records are written.");
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The value bytes in Confluent's format, or null for a tombstone.</summary>
    public byte[]? SerializeValue()
    {
        if (Value is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            switch (Kind)
            {
                case RegistryRecordKind.Schema:
                    json.WriteString("subject", Subject);
                    json.WriteNumber("version", Version);
                    json.WriteNumber("id", Value.Id);
                    if (!string.Equals(Value.SchemaType, "AVRO", StringComparison.Ordinal))
                    {
                        json.WriteString("schemaType", Value.SchemaType);
                    }

                    json.WriteString("schema", Value.Schema);
                    if (Value.References is { Count: > 0 } references)
                    {
                        json.WriteStartArray("references");
                        foreach (var reference in references)
                        {
                            json.WriteStartObject();
                            json.WriteString("name", reference.Name);
                            json.WriteString("subject", reference.Subject);
                            json.WriteNumber("version", reference.Version);
                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                    }

                    if (Value.Guid is { } guid)
                    {
                        json.WriteString("guid", guid);
                    }

                    json.WriteBoolean("deleted", Value.Deleted);
                    break;
                case RegistryRecordKind.Association when Association is { } a:
                    json.WriteString("subject", a.Subject);
                    json.WriteString("guid", a.Guid);
                    json.WriteString("tenant", RegistryAssociation.DefaultTenant);
                    json.WriteString("resourceName", a.ResourceName);
                    json.WriteString("resourceNamespace", a.ResourceNamespace);
                    if (a.ResourceId is { } resourceId)
                    {
                        json.WriteString("resourceId", resourceId);
                    }

                    json.WriteString("resourceType", a.ResourceType);
                    json.WriteString("associationType", a.AssociationType);
                    json.WriteString("lifecycle", a.Lifecycle);
                    json.WriteBoolean("frozen", a.Frozen);
                    break;
                case RegistryRecordKind.Config:
                    json.WriteString("compatibilityLevel", Value.CompatibilityLevel);
                    break;
                case RegistryRecordKind.DeleteSubject:
                    json.WriteString("subject", Subject);
                    json.WriteNumber("version", Version);
                    break;
                default:
                    throw new InvalidOperationException("Only SCHEMA, CONFIG and DELETE_SUBJECT records are written.");
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a record of the topic; keytypes the gateway does not use come back as <see cref="RegistryRecordKind.Other"/>.</summary>
    /// <remarks>
    /// Anyone who can write to the topic can put anything there, so every member is checked: a record the registry
    /// cannot use (not JSON, wrong member types, a SCHEMA without subject, positive version or positive 32-bit id)
    /// is refused with the reason, and the loader skips it.
    /// </remarks>
    /// <exception cref="JsonException">The key or value is not a record the registry can use; the message says why.</exception>
    public static RegistryRecord Deserialize(ReadOnlySpan<byte> key, byte[]? value)
    {
        using var keyJson = JsonDocument.Parse(key.ToArray());
        var root = keyJson.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the key is not a JSON object");
        }

        var keyType = root.TryGetProperty("keytype", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
        var kind = keyType switch
        {
            "SCHEMA" => RegistryRecordKind.Schema,
            "CONFIG" => RegistryRecordKind.Config,
            "DELETE_SUBJECT" => RegistryRecordKind.DeleteSubject,
            "ASSOC" => RegistryRecordKind.Association,
            _ => RegistryRecordKind.Other,
        };
        if (kind == RegistryRecordKind.Association)
        {
            return DeserializeAssociation(root, value);
        }

        if (kind == RegistryRecordKind.Other)
        {
            return new RegistryRecord(kind, null, 0, null);
        }

        var subject = OptionalString(root, "subject", "key");
        if (kind is RegistryRecordKind.Schema or RegistryRecordKind.DeleteSubject && subject is null)
        {
            throw new JsonException($"the {keyType} key has no subject");
        }

        var version = kind == RegistryRecordKind.Schema ? PositiveInt(root, "version", "key") : 0;
        if (value is null)
        {
            return new RegistryRecord(kind, subject, version, null);
        }

        using var valueJson = JsonDocument.Parse(value);
        var body = valueJson.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the value is not a JSON object");
        }

        return kind switch
        {
            RegistryRecordKind.Schema => new RegistryRecord(kind, subject, version, new RegistryRecordValue(
                Id: PositiveInt(body, "id", "value"),
                Schema: OptionalString(body, "schema", "value") ?? throw new JsonException("the SCHEMA value has no schema"),
                SchemaType: OptionalString(body, "schemaType", "value") ?? "AVRO",
                Deleted: body.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True,
                Guid: OptionalString(body, "guid", "value"),
                References: ReadReferences(body))),
            RegistryRecordKind.Config => new RegistryRecord(kind, subject, 0, new RegistryRecordValue(
                CompatibilityLevel: OptionalString(body, "compatibilityLevel", "value"))),
            _ => new RegistryRecord(kind, subject, PositiveInt(body, "version", "value"), new RegistryRecordValue()),
        };
    }

    private static List<SchemaReference>? ReadReferences(JsonElement body)
    {
        if (!body.TryGetProperty("references", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() == 0)
        {
            return null;
        }

        return array.EnumerateArray()
            .Where(r => r.ValueKind == JsonValueKind.Object)
            .Select(r => new SchemaReference(
                r.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
                r.TryGetProperty("subject", out var s) ? s.GetString() ?? "" : "",
                r.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0))
            .ToList();
    }

    private static RegistryRecord DeserializeAssociation(JsonElement key, byte[]? value)
    {
        static string Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : "";

        var association = new RegistryAssociation(
            Text(key, "resourceName"), Text(key, "resourceNamespace"), Text(key, "resourceType"), Text(key, "associationType"),
            Subject: "", Guid: "", ResourceId: null, Lifecycle: RegistryAssociation.Weak, Frozen: false);
        if (value is null)
        {
            return new RegistryRecord(RegistryRecordKind.Association, null, 0, null, association);
        }

        using var valueJson = JsonDocument.Parse(value);
        var body = valueJson.RootElement;
        association = association with
        {
            Subject = Text(body, "subject"),
            Guid = Text(body, "guid"),
            ResourceId = body.TryGetProperty("resourceId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
            Lifecycle = Text(body, "lifecycle") is { Length: > 0 } lifecycle ? lifecycle : RegistryAssociation.Weak,
            Frozen = body.TryGetProperty("frozen", out var f) && f.ValueKind == JsonValueKind.True,
        };
        return new RegistryRecord(RegistryRecordKind.Association, association.Subject, 0, new RegistryRecordValue(), association);
    }

    private static string? OptionalString(JsonElement element, string name, string part)
    {
        if (!element.TryGetProperty(name, out var member) || member.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (member.ValueKind != JsonValueKind.String)
        {
            throw new JsonException($"'{name}' in the {part} is {member.ValueKind}, not a string");
        }

        try
        {
            return member.GetString();
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException($"'{name}' in the {part} is not valid Unicode", ex);
        }
    }

    private static int PositiveInt(JsonElement element, string name, string part)
    {
        if (!element.TryGetProperty(name, out var member))
        {
            throw new JsonException($"'{name}' is missing from the {part}");
        }

        if (member.ValueKind != JsonValueKind.Number || !member.TryGetInt32(out var number))
        {
            throw new JsonException($"'{name}' in the {part} is {Describe(member)}, not a 32-bit integer");
        }

        return number > 0 ? number : throw new JsonException($"'{name}' in the {part} is {number}; it must be positive");
    }

    private static string Describe(JsonElement member) =>
        member.ValueKind == JsonValueKind.Number ? $"the number {(member.GetRawText() is { Length: <= 30 } raw ? raw : "(too long)")}" : member.ValueKind.ToString();

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(SerializeKey());
}

/// <summary>
/// An association of a resource with a subject: for topics, "this topic's values (or keys) use subject S", which
/// Confluent's 2.16 serializers look up before falling back to <c>{topic}-value</c>.
/// </summary>
/// <param name="ResourceName">The topic name.</param>
/// <param name="ResourceNamespace">The Kafka cluster id, or <c>-</c> for any cluster.</param>
/// <param name="ResourceType">topic.</param>
/// <param name="AssociationType">value or key.</param>
/// <param name="Subject">The associated subject.</param>
/// <param name="Guid">The association's own id.</param>
/// <param name="ResourceId">The resource's id, as the creator gave it (Confluent uses the topic id).</param>
/// <param name="Lifecycle">STRONG or WEAK.</param>
/// <param name="Frozen">A frozen association's subject takes no new versions.</param>
public sealed record RegistryAssociation(
    string ResourceName, string ResourceNamespace, string ResourceType, string AssociationType,
    string Subject, string Guid, string? ResourceId, string Lifecycle, bool Frozen)
{
    /// <summary>The tenant Confluent Platform writes for a single-tenant registry.</summary>
    public const string DefaultTenant = "default";

    /// <summary>A namespace that matches every cluster.</summary>
    public const string AnyNamespace = "-";

    /// <summary>The default lifecycle.</summary>
    public const string Weak = "WEAK";

    /// <summary>The lifecycle that ties the subject to the resource.</summary>
    public const string Strong = "STRONG";
}

/// <summary>The value part of a <see cref="RegistryRecord"/>; which members are used depends on the kind.</summary>
/// <param name="Id">SCHEMA: the global schema id.</param>
/// <param name="Schema">SCHEMA: the schema text.</param>
/// <param name="SchemaType">SCHEMA: AVRO (omitted from the JSON, as Confluent does).</param>
/// <param name="Deleted">SCHEMA: soft-deleted.</param>
/// <param name="CompatibilityLevel">CONFIG: the level, e.g. FULL.</param>
/// <param name="Guid">SCHEMA: the schema's globally unique id.</param>
/// <param name="References">SCHEMA: the named types the schema takes from other subjects.</param>
public sealed record RegistryRecordValue(
    int Id = 0, string? Schema = null, string SchemaType = "AVRO", bool Deleted = false, string? CompatibilityLevel = null,
    string? Guid = null, IReadOnlyList<SchemaReference>? References = null);
