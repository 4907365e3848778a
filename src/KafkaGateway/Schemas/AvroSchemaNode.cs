using System.Text;
using System.Text.Json;

namespace KafkaGateway.Schemas;

internal enum AvroKind : byte
{
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Record,
    Enum,
    Array,
    Map,
    Fixed,
    Union,
}

internal enum AvroLogicalKind : byte
{
    None,
    Decimal,
    Uuid,
    Date,
    TimeMillis,
    TimeMicros,
    TimestampMillis,
    TimestampMicros,
    TimestampNanos,
    LocalTimestampMillis,
    LocalTimestampMicros,
    LocalTimestampNanos,
}

/// <summary>
/// One node of the pre-compiled schema tree the codec walks for every record. Built once by
/// <see cref="AvroSchemaCompiler"/>; immutable once compilation has finished, which is what makes the codec thread-safe.
/// Named types appear once and are shared, so recursive schemas form a cycle rather than an infinite tree.
/// </summary>
internal sealed class AvroSchemaNode
{
    public AvroSchemaNode(AvroKind kind, string typeName)
    {
        Kind = kind;
        TypeName = typeName;
        Display = typeName;
    }

    public AvroKind Kind { get; }

    /// <summary>Primitive type name, "array"/"map", or the full name of a named type; the key of the Avro JSON union wrapper.</summary>
    public string TypeName { get; }

    /// <summary>Name without namespace, for named types only.</summary>
    public string? ShortName { get; init; }

    /// <summary>How error messages name the type, e.g. <c>timestamp-millis</c>, <c>decimal(5,2)</c>, <c>record sensor</c>.</summary>
    public string Display { get; set; }

    public AvroLogicalKind Logical { get; set; }

    public int Precision { get; set; }

    public int Scale { get; set; }

    /// <summary>Size of a fixed.</summary>
    public int Size { get; init; }

    public AvroField[] Fields { get; set; } = [];

    public string[] Symbols { get; init; } = [];

    public JsonEncodedText[] EncodedSymbols { get; init; } = [];

    /// <summary>Array items or map values.</summary>
    public AvroSchemaNode? Items { get; set; }

    public AvroSchemaNode[] Branches { get; set; } = [];

    /// <summary>Union branch index by type name (and short name for named types), for the Avro JSON wrapper form.</summary>
    public Dictionary<string, int>? BranchByName { get; set; }

    /// <summary>
    /// Union branches that may take a JSON value, indexed by <see cref="JsonValueKind"/>, in the order they are tried.
    /// Computed once so that branch inference costs no sorting per record.
    /// </summary>
    public int[][] CandidatesByJsonKind { get; set; } = [];

    /// <summary>Lower bound of the encoded size; guards the decoder against block counts that cannot fit the data.</summary>
    public int MinEncodedSize { get; set; }

    public bool IsDecimal => Logical == AvroLogicalKind.Decimal;
}

/// <summary>A record field of the compiled tree, with its default pre-encoded to Avro binary.</summary>
internal sealed class AvroField(string name, AvroSchemaNode node)
{
    public string Name { get; } = name;

    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(name);

    public JsonEncodedText JsonName { get; } = JsonEncodedText.Encode(name);

    public AvroSchemaNode Node { get; } = node;

    /// <summary>The schema's default as JSON, when the field has one.</summary>
    public JsonElement? DefaultJson { get; set; }

    /// <summary>The default encoded once at compile time, so a missing field costs a copy.</summary>
    public byte[]? DefaultBytes { get; set; }

    /// <summary>Added to errors on this field when its <c>logicalType</c> stands beside the type, where Avro ignores it.</summary>
    public string? LogicalTypeHint { get; init; }

    /// <summary>Why the schema's default does not fit the field type, when it does not.</summary>
    public string? DefaultError { get; set; }
}
