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
public sealed class RestProxyV2Controller(RecordProducer producer) : ControllerBase
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
    /// <response code="403">40300: reserved topic (the registry's or an internal one), or a new inline schema without <c>schemas:write</c>.</response>
    /// <response code="404">40401 topic not found, 40402 partition not found.</response>
    /// <response code="422">42201/42202 schema missing, 42203 invalid schema or data (also: json/binary records to an Avro topic).</response>
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
    /// <response code="404">40401 topic not found, 40402 partition not found (also for negative partitions).</response>
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
            // The same reader, limits, checks and encoding as POST /topics/{topic}/records; only the shapes differ.
            var result = await producer.ProduceAsync(
                new ProduceRequest(topic, ProduceDialect.RestProxyV2, body, User, EmbeddedFormat: format, RoutePartition: partition, Response: Response), cancellationToken);
            return Ok(new RestProxyProduceResponse(
                result.KeySchemaId,
                result.Response.ValueSchemaId,
                result.Response.Records.Select(r => new RestProxyOffset(r.Partition, r.Offset, null, null)).ToArray()));
        }
        catch (GatewayException ex)
        {
            return Translate(ex);
        }
    }

    private ObjectResult Translate(GatewayException ex)
    {
        // The catalogue entry carries the REST Proxy code (and through it the status): only "nothing was written" is
        // the retriable 50003. A partial batch or a "may have been written" answer retried by a REST Proxy client would
        // write records twice: non-retriable at the top, and the offsets say per record which ones may be sent again
        // (error_code 2).
        var errorCode = ex.Error.RestProxyErrorCode;
        var status = ex.Error.RestProxyStatus;
        if (ex.RetryAfterSeconds is { } retryAfter)
        {
            Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var message = ex.Extensions.TryGetValue("errors", out var errors) && errors is List<ProduceError> list
            ? "Conversion of JSON to Avro failed: " + string.Join("; ", list.Select(e => $"{e.Path}: {e.Message}"))
            : ex.Message;
        var offsets = ex.Extensions.TryGetValue("records", out var records) && records is IReadOnlyList<RecordOutcome> outcomes
            ? outcomes.Select(o => o.Status == DeliveryOutcomes.PersistedStatus
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
