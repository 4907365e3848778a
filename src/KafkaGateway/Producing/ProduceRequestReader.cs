// Over 500 lines on purpose: the one reader and the one set of limits every produce route uses (native, REST Proxy
// v2, /values); the dialects share the per-record checks here, so no route can accept a record another would refuse.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace KafkaGateway.Producing;

/// <summary>One record of a produce request, as sent.</summary>
/// <remarks>
/// Kept compact (one per record; ~128 B before session 8, ~104 B since): an absent key is an undefined element, an absent
/// partition -1, the timestamp epoch milliseconds (what the Kafka record carries; an ISO-8601 timestamp's offset and
/// sub-millisecond digits never reached Kafka either). A struct since session 9: a batch's list holds the records
/// themselves (one object per record less), and a single record's one-element list is its only object.
/// </remarks>
internal readonly struct ProduceRecord(
    int index,
    string path,
    JsonElement value,
    JsonElement? key,
    int? partition,
    IReadOnlyList<KeyValuePair<string, byte[]?>> headers,
    long? timestampMs)
{
    private readonly JsonElement _key = key ?? default;
    private readonly long _timestampMs = timestampMs ?? NoTimestamp;
    private readonly int _partition = partition ?? -1;

    private const long NoTimestamp = long.MinValue;

    /// <summary>Index of the record in the request.</summary>
    public int Index { get; } = index;

    /// <summary>Where the record is in the body.</summary>
    public string Path { get; } = path;

    /// <summary>The record's value (undefined when it has none).</summary>
    public JsonElement Value { get; } = value;

    /// <summary>The record's key, or null.</summary>
    public JsonElement? Key => _key.ValueKind == JsonValueKind.Undefined ? null : _key;

    /// <summary>The partition the record names, or null.</summary>
    public int? Partition => _partition < 0 ? null : _partition;

    /// <summary>The record's headers (the shared empty list when it has none).</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]?>> Headers { get; } = headers;

    /// <summary>The record's create time in epoch milliseconds, when the request gives one.</summary>
    public long? TimestampMs => _timestampMs == NoTimestamp ? null : _timestampMs;

    /// <summary>Some string or member name in the record is not valid Unicode (reported); it must not be encoded.</summary>
    public bool HasInvalidText { get; init; }

    /// <summary>Where the value is in the body (default <c>{Path}.value</c>; a bare value is at <see cref="Path"/> itself).</summary>
    public string? ValuePath { get; init; }

    /// <summary>Where the key comes from (default <c>{Path}.key</c>; for bare values the key field or <c>?key</c>).</summary>
    public string? KeyPath { get; init; }
}

/// <summary>
/// A produce request: its records, and what it says about schemas: inline schemas (native <c>valueSchema</c>, REST
/// Proxy v2 <c>value_schema</c>/<c>key_schema</c>) and v2 schema ids. A struct: admission reads it once and keeps only
/// its records (an object per request otherwise, ~69 B in the session 8 profile).
/// </summary>
internal readonly record struct ProduceBatch(
    IReadOnlyList<ProduceRecord> Records, string? ValueSchema, string? KeySchema = null, int? ValueSchemaId = null, int? KeySchemaId = null)
{
    /// <summary>
    /// Said with every problem of the request when the body looks like something else than what the route takes
    /// (a bare value sent to the envelope route).
    /// </summary>
    public string? Hint { get; init; }
}

/// <summary>The two request shapes that carry records; both are read here, with the same limits.</summary>
internal enum ProduceDialect
{
    /// <summary><c>POST /topics/{topic}/records</c>: one record or <c>{"records":[...]}</c>.</summary>
    Native,

    /// <summary>Confluent REST Proxy v2: <c>{"records":[{"key","value","partition"}], "value_schema", ...}</c>.</summary>
    RestProxyV2,

    /// <summary><c>POST /topics/{topic}/values</c>: the values themselves, one, an array, or NDJSON lines.</summary>
    Values,
}

/// <summary>Where the keys of bare values come from: one key for all, or a top-level member of each value.</summary>
/// <param name="Fixed">The key of every record (<c>?key=</c>), as a JSON string.</param>
/// <param name="Field">The member of each value that is its key (<c>?keyField=</c> or <c>Gateway:TopicFormats:KeyFields</c>).</param>
/// <param name="Origin">Where the setting comes from, for messages (<c>?keyField=id</c>, <c>Gateway:TopicFormats:KeyFields:sensors</c>).</param>
internal sealed record ValueKeySource(JsonElement? Fixed, string? Field, string Origin);

