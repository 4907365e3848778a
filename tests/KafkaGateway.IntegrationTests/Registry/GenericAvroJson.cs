using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Avro;
using Avro.Generic;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Test-side reading of what Apache.Avro's generic reader (inside Confluent's AvroDeserializer) produced, written in
/// the gateway's natural JSON conventions, so "the same values" can be compared field by field. Written from the
/// Avro spec and Apache.Avro's documented generic types, independently of the gateway's codec.
/// </summary>
internal static class GenericAvroJson
{
    private static readonly DateTime s_epoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static JsonNode? ToJson(Schema schema, object? value)
    {
        switch (schema)
        {
            case UnionSchema union:
                var branch = union.Schemas.FirstOrDefault(b => Fits(b, value))
                    ?? throw new InvalidOperationException($"No branch of {union} fits a {value?.GetType().Name ?? "null"}.");
                return ToJson(branch, value);
            case LogicalSchema logical:
                return Logical(logical, value);
            case RecordSchema record:
                var generic = (GenericRecord)value!;
                var obj = new JsonObject();
                foreach (var field in record.Fields)
                {
                    obj[field.Name] = ToJson(field.Schema, generic[field.Name]);
                }

                return obj;
            case EnumSchema:
                return ((GenericEnum)value!).Value;
            case FixedSchema:
                return Convert.ToBase64String(((GenericFixed)value!).Value);
            case ArraySchema array:
                return new JsonArray(((IEnumerable)value!).Cast<object?>().Select(item => ToJson(array.ItemSchema, item)).ToArray());
            case MapSchema map:
                var result = new JsonObject();
                foreach (var (key, item) in (IDictionary<string, object>)value!)
                {
                    result[key] = ToJson(map.ValueSchema, item);
                }

                return result;
            default:
                return schema.Tag switch
                {
                    Schema.Type.Null => null,
                    Schema.Type.Boolean => (bool)value!,
                    Schema.Type.Int => (int)value!,
                    Schema.Type.Long => (long)value!,
                    Schema.Type.Float => (float)value!,
                    Schema.Type.Double => (double)value!,
                    Schema.Type.String => (string)value!,
                    Schema.Type.Bytes => Convert.ToBase64String((byte[])value!),
                    _ => throw new NotSupportedException(schema.ToString()),
                };
        }
    }

    private static JsonNode? Logical(LogicalSchema schema, object? value)
    {
        switch (schema.LogicalTypeName)
        {
            case "decimal":
                var avroDecimal = (AvroDecimal)value!;
                return FormatDecimal(avroDecimal.UnscaledValue, avroDecimal.Scale);
            case "uuid":
                return value is Guid guid ? guid.ToString("D") : (string)value!;
            case "date":
                return (int)(((DateTime)value!).Date - s_epoch.Date).TotalDays;
            case "time-millis":
                return (int)(((TimeSpan)value!).Ticks / TimeSpan.TicksPerMillisecond);
            case "time-micros":
                return ((TimeSpan)value!).Ticks / 10;
            case "timestamp-millis":
            case "local-timestamp-millis":
                return (Utc((DateTime)value!) - s_epoch).Ticks / TimeSpan.TicksPerMillisecond;
            case "timestamp-micros":
            case "local-timestamp-micros":
                return (Utc((DateTime)value!) - s_epoch).Ticks / 10;
            default:
                return ToJson(schema.BaseSchema, value);
        }
    }

    // Apache.Avro hands local timestamps back as local-kind DateTimes; the wall-clock value is what was stored.
    private static DateTime Utc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };

    private static string FormatDecimal(BigInteger unscaled, int scale)
    {
        var digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        var text = scale == 0 ? digits : digits[..^scale] + "." + digits[^scale..];
        return unscaled.Sign < 0 ? "-" + text : text;
    }

    private static bool Fits(Schema schema, object? value) => (schema, value) switch
    {
        ({ Tag: Schema.Type.Null }, null) => true,
        (_, null) => false,
        (RecordSchema record, GenericRecord generic) => generic.Schema.Fullname == record.Fullname,
        (EnumSchema e, GenericEnum g) => g.Schema.Fullname == e.Fullname,
        (FixedSchema f, GenericFixed g) => g.Schema.Fullname == f.Fullname,
        (ArraySchema, IEnumerable and not string and not byte[] and not IDictionary) => true,
        (MapSchema, IDictionary) => true,
        (LogicalSchema { LogicalTypeName: "decimal" }, AvroDecimal) => true,
        (LogicalSchema { LogicalTypeName: "uuid" }, Guid) => true,
        (LogicalSchema, DateTime or TimeSpan) => true,
        ({ Tag: Schema.Type.Boolean }, bool) => true,
        ({ Tag: Schema.Type.Int }, int) => true,
        ({ Tag: Schema.Type.Long }, long) => true,
        ({ Tag: Schema.Type.Float }, float) => true,
        ({ Tag: Schema.Type.Double }, double) => true,
        ({ Tag: Schema.Type.String }, string) => schema is not LogicalSchema,
        ({ Tag: Schema.Type.Bytes }, byte[]) => schema is not LogicalSchema,
        _ => false,
    };

    /// <summary>Compares two JSON values, numbers by value (the gateway may write 1e-10 as 1E-10); fails naming the path.</summary>
    public static void AssertEqual(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual?.ToJsonString()}");
                break;
            case JsonObject expectedObject:
                var actualObject = Assert.IsType<JsonObject>(actual);
                Assert.Equal(expectedObject.Select(p => p.Key).Order(), actualObject.Select(p => p.Key).Order());
                foreach (var (key, item) in expectedObject)
                {
                    AssertEqual(item, actualObject[key], $"{path}.{key}");
                }

                break;
            case JsonArray expectedArray:
                var actualArray = Assert.IsType<JsonArray>(actual);
                Assert.True(expectedArray.Count == actualArray.Count, $"{path}: {expectedArray.Count} items expected, got {actualArray.Count}");
                for (var i = 0; i < expectedArray.Count; i++)
                {
                    AssertEqual(expectedArray[i], actualArray[i], $"{path}[{i}]");
                }

                break;
            default:
                var e = expected.AsValue();
                Assert.True(actual is JsonValue, $"{path}: expected {e.ToJsonString()}, got {actual?.ToJsonString() ?? "null"}");
                var a = actual!.AsValue();
                if (e.GetValueKind() == JsonValueKind.Number && a.GetValueKind() == JsonValueKind.Number)
                {
                    var (ed, ad) = (decimal.Parse(e.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
                        decimal.Parse(a.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture));
                    Assert.True(ed == ad, $"{path}: expected {e.ToJsonString()}, got {a.ToJsonString()}");
                }
                else
                {
                    Assert.True(e.ToJsonString() == a.ToJsonString(), $"{path}: expected {e.ToJsonString()}, got {a.ToJsonString()}");
                }

                break;
        }
    }
}
