using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KafkaGateway.Producing;

/// <summary>One record of a produce request, as sent.</summary>
internal sealed record ProduceRecord(
    int Index,
    string Path,
    JsonElement Value,
    JsonElement? Key,
    int? Partition,
    IReadOnlyList<KeyValuePair<string, byte[]?>> Headers,
    DateTimeOffset? Timestamp);

/// <summary>A produce request: its records, and an inline value schema when one was sent.</summary>
internal sealed record ProduceBatch(IReadOnlyList<ProduceRecord> Records, string? ValueSchema);

/// <summary>A problem with one part of a produce request; <see cref="Path"/> is a JSON path into the body.</summary>
public sealed record ProduceError(int? RecordIndex, string Path, string Message);

/// <summary>
/// Reads the body of <c>POST /topics/{topic}/records</c>: one record (<c>{"value":...}</c>) or a batch
/// (<c>{"records":[...]}</c>). Collects every problem with its JSON path instead of stopping at the first.
/// </summary>
internal static class ProduceRequestReader
{
    private static readonly HashSet<string> s_recordMembers = new(StringComparer.Ordinal) { "value", "key", "partition", "headers", "timestamp" };

    public static ProduceBatch Read(JsonElement root, int maxRecords, List<ProduceError> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ProduceError(null, "$", $"expected an object with \"value\" or \"records\", got {Describe(root)}"));
            return new ProduceBatch([], null);
        }

        string? valueSchema = null;
        if (root.TryGetProperty("valueSchema", out var schemaElement))
        {
            valueSchema = schemaElement.ValueKind switch
            {
                JsonValueKind.String => schemaElement.GetString(),
                JsonValueKind.Object or JsonValueKind.Array => schemaElement.GetRawText(),
                _ => null,
            };
            if (valueSchema is null)
            {
                errors.Add(new ProduceError(null, "$.valueSchema", "expected the Avro schema as JSON or as a string"));
            }
        }

        if (!root.TryGetProperty("records", out var records))
        {
            return new ProduceBatch([ReadRecord(root, 0, "$", errors, allowEnvelope: true)], valueSchema);
        }

        if (records.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new ProduceError(null, "$.records", $"expected an array of records, got {Describe(records)}"));
            return new ProduceBatch([], valueSchema);
        }

        var count = records.GetArrayLength();
        if (count == 0)
        {
            errors.Add(new ProduceError(null, "$.records", "expected at least one record"));
        }
        else if (count > maxRecords)
        {
            errors.Add(new ProduceError(null, "$.records", $"at most {maxRecords} records per request (Producer:MaxRecordsPerRequest), got {count}"));
            return new ProduceBatch([], valueSchema);
        }

        foreach (var member in root.EnumerateObject())
        {
            if (member.Name is not ("records" or "valueSchema"))
            {
                errors.Add(new ProduceError(null, "$." + member.Name, "unknown member (a batch has \"records\" and optionally \"valueSchema\")"));
            }
        }

        var result = new List<ProduceRecord>(count);
        var index = 0;
        foreach (var record in records.EnumerateArray())
        {
            result.Add(ReadRecord(record, index, $"$.records[{index}]", errors, allowEnvelope: false));
            index++;
        }

        return new ProduceBatch(result, valueSchema);
    }

    private static ProduceRecord ReadRecord(JsonElement record, int index, string path, List<ProduceError> errors, bool allowEnvelope)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ProduceError(index, path, $"expected a record object with \"value\", got {Describe(record)}"));
            return new ProduceRecord(index, path, default, null, null, [], null);
        }

        foreach (var member in record.EnumerateObject())
        {
            if (!s_recordMembers.Contains(member.Name) && !(allowEnvelope && member.Name == "valueSchema"))
            {
                errors.Add(new ProduceError(index, $"{path}.{member.Name}", "unknown member (a record has value, key, partition, headers, timestamp)"));
            }
        }

        if (!record.TryGetProperty("value", out var value))
        {
            errors.Add(new ProduceError(index, $"{path}.value", "required member missing"));
        }

        JsonElement? key = record.TryGetProperty("key", out var keyElement) && keyElement.ValueKind != JsonValueKind.Null ? keyElement : null;
        int? partition = null;
        if (record.TryGetProperty("partition", out var partitionElement) && partitionElement.ValueKind != JsonValueKind.Null)
        {
            if (partitionElement.ValueKind == JsonValueKind.Number && partitionElement.TryGetInt32(out var p) && p >= 0)
            {
                partition = p;
            }
            else
            {
                errors.Add(new ProduceError(index, $"{path}.partition", $"expected a partition number >= 0, got {Describe(partitionElement)}"));
            }
        }

        DateTimeOffset? timestamp = null;
        if (record.TryGetProperty("timestamp", out var timestampElement) && timestampElement.ValueKind != JsonValueKind.Null)
        {
            timestamp = ReadTimestamp(timestampElement, index, $"{path}.timestamp", errors);
        }

        var headers = record.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind != JsonValueKind.Null
            ? ReadHeaders(headersElement, index, $"{path}.headers", errors)
            : [];
        return new ProduceRecord(index, path, value, key, partition, headers, timestamp);
    }

    private static DateTimeOffset? ReadTimestamp(JsonElement element, int index, string path, List<ProduceError> errors)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var millis) && millis >= 0)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(millis);
        }

        if (element.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            && parsed.ToUnixTimeMilliseconds() >= 0)
        {
            return parsed;
        }

        errors.Add(new ProduceError(index, path, $"expected epoch milliseconds or an ISO-8601 date-time, got {Describe(element)}"));
        return null;
    }

    private static List<KeyValuePair<string, byte[]?>> ReadHeaders(JsonElement element, int index, string path, List<ProduceError> errors)
    {
        var headers = new List<KeyValuePair<string, byte[]?>>();
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in element.EnumerateObject())
            {
                if (header.Value.ValueKind == JsonValueKind.String)
                {
                    headers.Add(new(header.Name, Encoding.UTF8.GetBytes(header.Value.GetString()!)));
                }
                else if (header.Value.ValueKind == JsonValueKind.Null)
                {
                    headers.Add(new(header.Name, null));
                }
                else
                {
                    errors.Add(new ProduceError(index, $"{path}.{header.Name}", $"expected a string header value, got {Describe(header.Value)}"));
                }
            }

            return headers;
        }

        if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var header in element.EnumerateArray())
            {
                var headerPath = $"{path}[{i++}]";
                if (header.ValueKind != JsonValueKind.Object
                    || !header.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                    || string.IsNullOrEmpty(name.GetString()))
                {
                    errors.Add(new ProduceError(index, headerPath, "expected {\"name\": \"...\", \"value\": \"<base64>\"}"));
                    continue;
                }

                if (!header.TryGetProperty("value", out var headerValue) || headerValue.ValueKind == JsonValueKind.Null)
                {
                    headers.Add(new(name.GetString()!, null));
                }
                else if (headerValue.ValueKind == JsonValueKind.String && headerValue.TryGetBytesFromBase64(out var bytes))
                {
                    headers.Add(new(name.GetString()!, bytes));
                }
                else
                {
                    errors.Add(new ProduceError(index, $"{headerPath}.value", $"expected base64 bytes, got {Describe(headerValue)}"));
                }
            }

            return headers;
        }

        errors.Add(new ProduceError(index, path, $"expected an object of name -> string or an array of {{name, value}}, got {Describe(element)}"));
        return headers;
    }

    /// <summary>A short description of a JSON value for error messages, e.g. <c>string "hot"</c>.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Truncate(element.GetString()!)}\"",
        JsonValueKind.Number => $"number {Truncate(element.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {element.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "nothing",
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