/// <summary>The limits every route that accepts records applies (<c>Producer:*</c>).</summary>
internal sealed record ProduceLimits(int MaxRecords, int MaxKeyBytes, int MaxHeaders, int MaxHeaderBytes)
{
    public static ProduceLimits From(ProducerOptions options) =>
        new(options.MaxRecordsPerRequest, options.MaxKeyBytes, options.MaxHeadersPerRecord, options.MaxHeaderBytesPerRecord);
}

/// <summary>A problem with one part of a produce request; <see cref="Path"/> is a JSON path into the body.</summary>
public sealed record ProduceError(int? RecordIndex, string Path, string Message);

/// <summary>
/// Reads the body of every produce route: the native one (one record <c>{"value":...}</c> or a batch
/// <c>{"records":[...]}</c>) and REST Proxy v2's. Collects every problem with its JSON path instead of stopping at the
/// first, applies the same limits to both, and refuses text that is not valid Unicode (invalid UTF-8, lone
/// surrogates) anywhere in a record, so no poison record reaches Kafka.
/// </summary>
internal static class ProduceRequestReader
{
    /// <summary>Largest epoch-millisecond timestamp .NET represents (9999-12-31T23:59:59.999Z).</summary>
    private const long MaxTimestampMs = 253_402_300_799_999;

    private static readonly KeyValuePair<string, byte[]?>[] s_noHeaders = [];

    private static readonly HashSet<string> s_v2Members = new(StringComparer.Ordinal) { "records", "value_schema", "value_schema_id", "key_schema", "key_schema_id" };
    private static readonly HashSet<string> s_v2RecordMembers = new(StringComparer.Ordinal) { "value", "key", "partition" };

    /// <summary>What to do with a bare value sent to the envelope route.</summary>
    public const string BareValueHint =
        "The body looks like a bare value, not a record envelope: wrap it as {\"value\": <the value>} (a batch as {\"records\": [{\"value\": ...}]}), " +
        "or POST the value itself to /topics/{topic}/values (one JSON value, a JSON array of values, or application/x-ndjson lines).";

    /// <summary>Reads a native request (kept for callers that know only that shape).</summary>
    public static ProduceBatch Read(JsonElement root, int maxRecords, List<ProduceError> errors) =>
        Read(root, ProduceDialect.Native, null, new ProduceLimits(maxRecords, int.MaxValue, int.MaxValue, int.MaxValue), errors);

    /// <summary>Reads a request of <paramref name="dialect"/>; <paramref name="routePartition"/> is the partition the route names (v2).</summary>
    public static ProduceBatch Read(JsonElement root, ProduceDialect dialect, int? routePartition, ProduceLimits limits, List<ProduceError> errors)
    {
        if (dialect == ProduceDialect.Values)
        {
            return ReadValues(root, null, null, limits, errors);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            var expected = dialect == ProduceDialect.Native ? "an object with \"value\" or \"records\"" : "an object with a \"records\" array";
            errors.Add(new ProduceError(null, "$", $"expected {expected}, got {Describe(root)}"));
            return new ProduceBatch([], null);
        }

        return dialect == ProduceDialect.Native ? ReadNative(root, limits, errors) : ReadV2(root, routePartition, limits, errors);
    }

