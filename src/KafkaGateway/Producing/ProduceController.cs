using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Producing;

/// <summary>Produce JSON records to a topic.</summary>
[ApiController]
[Route("topics/{topic}/records")]
[Produces("application/json")]
public sealed class ProduceController(RecordProducer producer, IdempotencyCache idempotency) : ControllerBase
{
    /// <summary>
    /// Produces one record (<c>{"value": {...}}</c>) or a batch (<c>{"records": [{"value": {...}}, ...]}</c>).
    /// </summary>
    /// <remarks>
    /// Values of Avro topics are validated against the latest version of the subject <c>{topic}-value</c> (or the
    /// schema chosen with <c>schemaId</c>, <c>schemaVersion</c>, <c>subject</c>) and written in the Confluent wire
    /// format. A record has <c>value</c>, optional <c>key</c> (Avro when <c>{topic}-key</c> has a schema, else UTF-8),
    /// <c>partition</c>, <c>headers</c> (<c>{"name":"text"}</c> or <c>[{"name":"n","value":"base64"}]</c>) and
    /// <c>timestamp</c> (epoch ms or ISO-8601). Validation is all-or-nothing: any invalid record answers 422 with
    /// every problem and its JSON path, and nothing is written. A 200 means every record is in Kafka; any other answer
    /// after records were handed to Kafka lists each record's outcome (persisted, not_persisted, possibly_persisted).
    ///
    /// Example (sensor schema registered under <c>sensors-value</c>):
    ///
    ///     POST /topics/sensors/records
    ///     {"records": [{"key": "s-1", "value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}]}
    /// </remarks>
    /// <param name="topic">The topic.</param>
    /// <param name="body">One record or <c>{"records": [...]}</c>.</param>
    /// <param name="schemaId">Registry id of the value schema to use.</param>
    /// <param name="schemaVersion">Version of the value subject to use.</param>
    /// <param name="subject">Value subject to use instead of <c>{topic}-value</c>.</param>
    /// <param name="idempotencyKey">
    /// Names one logical write of this principal to this topic: a retry with the same key and body gets the first
    /// answer (header <c>Idempotent-Replayed: true</c>) instead of writing again; while the first is in flight a retry
    /// waits for it or answers 409 <c>idempotency_in_progress</c>.
    /// </param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">Every record is in Kafka; where each landed, in request order.</response>
    /// <response code="403">Not allowed: <c>reserved_topic</c> (the registry's or an internal topic), or <c>forbidden</c> (an inline schema to register without <c>schemas:write</c>).</response>
    /// <response code="404">Unknown topic (<c>topic_not_found</c>, within a second; nothing written), partition or requested schema.</response>
    /// <response code="413">A record is larger than Kafka accepts.</response>
    /// <response code="409">A request with this Idempotency-Key is still in flight: retry with the same key.</response>
    /// <response code="422">Invalid records (every problem listed with its JSON path); nothing was written.</response>
    /// <response code="500">partially_persisted: some records are in Kafka and some are not; <c>records</c> gives each record's
    /// outcome. Do not retry the request; send again only the records marked not_persisted.</response>
    /// <response code="503">Not written (Kafka or the registry unavailable, queue full): retry after Retry-After.</response>
    /// <response code="504">Kafka did not confirm in time: the records may have been written.</response>
    [GatewayAccess(GatewayPermission.Produce)]
    [HttpPost]
    [Consumes("application/json")]
    [RequestExample("""{"records": [{"key": "s-1", "value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}]}""")]
    [ProducesResponseType<ProduceResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status413PayloadTooLarge)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status500InternalServerError)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status504GatewayTimeout)]
    public async Task<ActionResult<ProduceResponse>> Produce(
        string topic,
        [FromBody] JsonElement body,
        [FromQuery] int? schemaId,
        [FromQuery] int? schemaVersion,
        [FromQuery] string? subject,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var request = new ProduceRequest(topic, ProduceDialect.Native, body, User,
            new ProduceSchemaSelection(schemaId, schemaVersion, subject), IdempotencyKey: string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey);
        if (request.IdempotencyKey is null)
        {
            return (await producer.ProduceAsync(request, cancellationToken)).Response;
        }

        var (response, replayed) = await idempotency.GetOrProduceAsync(
            AccessPolicy.PrincipalName(User), topic, request.IdempotencyKey, body,
            async () => (await producer.ProduceAsync(request, cancellationToken)).Response, cancellationToken);
        if (replayed)
        {
            Response.Headers[IdempotencyCache.ReplayedHeader] = "true";
        }

        return response;
    }
}
