using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Security;
using FluentValidation.Results;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>Produce JSON records to a topic.</summary>
[ApiController]
[Route("topics/{topic}/records")]
[Produces("application/json")]
public sealed class ProduceController(RecordProducer producer, IdempotencyCache idempotency, IOptions<JsonOptions> jsonOptions) : ControllerBase
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
    // Metadata only: routing answers other media types 415 before this action is chosen (ConsumesMetadataAttribute).
    [ConsumesMetadata("application/json")]
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
    [ParametersDescribedBy(nameof(ProduceParameters))]
    // Answers are JsonAnswer or GatewayProblemResult only: no result-stage work for [Produces] and [ApiController].
    [SelfWritingResults]
    public Task<IActionResult> Produce()
    {
        // No parameters for MVC to bind (its per-parameter binding was the largest MVC cost of a single-record
        // request): the request is read here, with MVC's rules and its error answers (415 without a content type,
        // 400 validation_failed with field paths for bad values). ProduceParameters describes it to the OpenAPI document.
        // Not an async method: the body is usually read at once, and then the one state machine of the request is the
        // produce path's, which ends in the answer itself (a box per request less than awaiting it here).
        var request = HttpContext.Request;
        if (string.IsNullOrEmpty(request.ContentType))
        {
            // Routing's accepts policy lets a request without Content-Type through (as [Consumes] did); MVC's body
            // binding answered it 415. Answered as every gateway error is (application/problem+json, the catalogue's
            // code): MVC's client-error mapping turned an UnsupportedMediaTypeResult into a ProblemDetails object
            // result, which the controller's [Produces("application/json")] then sent as application/json.
            return Task.FromResult<IActionResult>(new GatewayProblemResult(new GatewayException(GatewayErrors.UnsupportedMediaType,
                "The request has no Content-Type: send the records as application/json.")));
        }

        var reading = PooledJsonBody.ReadAsync(request, jsonOptions.Value.JsonSerializerOptions.MaxDepth);
        return reading.IsCompletedSuccessfully ? ProduceRead(reading.Result) : ReadThenProduceAsync(reading);
    }

    private async Task<IActionResult> ReadThenProduceAsync(ValueTask<(PooledJsonBody? Body, string? Path, string? Message)> reading) =>
        await ProduceRead(await reading);

    private Task<IActionResult> ProduceRead((PooledJsonBody? Body, string? Path, string? Message) reading)
    {
        var (read, path, message) = reading;
        var http = HttpContext;
        var request = http.Request;
        List<ValidationFailure>? failures = null;
        if (read is null)
        {
            (failures ??= []).Add(new ValidationFailure(path, message));
        }

        var handedOver = false;
        try
        {
            var topic = (string)request.RouteValues["topic"]!;
            var body = read?.Root ?? default;
            var schemaId = RequestValues.QueryInt32(request, "schemaId", ref failures);
            var schemaVersion = RequestValues.QueryInt32(request, "schemaVersion", ref failures);
            var subject = RequestValues.QueryString(request, "subject");
            var idempotencyKey = RequestValues.Header(request, RecordProducer.IdempotencyHeader);
            if (failures is not null)
            {
                return Task.FromResult<IActionResult>(new GatewayProblemResult(ValidationProblems.ToException(failures)));
            }

            var selection = schemaId is null && schemaVersion is null && subject is null
                ? ProduceSchemaSelection.None
                : new ProduceSchemaSelection(schemaId, schemaVersion, subject);
            var cancellationToken = http.RequestAborted;
            var produce = new ProduceRequest(topic, ProduceDialect.Native, body, RequestUser.Of(http), selection, IdempotencyKey: idempotencyKey, Response: http.Response, BodyOwner: read);
            if (idempotencyKey is null)
            {
                // From here the produce path releases the body: once the records are encoded, or on its way out.
                handedOver = true;
                return producer.ProduceAsync(produce, s_answer, cancellationToken);
            }

            handedOver = true;
            return ProduceOnceAsync(produce, idempotencyKey, cancellationToken);
        }
        finally
        {
            // Every way out before the produce path took the body (bad query values, a throw while reading them).
            if (!handedOver)
            {
                read?.Dispose();
            }
        }
    }

    private static readonly Func<ProduceResponse, int?, IActionResult> s_answer = static (response, _) => Answer(response);

    /// <summary>
    /// A request with an Idempotency-Key. A method of its own: the callback's closure would otherwise be allocated at
    /// the start of the scope that declares what it captures, i.e. for every request.
    /// </summary>
    private async Task<IActionResult> ProduceOnceAsync(ProduceRequest produce, string idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            var (response, replayed) = await idempotency.GetOrProduceAsync(
                AccessPolicy.PrincipalName(produce.User), produce.Topic, idempotencyKey, produce.Body,
                async () => (await producer.ProduceAsync(produce, cancellationToken)).Response, cancellationToken);
            if (replayed)
            {
                Response.Headers[IdempotencyCache.ReplayedHeader] = "true";
            }

            return Answer(response);
        }
        finally
        {
            // A replayed answer never reached the produce path, which releases the body otherwise (idempotent).
            produce.BodyOwner?.Dispose();
        }
    }

    /// <summary>What <see cref="Produce"/> reads from the request, as the OpenAPI document shows it (never called).</summary>
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
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0060:Remove unused parameter", Justification = "Describes the request (ParametersDescribedBy).")]
    private static void ProduceParameters(
        [FromRoute] string topic,
        [FromBody] JsonElement body,
        [FromQuery] int? schemaId,
        [FromQuery] int? schemaVersion,
        [FromQuery] string? subject,
        [FromHeader(Name = RecordProducer.IdempotencyHeader)] string? idempotencyKey)
    {
    }

    private static JsonAnswer<ProduceResponse> Answer(ProduceResponse response) => new(response, ProducingJsonContext.Default.ProduceResponse);
}
