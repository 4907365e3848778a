using System.Buffers;
using System.Text;
using System.Text.Json;
using Avro;

namespace KafkaGateway.Schemas;

/// <summary>
/// Converts between natural JSON and Avro binary for one schema. Create it once per schema and reuse it for every
/// record: the schema is compiled into a tree up front, and the instance is immutable and safe for concurrent use.
/// </summary>
/// <remarks>
/// <para><b>JSON forms accepted by <see cref="Encode"/></b> (natural JSON):
/// numbers for int/long/float/double (integral values only for int/long, in range; 1.0 and 1e3 count as integers);
/// base64 strings for bytes and fixed; symbol strings for enums; objects for records (every field present or
/// defaulted, no unknown fields) and maps; arrays for arrays.
/// Logical types: timestamp-millis/-micros/-nanos take epoch numbers or ISO-8601 date-times with <c>Z</c> or an
/// offset; local-timestamp-* take numbers or ISO-8601 date-times without offset; date takes days since the epoch or
/// <c>"yyyy-MM-dd"</c>; time-millis/-micros take numbers or <c>"HH:mm:ss[.fraction]"</c>; decimal takes a JSON
/// number or numeric string with at most <c>scale</c> non-zero fractional digits and at most <c>precision</c> digits;
/// uuid takes a <c>8-4-4-4-12</c> hex string.</para>
/// <para><b>Union branch inference.</b> An object with a single property whose name is a branch's type name
/// (<c>"string"</c>, <c>"long"</c>, <c>"array"</c>, a named type's full or short name) and whose value that branch
/// accepts is the Avro JSON encoding <c>{"string":"x"}</c> and selects that branch. Otherwise the branches that can
/// take the JSON kind are tried in this order, and the first that accepts the whole value without error wins
/// (ties in schema order): null → null; true/false → boolean; number → int, long, double, float, decimal;
/// string → string, enum (having that symbol), int/long logical types (ISO text), decimal, uuid fixed, bytes
/// (base64), fixed (base64 of the right size); array → array; object → record or map. When only one branch can
/// take the JSON kind, its own errors are reported; otherwise the error names the union.</para>
/// <para><b>Decoding</b> writes natural JSON: union values unwrapped, enums as symbols, bytes and fixed as base64,
/// decimals as strings with exactly <c>scale</c> fractional digits (<c>"12.30"</c>), uuids as strings, temporal types
/// as the stored numbers, NaN and infinities as the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>.</para>
/// </remarks>
public sealed class AvroJsonCodec
{
    /// <summary>Deepest nesting of records, arrays and maps accepted in either direction.</summary>
    public const int MaxDepth = 64;

    /// <summary>Most errors one <see cref="Encode"/> call reports before a final "... more errors" entry.</summary>
    public const int MaxErrors = 100;

    private readonly AvroSchemaNode _root;

    private AvroJsonCodec(Schema schema, AvroSchemaNode root)
    {
        Schema = schema;
        _root = root;
    }

    /// <summary>The schema this codec converts for.</summary>
    public Schema Schema { get; }

    /// <summary>Builds a codec for a parsed schema.</summary>
    /// <exception cref="ArgumentException">The schema has a decimal with an invalid precision or scale.</exception>
    public static AvroJsonCodec Create(Schema schema) => Create(schema, schemaJson: null);

    /// <summary>
    /// Builds a codec for a parsed schema; <paramref name="schemaJson"/>, its text, lets errors point out a
    /// <c>logicalType</c> written beside a field's type (which the parsed model does not keep).
    /// </summary>
    /// <exception cref="ArgumentException">The schema has a decimal with an invalid precision or scale.</exception>
    public static AvroJsonCodec Create(Schema schema, string? schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new AvroJsonCodec(schema, AvroSchemaCompiler.Compile(schema, schemaJson));
    }

    /// <summary>
    /// The fields whose default is not a valid value of the field's type (the Avro spec requires it; Confluent's
    /// registry refuses such schemas with 42201), as <c>record.field: reason</c>; empty when every default fits.
    /// </summary>
    public IReadOnlyList<string> InvalidDefaults()
    {
        var found = new List<string>();
        var seen = new HashSet<AvroSchemaNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<AvroSchemaNode>();
        pending.Push(_root);
        while (pending.TryPop(out var node))
        {
            if (!seen.Add(node))
            {
                continue;
            }

            foreach (var field in node.Fields)
            {
                if (field.DefaultError is { } error)
                {
                    found.Add($"{node.TypeName}.{field.Name}: the default {field.DefaultJson?.GetRawText()} is not a valid {field.Node.Display} ({error})");
                }

                pending.Push(field.Node);
            }

            foreach (var branch in node.Branches)
            {
                pending.Push(branch);
            }

            if (node.Items is { } items)
            {
                pending.Push(items);
            }
        }

        return found;
    }

    /// <summary>Parses <paramref name="schemaJson"/> and builds a codec for it.</summary>
    /// <exception cref="SchemaParseException">The text is not a valid Avro schema.</exception>
    public static AvroJsonCodec Create(string schemaJson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaJson);
        return Create(Schema.Parse(schemaJson), schemaJson);
    }

    /// <summary>
    /// Validates <paramref name="value"/> against the schema and, when it fits, appends its Avro binary encoding
    /// (the body only, no wire-format header) to <paramref name="output"/>. Never throws for bad input.
    /// </summary>
    /// <param name="value">The natural JSON value.</param>
    /// <param name="output">Receives the encoding; nothing is written when the value does not fit.</param>
    /// <param name="errors">Receives every violation found (up to <see cref="MaxErrors"/>), each with its JSON path.</param>
    /// <param name="rootPath">Path prefix for errors, e.g. <c>$.records[3].value</c> when encoding part of a request.</param>
    /// <returns><see langword="true"/> when the value fits and was written.</returns>
    public bool Encode(JsonElement value, IBufferWriter<byte> output, List<AvroConversionError> errors, string rootPath = "$")
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(rootPath);
        return AvroJsonEncoder.Encode(_root, value, output, errors, rootPath);
    }

    /// <summary>
    /// Decodes one Avro binary body (no wire-format header) and writes it to <paramref name="writer"/> as natural JSON.
    /// </summary>
    /// <exception cref="AvroDecodeException">The data is truncated, corrupt, or longer than one value of the schema;
    /// the writer then holds partial output and should be discarded.</exception>
    public void Decode(ReadOnlySpan<byte> avroBody, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        AvroJsonDecoder.Decode(_root, avroBody, writer);
    }

    /// <summary>Decodes one Avro binary body to a compact natural JSON string.</summary>
    /// <exception cref="AvroDecodeException">The data is truncated, corrupt, or longer than one value of the schema.</exception>
    public string DecodeToJson(ReadOnlySpan<byte> avroBody)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, avroBody.Length * 2));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Decode(avroBody, writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
