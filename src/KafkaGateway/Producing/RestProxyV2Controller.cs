using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Schemas;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Producing;

/// <summary>
/// Confluent REST Proxy v2 produce API, so existing clients switch by changing the base URL.
/// </summary>
/// <remarks>
/// Differences from REST Proxy, on purpose: a request answers 200 only when every record is in Kafka; when any
/// record fails the answer is 500 and still carries the per-record <c>offsets</c>, with REST Proxy's per-record
/// <c>error_code</c> on the failed records only (2: not written, safe to send again; 1: not written for a reason a
/// retry meets again, or possibly written). The top-level error_code is 50003 (retriable) only when nothing was
/// written; a partial batch or an unconfirmed one is 50002, so that clients do not retry it as a whole.
/// </remarks>
[ApiController]
[Route("topics/{topic}")]
[Produces(V2Json)]
public sealed class RestProxyV2Controller(RecordProducer producer, TopicSchemaResolver schemas, KafkaIdentities identities) : ControllerBase
{
    private const string V2Json = "application/vnd.kafka.v2+json";
    private const string AvroV2 = "application/vnd.kafka.avro.v2+json";
    private const string JsonV2 = "application/vnd.kafka.json.v2+json";
    private const string BinaryV2 = "application/vnd.kafka.binary.v2+json";

    /// <summary>REST Proxy v2: produce records (avro, json or binary embedded format, chosen by Content-Type).</summary>
    /// <remarks>
    ///     POST /topics/sensors
    ///     Content-Type: application/vnd.kafka.avro.v2+json
    ///     {"value_schema_id": 1, "records": [{"value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}]}
    /// </remarks>
    /// <param name="topic">The topic.</param>
    /// <param name="body">REST Proxy v2 produce request.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">Every record is in Kafka: <c>offsets</c> in request order.</response>
    /// <response code="404">40401 topic not found, 40402 partition not found.</response>
    /// <response code="422">42201/42202 schema missing, 42203 invalid schema or data.</response>
    /// <response code="500">50003 nothing was written, retry; 50002 Kafka error, some records may be in Kafka: retry only the
    /// offsets with error_code 2.</response>
    [GatewayAccess(GatewayPermission.Produce)]
    [HttpPost]
    [Consumes(AvroV2, JsonV2, BinaryV2)]
    [ProducesResponseType<RestProxyProduceResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<RestProxyError>(StatusCodes.Status422UnprocessableEntity)]
    public Task<IActionResult> Produce(string topic, [FromBody] JsonElement body, CancellationToken cancellationToken) =>
        ProduceCoreAsync(topic, null, body, cancellationToken);

    /// <summary>REST Proxy v2: produce records to one partition.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="body">REST Proxy v2 produce request (records without <c>partition</c>).</param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">Every record is in Kafka.</response>
    [GatewayAccess(GatewayPermission.Produce)]
    [HttpPost("partitions/{partition:int}")]
    [Consumes(AvroV2, JsonV2, BinaryV2)]
    [ProducesResponseType<RestProxyProduceResponse>(StatusCodes.Status200OK)]
    public Task<IActionResult> ProduceToPartition(string topic, int partition, [FromBody] JsonElement body, CancellationToken cancellationToken) =>
        ProduceCoreAsync(topic, partition, body, cancellationToken);

    private async Task<IActionResult> ProduceCoreAsync(string topic, int? partition, JsonElement body, CancellationToken cancellationToken)
    {
        var format = Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() switch
        {
            AvroV2 => TopicFormat.Avro,
            JsonV2 => TopicFormat.Json,
            _ => TopicFormat.Binary,
        };
        try
        {
            TopicNames.EnsureValid(topic);
            var records = ReadRecords(body, partition);
            var (keyEncoding, valueEncoding) = format == TopicFormat.Avro
                ? (await AvroEncodingAsync(topic, body, records, isKey: true, cancellationToken), await AvroEncodingAsync(topic, body, records, isKey: false, cancellationToken))
                : (new RecordEncoding(format, null, null, null), new RecordEncoding(format, null, null, null));
            var response = await producer.ProduceEncodedAsync(topic, records, valueEncoding, keyEncoding, identities.For(User), null);
            return Ok(new RestProxyProduceResponse(
                keyEncoding.SchemaId,
                valueEncoding.SchemaId,
                response.Records.Select(r => new RestProxyOffset(r.Partition, r.Offset, null, null)).ToArray()));
        }
        catch (GatewayException ex)
        {
            return Translate(ex);
        }
    }

    private async Task<RecordEncoding> AvroEncodingAsync(string topic, JsonElement body, List<ProduceRecord> records, bool isKey, CancellationToken cancellationToken)
    {
        var prefix = isKey ? "key" : "value";
        var used = records.Any(r => isKey ? r.Key is not null : r.Value.ValueKind != JsonValueKind.Null);
        if (body.TryGetProperty($"{prefix}_schema_id", out var id) && id.ValueKind == JsonValueKind.Number)
        {
            return await schemas.ResolveByIdAsync(id.GetInt32(), cancellationToken);
        }

        if (body.TryGetProperty($"{prefix}_schema", out var schema) && schema.ValueKind == JsonValueKind.String)
        {
            try
            {
                return await schemas.RegisterAsync($"{topic}-{prefix}", schema.GetString()!, cancellationToken);
            }
            catch (SchemaRegistryException ex) when (ex.ErrorCode is SchemaRegistryException.InvalidSchema or SchemaRegistryException.IncompatibleSchema)
            {
                throw new GatewayException(422, "42203", "Invalid schema", $"Request includes invalid {prefix} schema: {ex.Message}");
            }
        }

        if (used)
        {
            throw isKey
                ? new GatewayException(422, "42201", "Key schema missing", "Request includes keys and uses a format that requires schemas, but does not include the key_schema or key_schema_id fields")
                : new GatewayException(422, "42202", "Value schema missing", "Request includes values and uses a format that requires schemas, but does not include the value_schema or value_schema_id fields");
        }

        return isKey ? RecordEncoding.RawKey : new RecordEncoding(TopicFormat.Json, null, null, null);
    }

