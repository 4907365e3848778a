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
public sealed record RegistryRecord(RegistryRecordKind Kind, string? Subject, int Version, RegistryRecordValue? Value)
{
    /// <summary>A SCHEMA record.</summary>
    public static RegistryRecord ForSchema(string subject, int version, int id, string schema, bool deleted) =>
        new(RegistryRecordKind.Schema, subject, version, new RegistryRecordValue(Id: id, Schema: schema, Deleted: deleted));

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
                    json.WriteBoolean("deleted", Value.Deleted);
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
    /// <exception cref="JsonException">The key or value is not the JSON Confluent writes.</exception>
    public static RegistryRecord Deserialize(ReadOnlySpan<byte> key, byte[]? value)
    {
        using var keyJson = JsonDocument.Parse(key.ToArray());
        var root = keyJson.RootElement;
        var keyType = root.TryGetProperty("keytype", out var type) ? type.GetString() : null;
        var subject = root.TryGetProperty("subject", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var kind = keyType switch
        {
            "SCHEMA" => RegistryRecordKind.Schema,
            "CONFIG" => RegistryRecordKind.Config,
            "DELETE_SUBJECT" => RegistryRecordKind.DeleteSubject,
            _ => RegistryRecordKind.Other,
        };
        var version = kind == RegistryRecordKind.Schema && root.TryGetProperty("version", out var v) ? v.GetInt32() : 0;
        if (value is null || kind == RegistryRecordKind.Other)
        {
            return new RegistryRecord(kind, subject, version, null);
        }

        using var valueJson = JsonDocument.Parse(value);
        var body = valueJson.RootElement;
        return kind switch
        {
            RegistryRecordKind.Schema => new RegistryRecord(kind, subject, version, new RegistryRecordValue(
                Id: body.GetProperty("id").GetInt32(),
                Schema: body.GetProperty("schema").GetString(),
                SchemaType: body.TryGetProperty("schemaType", out var st) && st.ValueKind == JsonValueKind.String ? st.GetString()! : "AVRO",
                Deleted: body.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True)),
            RegistryRecordKind.Config => new RegistryRecord(kind, subject, 0, new RegistryRecordValue(
                CompatibilityLevel: body.TryGetProperty("compatibilityLevel", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null)),
            _ => new RegistryRecord(kind, subject, body.TryGetProperty("version", out var w) ? w.GetInt32() : 0, new RegistryRecordValue()),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(SerializeKey());
}

/// <summary>The value part of a <see cref="RegistryRecord"/>; which members are used depends on the kind.</summary>
/// <param name="Id">SCHEMA: the global schema id.</param>
/// <param name="Schema">SCHEMA: the schema text.</param>
/// <param name="SchemaType">SCHEMA: AVRO (omitted from the JSON, as Confluent does).</param>
/// <param name="Deleted">SCHEMA: soft-deleted.</param>
/// <param name="CompatibilityLevel">CONFIG: the level, e.g. FULL.</param>
public sealed record RegistryRecordValue(
    int Id = 0, string? Schema = null, string SchemaType = "AVRO", bool Deleted = false, string? CompatibilityLevel = null);