    /// <summary>
    /// Reads bare values: <paramref name="lines"/> (NDJSON, each value at <c>$</c> of its line) or <paramref name="body"/>,
    /// an array of values (a batch, at <c>$[i]</c>) or one value (at <c>$</c>). A top-level array is always a batch: an
    /// array-typed value is sent as <c>[[...]]</c>. Keys come from <paramref name="key"/>.
    /// </summary>
    public static ProduceBatch ReadValues(JsonElement body, IReadOnlyList<JsonElement>? lines, ValueKeySource? key, ProduceLimits limits, List<ProduceError> errors)
    {
        var result = new List<ProduceRecord>();
        if (lines is not null)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                result.Add(ReadValue(lines[i], i, "$", key, limits, errors));
            }
        }
        else if (body.ValueKind == JsonValueKind.Array)
        {
            if (!TryCount(body, "$", limits, errors, out var count))
            {
                return new ProduceBatch([], null);
            }

            result.Capacity = count;
            var index = 0;
            foreach (var value in body.EnumerateArray())
            {
                result.Add(ReadValue(value, index, RecordPaths.Value(index), key, limits, errors));
                index++;
            }
        }
        else
        {
            result.Add(ReadValue(body, 0, "$", key, limits, errors));
        }

        return new ProduceBatch(result, null);
    }

    private static ProduceRecord ReadValue(JsonElement value, int index, string path, ValueKeySource? source, ProduceLimits limits, List<ProduceError> errors)
    {
        var invalid = UnicodeCheck.Walk(value, index, path, errors);
        JsonElement? key = source?.Fixed;
        var keyPath = "?key";
        if (source?.Field is { } field)
        {
            keyPath = $"{path}.{field}";
            if (value.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ProduceError(index, path, $"expected an object with member \"{field}\" (the key comes from {source.Origin}), got {Describe(value)}"));
            }
            else if (!value.TryGetProperty(field, out var member))
            {
                errors.Add(new ProduceError(index, keyPath, $"required member missing: the key comes from {source.Origin}"));
            }
            else if (member.ValueKind == JsonValueKind.Null)
            {
                errors.Add(new ProduceError(index, keyPath, $"is null: the key comes from {source.Origin}, and a record without a key would go to any partition"));
            }
            else if (JsonMarshal.GetRawUtf8Value(member).Length is var length && length > limits.MaxKeyBytes)
            {
                errors.Add(new ProduceError(index, keyPath, $"the key has {length} bytes of JSON; at most {limits.MaxKeyBytes} (Producer:MaxKeyBytes)"));
            }
            else
            {
                key = member;
            }
        }

        return new ProduceRecord(index, path, value, key, null, [], null) { HasInvalidText = invalid, ValuePath = path, KeyPath = keyPath };
    }

    private static ProduceBatch ReadNative(JsonElement root, ProduceLimits limits, List<ProduceError> errors)
    {
        string? valueSchema = null;
        if (root.TryGetProperty("valueSchema", out var schemaElement))
        {
            valueSchema = ReadSchemaText(schemaElement, "$.valueSchema", allowJson: true, errors);
        }

        if (!root.TryGetProperty("records", out var records))
        {
            var invalid = UnicodeCheck.Walk(root, 0, "$", errors);
            // Members that are no envelope's: most likely the value itself, whose own fields (a reading's "value",
            // "timestamp") then collide with the envelope's. Every problem is still listed; the hint says what to do.
            var bare = false;
            foreach (var member in root.EnumerateObject())
            {
                bare |= !IsRecordMember(member) && !member.NameEquals("valueSchema"u8);
            }

            return new ProduceBatch([ReadRecord(root, 0, "$", limits, errors, allowEnvelope: true, invalid)], valueSchema)
            {
                Hint = bare ? BareValueHint : null,
            };
        }

        if (!TryCount(records, "$.records", limits, errors, out var count))
        {
            return new ProduceBatch([], valueSchema);
        }

        foreach (var member in root.EnumerateObject())
        {
            if (SafeName(member) is not ("records" or "valueSchema"))
            {
                errors.Add(new ProduceError(null, "$." + SafeName(member), "unknown member (a batch has \"records\" and optionally \"valueSchema\")"));
            }
        }

        var result = new List<ProduceRecord>(count);
        var index = 0;
        foreach (var record in records.EnumerateArray())
        {
            var path = RecordPaths.Record(index);
            var invalid = UnicodeCheck.Walk(record, index, path, errors);
            result.Add(ReadRecord(record, index, path, limits, errors, allowEnvelope: false, invalid));
            index++;
        }

        return new ProduceBatch(result, valueSchema);
    }

    private static ProduceBatch ReadV2(JsonElement root, int? routePartition, ProduceLimits limits, List<ProduceError> errors)
    {
        foreach (var member in root.EnumerateObject())
        {
            if (!s_v2Members.Contains(SafeName(member)))
            {
                errors.Add(new ProduceError(null, "$." + SafeName(member),
                    "unknown member (a REST Proxy v2 request has records, value_schema, value_schema_id, key_schema, key_schema_id)"));
            }
        }

        var valueSchema = root.TryGetProperty("value_schema", out var vs) && vs.ValueKind != JsonValueKind.Null
            ? ReadSchemaText(vs, "$.value_schema", allowJson: false, errors) : null;
        var keySchema = root.TryGetProperty("key_schema", out var ks) && ks.ValueKind != JsonValueKind.Null
            ? ReadSchemaText(ks, "$.key_schema", allowJson: false, errors) : null;
        var valueSchemaId = ReadSchemaId(root, "value_schema_id", errors);
        var keySchemaId = ReadSchemaId(root, "key_schema_id", errors);

        if (!root.TryGetProperty("records", out var records))
        {
            errors.Add(new ProduceError(null, "$.records", "required member missing"));
            return new ProduceBatch([], valueSchema, keySchema, valueSchemaId, keySchemaId);
        }

        if (!TryCount(records, "$.records", limits, errors, out var count))
        {
            return new ProduceBatch([], valueSchema, keySchema, valueSchemaId, keySchemaId);
        }

        var result = new List<ProduceRecord>(count);
        var index = 0;
        foreach (var record in records.EnumerateArray())
        {
            var path = RecordPaths.Record(index);
            var invalid = UnicodeCheck.Walk(record, index, path, errors);
            result.Add(ReadV2Record(record, index, path, routePartition, limits, errors, invalid));
            index++;
        }

        return new ProduceBatch(result, valueSchema, keySchema, valueSchemaId, keySchemaId);
    }

    private static ProduceRecord ReadV2Record(
        JsonElement record, int index, string path, int? routePartition, ProduceLimits limits, List<ProduceError> errors, bool hasInvalidText)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ProduceError(index, path, $"expected a record object, got {Describe(record)}"));
            return new ProduceRecord(index, path, default, null, null, [], null) { HasInvalidText = hasInvalidText };
        }

        foreach (var member in record.EnumerateObject())
        {
            if (!s_v2RecordMembers.Contains(SafeName(member)))
            {
                errors.Add(new ProduceError(index, $"{path}.{SafeName(member)}", "unknown member (a REST Proxy v2 record has key, value, partition)"));
            }
        }

        // REST Proxy v2: a missing value is a null value.
        var value = record.TryGetProperty("value", out var v) ? v : default;
        var key = ReadKey(record.TryGetProperty("key", out var keyMember) ? keyMember : default, index, path, limits, errors);
        var partition = routePartition;
        if (record.TryGetProperty("partition", out var partitionElement) && partitionElement.ValueKind != JsonValueKind.Null)
        {
            if (routePartition is not null)
            {
                errors.Add(new ProduceError(index, $"{path}.partition", "the route names the partition; records sent to /partitions/{partition} carry none"));
            }
            else
            {
                partition = ReadPartition(partitionElement, index, $"{path}.partition", errors);
            }
        }

        // HasInvalidText set here: a `with` afterwards cloned every record.
        return new ProduceRecord(index, path, value, key, partition, [], null) { HasInvalidText = hasInvalidText };
    }

    private static bool TryCount(JsonElement records, string path, ProduceLimits limits, List<ProduceError> errors, out int count)
    {
        count = 0;
        if (records.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new ProduceError(null, path, $"expected an array of records, got {Describe(records)}"));
            return false;
        }

        count = records.GetArrayLength();
        if (count == 0)
        {
            errors.Add(new ProduceError(null, path, "expected at least one record"));
            return false;
        }

        if (count > limits.MaxRecords)
        {
            errors.Add(new ProduceError(null, path, $"at most {limits.MaxRecords} records per request (Producer:MaxRecordsPerRequest), got {count}"));
            return false;
        }

        return true;
    }

    private static string? ReadSchemaText(JsonElement element, string path, bool allowJson, List<ProduceError> errors)
    {
        var text = element.ValueKind switch
        {
            JsonValueKind.String when UnicodeCheck.IsValid(element) => element.GetString(),
            JsonValueKind.Object or JsonValueKind.Array when allowJson => element.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            errors.Add(new ProduceError(null, path, allowJson
                ? "expected the Avro schema as JSON or as a string"
                : "expected the Avro schema as a string (valid Unicode)"));
        }

        return text;
    }

    private static int? ReadSchemaId(JsonElement root, string member, List<ProduceError> errors)
    {
        if (!root.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var id) && id > 0)
        {
            return id;
        }

        errors.Add(new ProduceError(null, "$." + member, $"expected a schema id between 1 and {int.MaxValue}, got {Describe(element)}"));
        return null;
    }

    private static ProduceRecord ReadRecord(
        JsonElement record, int index, string path, ProduceLimits limits, List<ProduceError> errors, bool allowEnvelope, bool hasInvalidText)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ProduceError(index, path, $"expected a record object with \"value\", got {Describe(record)}"));
            return new ProduceRecord(index, path, default, null, null, [], null) { HasInvalidText = hasInvalidText };
        }

        // One pass over the members instead of an enumeration for unknown members plus a TryGetProperty scan per known
        // one. Assigning as they come keeps TryGetProperty's rule for a repeated member (the last one counts); the
        // problems are listed in the order they were (unknown members, then value, key, partition, timestamp, headers).
        JsonElement value = default, keyElement = default, partitionElement = default, timestampElement = default, headersElement = default;
        var hasValue = false;
        foreach (var member in record.EnumerateObject())
        {
            if (member.NameEquals("value"u8))
            {
                value = member.Value;
                hasValue = true;
            }
            else if (member.NameEquals("key"u8))
            {
                keyElement = member.Value;
            }
            else if (member.NameEquals("partition"u8))
            {
                partitionElement = member.Value;
            }
            else if (member.NameEquals("timestamp"u8))
            {
                timestampElement = member.Value;
            }
            else if (member.NameEquals("headers"u8))
            {
                headersElement = member.Value;
            }
            else if (!(allowEnvelope && member.NameEquals("valueSchema"u8)))
            {
                errors.Add(new ProduceError(index, $"{path}.{SafeName(member)}", "unknown member (a record has value, key, partition, headers, timestamp)"));
            }
        }

        if (!hasValue)
        {
            errors.Add(new ProduceError(index, $"{path}.value", "required member missing"));
        }

        var key = ReadKey(keyElement, index, path, limits, errors);
        int? partition = null;
        if (partitionElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            partition = ReadPartition(partitionElement, index, $"{path}.partition", errors);
        }

        long? timestamp = null;
        if (timestampElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            timestamp = ReadTimestamp(timestampElement, index, $"{path}.timestamp", errors);
        }

        // The shared empty list for a record without headers: `[]` here was a new List per record (the branch's type).
        IReadOnlyList<KeyValuePair<string, byte[]?>> headers = headersElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)
            ? ReadHeaders(headersElement, index, $"{path}.headers", limits, errors)
            : s_noHeaders;
        return new ProduceRecord(index, path, value, key, partition, headers, timestamp) { HasInvalidText = hasInvalidText };
    }

    /// <summary>
    /// A record's member (value, key, partition, headers, timestamp), compared as UTF-8 without making a string of the
    /// name (every member of every record was a string per request).
    /// </summary>
    private static bool IsRecordMember(JsonProperty member) =>
        member.NameEquals("value"u8) || member.NameEquals("key"u8) || member.NameEquals("partition"u8)
        || member.NameEquals("headers"u8) || member.NameEquals("timestamp"u8);

    /// <summary>The record's <c>key</c> member (<c>default</c> when it has none); null when absent or JSON null.</summary>
    private static JsonElement? ReadKey(JsonElement key, int index, string path, ProduceLimits limits, List<ProduceError> errors)
    {
        if (key.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        var length = JsonMarshal.GetRawUtf8Value(key).Length;
        if (length > limits.MaxKeyBytes)
        {
            errors.Add(new ProduceError(index, $"{path}.key", $"the key has {length} bytes of JSON; at most {limits.MaxKeyBytes} (Producer:MaxKeyBytes)"));
        }

        return key;
    }

    private static int? ReadPartition(JsonElement element, int index, string path, List<ProduceError> errors)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var p) && p >= 0)
        {
            return p;
        }

        errors.Add(new ProduceError(index, path, $"expected a partition number between 0 and {int.MaxValue}, got {Describe(element)}"));
        return null;
    }

    /// <summary>The record's timestamp in epoch milliseconds, as the Kafka record carries it.</summary>
    private static long? ReadTimestamp(JsonElement element, int index, string path, List<ProduceError> errors)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var millis) && millis is >= 0 and <= MaxTimestampMs)
        {
            return millis;
        }

        if (element.ValueKind == JsonValueKind.String
            && UnicodeCheck.IsValid(element)
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            && parsed.ToUnixTimeMilliseconds() is >= 0 and var parsedMillis)
        {
            // What Confluent's Timestamp(DateTimeOffset) made of it: whole milliseconds since the epoch, UTC.
            return parsedMillis;
        }

        errors.Add(new ProduceError(index, path, $"expected epoch milliseconds (0 to {MaxTimestampMs}) or an ISO-8601 date-time, got {Describe(element)}"));
        return null;
    }

    private static List<KeyValuePair<string, byte[]?>> ReadHeaders(JsonElement element, int index, string path, ProduceLimits limits, List<ProduceError> errors)
    {
        var headers = new List<KeyValuePair<string, byte[]?>>();
        var bytes = 0L;
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in element.EnumerateObject())
            {
                if (!UnicodeCheck.IsValidName(header))
                {
                    // Reported by the Unicode walk.
                    continue;
                }

                if (header.Value.ValueKind == JsonValueKind.String)
                {
                    if (UnicodeCheck.IsValid(header.Value))
                    {
                        var value = Encoding.UTF8.GetBytes(header.Value.GetString()!);
                        bytes += Encoding.UTF8.GetByteCount(header.Name) + value.Length;
                        headers.Add(new(header.Name, value));
                    }
                }
                else if (header.Value.ValueKind == JsonValueKind.Null)
                {
                    bytes += Encoding.UTF8.GetByteCount(header.Name);
                    headers.Add(new(header.Name, null));
                }
                else
                {
                    errors.Add(new ProduceError(index, $"{path}.{header.Name}", $"expected a string header value, got {Describe(header.Value)}"));
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var header in element.EnumerateArray())
            {
                var headerPath = $"{path}[{i++}]";
                if (header.ValueKind != JsonValueKind.Object
                    || !header.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                    || !UnicodeCheck.IsValid(name) || string.IsNullOrEmpty(name.GetString()))
                {
                    errors.Add(new ProduceError(index, headerPath, "expected {\"name\": \"...\", \"value\": \"<base64>\"}"));
                    continue;
                }

                var headerName = name.GetString()!;
                if (!header.TryGetProperty("value", out var headerValue) || headerValue.ValueKind == JsonValueKind.Null)
                {
                    bytes += Encoding.UTF8.GetByteCount(headerName);
                    headers.Add(new(headerName, null));
                }
                else if (headerValue.ValueKind == JsonValueKind.String && headerValue.TryGetBytesFromBase64(out var decoded))
                {
                    bytes += Encoding.UTF8.GetByteCount(headerName) + decoded.Length;
                    headers.Add(new(headerName, decoded));
                }
                else
                {
                    errors.Add(new ProduceError(index, $"{headerPath}.value", $"expected base64 bytes, got {Describe(headerValue)}"));
                }
            }
        }
        else
        {
            errors.Add(new ProduceError(index, path, $"expected an object of name -> string or an array of {{name, value}}, got {Describe(element)}"));
            return headers;
        }

        if (headers.Count > limits.MaxHeaders)
        {
            errors.Add(new ProduceError(index, path, $"at most {limits.MaxHeaders} headers per record (Producer:MaxHeadersPerRecord), got {headers.Count}"));
        }
        else if (bytes > limits.MaxHeaderBytes)
        {
            errors.Add(new ProduceError(index, path, $"the headers have {bytes} bytes; at most {limits.MaxHeaderBytes} per record (Producer:MaxHeaderBytesPerRecord)"));
        }

        return headers;
    }

    private static string SafeName(JsonProperty member) => UnicodeCheck.IsValidName(member) ? member.Name : "<invalid name>";

    /// <summary>A short description of a JSON value for error messages, e.g. <c>string "hot"</c>.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => UnicodeCheck.IsValid(element) ? $"string \"{Truncate(element.GetString()!)}\"" : "a string that is not valid Unicode",
        JsonValueKind.Number => $"number {Truncate(element.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "nothing",
    };

    // Never cut a surrogate pair in half: the message would carry the lone surrogate this reader refuses.
    private static string Truncate(string text) =>
        text.Length <= 40 ? text : text[..(char.IsHighSurrogate(text[39]) ? 39 : 40)] + "...";
}