    private static List<ProduceRecord> ReadRecords(JsonElement body, int? partition)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
        {
            throw new GatewayException(422, "42200", "Invalid request", "The request must be an object with a 'records' array.");
        }

        var result = new List<ProduceRecord>();
        var errors = new List<ProduceError>();
        foreach (var record in records.EnumerateArray())
        {
            var index = result.Count;
            var path = $"$.records[{index}]";
            JsonElement value = default;
            JsonElement? key = null;
            var recordPartition = partition;
            if (record.ValueKind == JsonValueKind.Object)
            {
                value = record.TryGetProperty("value", out var v) ? v : default;
                key = record.TryGetProperty("key", out var k) && k.ValueKind != JsonValueKind.Null ? k : null;
                if (partition is null && record.TryGetProperty("partition", out var p) && p.ValueKind == JsonValueKind.Number)
                {
                    recordPartition = p.GetInt32();
                }
            }
            else
            {
                errors.Add(new ProduceError(index, path, "expected a record object"));
            }

            result.Add(new ProduceRecord(index, path, value, key, recordPartition, [], null));
        }

        if (errors.Count > 0)
        {
            throw RecordProducer.Invalid(errors);
        }

        return result;
    }

    private ObjectResult Translate(GatewayException ex)
    {
        var (status, errorCode) = ex.Code switch
        {
            "42201" or "42202" or "42203" => (422, int.Parse(ex.Code, System.Globalization.CultureInfo.InvariantCulture)),
            "42200" => (422, 42200),
            "invalid_records" => (422, 42203),
            "topic_not_found" => (404, 40401),
            "partition_not_found" => (404, 40402),
            "schema_not_found" => (404, 40403),
            "invalid_topic_name" => (400, 40000),
            // Only "nothing was written" is retriable as a whole. A partial batch or a "may have been written" answer
            // retried by a REST Proxy client would write records twice: non-retriable at the top, and the offsets
            // say per record which ones may be sent again (error_code 2).
            _ when ex.StatusCode is 503 => (500, 50003),
            _ => (500, 50002),
        };
        if (ex.RetryAfterSeconds is { } retryAfter)
        {
            Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var message = ex.Extensions.TryGetValue("errors", out var errors) && errors is List<ProduceError> list
            ? "Conversion of JSON to Avro failed: " + string.Join("; ", list.Select(e => $"{e.Path}: {e.Message}"))
            : ex.Message;
        var offsets = ex.Extensions.TryGetValue("records", out var records) && records is IReadOnlyList<RecordOutcome> outcomes
            ? outcomes.Select(o => o.Status == "persisted"
                ? new RestProxyOffset(o.Partition, o.Offset, null, null)
                : new RestProxyOffset(null, null, DeliveryOutcomes.IsRetriable(o) ? 2 : 1, $"{o.Status}: {o.Reason}")).ToArray()
            : null;
        return new ObjectResult(new RestProxyError(errorCode, message, offsets)) { StatusCode = status, ContentTypes = { V2Json } };
    }
}

/// <summary>REST Proxy v2 produce response.</summary>
/// <param name="KeySchemaId">Registry id of the key schema (avro), else null.</param>
/// <param name="ValueSchemaId">Registry id of the value schema (avro), else null.</param>
/// <param name="Offsets">Per record, in request order.</param>
public sealed record RestProxyProduceResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("key_schema_id")] int? KeySchemaId,
    [property: System.Text.Json.Serialization.JsonPropertyName("value_schema_id")] int? ValueSchemaId,
    [property: System.Text.Json.Serialization.JsonPropertyName("offsets")] IReadOnlyList<RestProxyOffset> Offsets);

/// <summary>Where one record landed, or why it did not (REST Proxy v2 shape).</summary>
/// <param name="Partition">Partition.</param>
/// <param name="Offset">Offset.</param>
/// <param name="ErrorCode">1 non-retriable, 2 retriable, null on success.</param>
/// <param name="Error">Error text, null on success.</param>
public sealed record RestProxyOffset(
    [property: System.Text.Json.Serialization.JsonPropertyName("partition")] int? Partition,
    [property: System.Text.Json.Serialization.JsonPropertyName("offset")] long? Offset,
    [property: System.Text.Json.Serialization.JsonPropertyName("error_code")] int? ErrorCode,
    [property: System.Text.Json.Serialization.JsonPropertyName("error")] string? Error);

/// <summary>REST Proxy error body.</summary>
/// <param name="ErrorCode">REST Proxy error code (HTTP status x 100 + detail).</param>
/// <param name="Message">What went wrong.</param>
/// <param name="Offsets">Per-record outcomes when some records were attempted.</param>
public sealed record RestProxyError(
    [property: System.Text.Json.Serialization.JsonPropertyName("error_code")] int ErrorCode,
    [property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message,
    [property: System.Text.Json.Serialization.JsonPropertyName("offsets")] IReadOnlyList<RestProxyOffset>? Offsets);
