using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Schemas;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>Produce bare values: the values themselves, without the record envelope.</summary>
[ApiController]
[Route("topics/{topic}/values")]
[Produces("application/json")]
public sealed class ValuesController(
    RecordProducer producer,
    ValuesIngestion ingestion,
    IdempotencyCache idempotency,
    IOptions<TopicFormatOptions> formats,
    IOptions<ProducerOptions> options) : ControllerBase
{
    private const string Ndjson = "application/x-ndjson";

    /// <summary>Produces bare values: one JSON value, a JSON array of values, or NDJSON lines streamed (any length).</summary>
    /// <remarks>
    /// The body is the value itself, as a device sends it: <c>{"id":"s-1","timestamp":1732270000000,"value":21.5}</c>
    /// is one record; a JSON array is a batch (at most <c>Producer:MaxRecordsPerRequest</c> values; send an
    /// array-typed value as <c>[[...]]</c>); <c>Content-Type: application/x-ndjson</c> is one value per line, any
    /// number of lines, produced in chunks of <c>Producer:NdjsonChunkRecords</c> while the body streams in (each line at
    /// most <c>Producer:MaxValueLineBytes</c>). Values are validated and encoded as on <c>/records</c>.
    ///
    /// The key: <c>?key=s-1</c> for every record, or <c>?keyField=id</c> to take it from each value's top-level member
    /// (default: <c>Gateway:TopicFormats:KeyFields:{topic}</c>, else no key).
    ///
    /// A 200 means every value is in Kafka. JSON bodies are all-or-nothing (422 <c>invalid_records</c>, paths
    /// <c>$[i]...</c>). NDJSON chunks are validated whole; at the first chunk that fails nothing more is produced: when
    /// nothing is in Kafka the answer is that chunk's (e.g. 422 with <c>errors[].line</c>); when earlier chunks are, it
    /// is 500 <c>partially_persisted</c> with <c>received</c>, <c>persisted</c>, the first <c>failures</c> by line and
    /// <c>notSentFromLine</c>.
    ///
    ///     curl -X POST 'http://localhost:5000/topics/sensors/values?keyField=id' \
    ///       -H 'Content-Type: application/x-ndjson' --data-binary @readings.ndjson
    /// </remarks>
    /// <param name="topic">The topic.</param>
    /// <param name="body">One value, or an array of values.</param>
    /// <param name="key">The key of every record (UTF-8, or the key schema's when <c>{topic}-key</c> has one).</param>
    /// <param name="keyField">The top-level member of each value that is its key, e.g. <c>id</c>.</param>
    /// <param name="schemaId">Registry id of the value schema to use.</param>
    /// <param name="schemaVersion">Version of the value subject to use.</param>
    /// <param name="subject">Value subject to use instead of <c>{topic}-value</c>.</param>
    /// <param name="idempotencyKey">As on <c>/records</c>: a retry with the same key and body gets the first answer (JSON bodies only).</param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">Every value is in Kafka: counts, and for JSON bodies where each landed.</response>
    /// <response code="400">Malformed JSON, <c>key</c> with <c>keyField</c> (<c>invalid_key_selection</c>), Idempotency-Key with NDJSON.</response>
    /// <response code="403">Not allowed: <c>reserved_topic</c>.</response>
    /// <response code="404">Unknown topic (<c>topic_not_found</c>) or requested schema; nothing written.</response>
    /// <response code="422">Invalid values (every problem with its path, and its line for NDJSON); nothing was written.</response>
    /// <response code="500">partially_persisted: some values are in Kafka and some are not; do not retry the request.</response>
    /// <response code="503">Not written (Kafka or the registry unavailable, queue full): retry after Retry-After.</response>
    /// <response code="504">Kafka did not confirm in time: the values may have been written.</response>
    [GatewayAccess(GatewayPermission.Produce)]
    [HttpPost]
    [Consumes("application/json")]
    [RequestExample("""{"id": "s-1", "timestamp": 1732270000000, "value": 21.5}""", Name = "one value")]
    [RequestExample("""[{"id": "s-1", "timestamp": 1732270000000, "value": 21.5}, {"id": "s-2", "timestamp": 1732270000000, "value": 19.0}]""", Name = "array of values")]
    [RequestExample("{\"id\":\"s-1\",\"timestamp\":1732270000000,\"value\":21.5}\n{\"id\":\"s-2\",\"timestamp\":1732270000000,\"value\":19.0}\n",
        MediaType = Ndjson, Name = "NDJSON, one value per line")]
    [ResponseExample(StatusCodes.Status200OK,
        """{"topic": "sensors", "valueSchemaId": 1, "valueSchemaVersion": 1, "received": 2, "persisted": 2, "failed": 0, "records": [{"partition": 0, "offset": 41, "timestamp": 1732270000000}, {"partition": 2, "offset": 17, "timestamp": 1732270000000}]}""")]
    [ResponseExample(StatusCodes.Status422UnprocessableEntity,
        """{"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "The request has invalid records", "status": 422, "detail": "1 problem(s) found in the values of lines 1-2; nothing was produced. See errors.", "code": "invalid_records", "received": 2, "persisted": 0, "possiblyPersisted": 0, "notPersisted": 2, "notSentFromLine": 1, "errors": [{"line": 2, "path": "$.value", "message": "expected double, got string \"hot\""}]}""")]
    [ResponseExample(StatusCodes.Status500InternalServerError,
        """{"type": "https://tools.ietf.org/html/rfc9110#section-15.6.1", "title": "Only some records were written", "status": 500, "detail": "1000 of 1500 value(s) are in Kafka, 500 not written, 0 may have been written. Lines 1001-1500 were not written because ...", "code": "partially_persisted", "received": 1500, "persisted": 1000, "possiblyPersisted": 0, "notPersisted": 500, "notSentFromLine": 1001, "failures": [{"line": 1203, "status": "invalid", "path": "$.value", "message": "expected double, got string \"hot\""}]}""")]
    [ProducesResponseType<ValuesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status500InternalServerError)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status504GatewayTimeout)]
    public async Task<ActionResult<ValuesResponse>> ProduceValues(
        string topic,
        [FromBody] JsonElement body,
        [FromQuery] string? key,
        [FromQuery] string? keyField,
        [FromQuery] int? schemaId,
        [FromQuery] int? schemaVersion,
        [FromQuery] string? subject,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var request = NewRequest(topic, key, keyField, schemaId, schemaVersion, subject) with
        {
            Body = body,
            IdempotencyKey = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey,
        };
        var count = body.ValueKind == JsonValueKind.Array ? body.GetArrayLength() : 1;
        if (request.IdempotencyKey is null)
        {
            return Answer((await producer.ProduceAsync(request, cancellationToken)).Response, count);
        }

        var (response, replayed) = await idempotency.GetOrProduceAsync(
            AccessPolicy.PrincipalName(User), topic, request.IdempotencyKey, body,
            async () => (await producer.ProduceAsync(request, cancellationToken)).Response, cancellationToken);
        if (replayed)
        {
            Response.Headers[IdempotencyCache.ReplayedHeader] = "true";
        }

        return Answer(response, count);
    }

    /// <summary>Produces NDJSON lines as they stream in (documented with <see cref="ProduceValues"/>, which shares the route).</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="key">The key of every record.</param>
    /// <param name="keyField">The top-level member of each value that is its key.</param>
    /// <param name="schemaId">Registry id of the value schema to use.</param>
    /// <param name="schemaVersion">Version of the value subject to use.</param>
    /// <param name="subject">Value subject to use instead of <c>{topic}-value</c>.</param>
    /// <param name="idempotencyKey">Refused: a stream cannot be compared with an earlier one before it is produced.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    [GatewayAccess(GatewayPermission.Produce)]
    [HttpPost]
    [Consumes(Ndjson, "application/jsonl")]
    // The body has no size limit (lines do: Producer:MaxValueLineBytes); slow uploads are still cut
    // (Security:Limits:MinRequestBodyBytesPerSecond) and requests still count against the rate limit.
    [DisableRequestSizeLimit]
    [ApiExplorerSettings(IgnoreApi = true)]
    public async Task<ActionResult<ValuesResponse>> ProduceValuesNdjson(
        string topic,
        [FromQuery] string? key,
        [FromQuery] string? keyField,
        [FromQuery] int? schemaId,
        [FromQuery] int? schemaVersion,
        [FromQuery] string? subject,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(idempotencyKey))
        {
            throw GatewayErrors.IdempotencyNotSupported.ToException(
                "An NDJSON stream is produced while it arrives, before it could be compared with an earlier request of the same key. " +
                "Send the values as a JSON array (application/json) to use Idempotency-Key, or resume a stream from the line its answer names.");
        }

        var request = NewRequest(topic, key, keyField, schemaId, schemaVersion, subject);
        return await ingestion.IngestAsync(request, HttpContext.Request.BodyReader, cancellationToken);
    }

    private ProduceRequest NewRequest(string topic, string? key, string? keyField, int? schemaId, int? schemaVersion, string? subject) =>
        new(topic, ProduceDialect.Values, default, User, new ProduceSchemaSelection(schemaId, schemaVersion, subject), Key: KeySource(topic, key, keyField), Response: Response);

    private static ValuesResponse Answer(ProduceResponse response, int count) =>
        new(response.Topic, response.ValueSchemaId, response.ValueSchemaVersion, count, response.Records.Length, 0, response.Records);

    private ValueKeySource? KeySource(string topic, string? key, string? keyField)
    {
        if (key is not null && keyField is not null)
        {
            throw InvalidKeySelection("Give either ?key= (one key for every record) or ?keyField= (each value's own key), not both.");
        }

        if (key is not null)
        {
            var bytes = System.Text.Encoding.UTF8.GetByteCount(key);
            if (key.Length == 0 || bytes > options.Value.MaxKeyBytes)
            {
                throw InvalidKeySelection($"?key= must have 1 to {options.Value.MaxKeyBytes} bytes (Producer:MaxKeyBytes), has {bytes}.");
            }

            return new ValueKeySource(JsonSerializer.SerializeToElement(key), null, "?key=");
        }

        if (keyField is not null)
        {
            if (keyField.Length is 0 or > TopicFormatOptionsValidator.MaxKeyFieldLength)
            {
                throw InvalidKeySelection($"?keyField= must name a top-level member of the values (1-{TopicFormatOptionsValidator.MaxKeyFieldLength} characters).");
            }

            return new ValueKeySource(null, keyField, $"?keyField={keyField}");
        }

        return formats.Value.KeyFields.TryGetValue(topic, out var configured)
            ? new ValueKeySource(null, configured, $"{TopicFormatOptions.SectionName}:KeyFields:{topic}={configured}")
            : null;
    }

    private static GatewayException InvalidKeySelection(string detail) =>
        GatewayErrors.InvalidKeySelection.ToException(detail + " Nothing was written.");
}
