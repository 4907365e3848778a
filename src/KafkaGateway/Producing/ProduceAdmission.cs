using System.Buffers.Binary;
using System.Security.Claims;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using KafkaGateway.Schemas;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>A produce request from any route: what was sent, how, and by whom.</summary>
/// <param name="Topic">The route's topic.</param>
/// <param name="Dialect">The body's shape.</param>
/// <param name="Body">The body.</param>
/// <param name="User">The caller.</param>
/// <param name="Selection">Native route: the schema chosen with query parameters.</param>
/// <param name="EmbeddedFormat">REST Proxy v2: the embedded format of the Content-Type (avro, json, binary).</param>
/// <param name="RoutePartition">REST Proxy v2: the partition the route names.</param>
/// <param name="IdempotencyKey">The client's Idempotency-Key, when sent.</param>
/// <param name="Lines">Bare values: the values of one chunk of NDJSON lines (then <paramref name="Body"/> is unused).</param>
/// <param name="Key">Bare values: where their keys come from, if anywhere.</param>
/// <param name="Response">The answer of the HTTP request, which announces a topic the request created (<see cref="ProduceTopics.CreatedHeader"/>).</param>
/// <param name="BodyOwner">
/// The owner of <paramref name="Body"/>'s pooled memory, when the produce path may release it: it is disposed as soon as
/// every record is encoded into bytes of its own, so the buffer goes back to the pool before the wait for Kafka. Held
/// across that wait (a few ms of linger at hundreds of concurrent requests), the buffers outnumbered what the shared
/// pool keeps and were allocated anew for most requests (~2.4 KB of a single-record request's ~10.8 KB).
/// </param>
/// <remarks>
/// A struct: it is built once per HTTP request and passed down the produce path, whose single-record requests hold no
/// async frame before the wait for Kafka (an object of ~126 B per request otherwise, docs/benchmarks session 9).
/// </remarks>
internal readonly record struct ProduceRequest(
    string Topic,
    ProduceDialect Dialect,
    JsonElement Body,
    ClaimsPrincipal User,
    ProduceSchemaSelection? Selection = null,
    TopicFormat? EmbeddedFormat = null,
    int? RoutePartition = null,
    string? IdempotencyKey = null,
    IReadOnlyList<JsonElement>? Lines = null,
    ValueKeySource? Key = null,
    HttpResponse? Response = null,
    IDisposable? BodyOwner = null);

/// <summary>The answer to a request whose records are all in Kafka, with the key schema id REST Proxy v2 reports.</summary>
internal sealed record ProduceResult(ProduceResponse Response, int? KeySchemaId);

/// <summary>
/// A request that passed every check that needs no encoding: its records and how to encode them. A struct: it only
/// travels from admission to the encoding, which a single-record request does synchronously (an object per request
/// otherwise, ~57 B in the session 8 profile).
/// </summary>
internal readonly record struct AdmittedBatch(IReadOnlyList<ProduceRecord> Records, RecordEncoding ValueEncoding, RecordEncoding KeyEncoding, List<ProduceError> Errors)
{
    /// <summary>The reader's hint about what the body looks like (<see cref="ProduceBatch.Hint"/>), said with every problem.</summary>
    public string? Hint { get; init; }
}

/// <summary>
/// Everything decided before a record is encoded, the same for every produce route: reserved topics, the one reader
/// and its limits, the topic and partitions exist, the encodings (and whether the caller may register the schemas a
/// request brings). After encoding, <see cref="CommitSchemasAsync"/> registers those schemas, once every record is
/// known to be valid and before anything is queued.
/// </summary>
public sealed class ProduceAdmission(
    TopicSchemaResolver resolver,
    ReservedTopics reserved,
    ProduceTopics topics,
    ProduceAuthorization access,
    IOptions<ProducerOptions> options)
{
    private ProduceLimits? _limits;

    /// <summary>Reads and checks <paramref name="request"/>; throws the refusal (4xx, 503) when it cannot be produced.</summary>
    internal async ValueTask<AdmittedBatch> AdmitAsync(ProduceRequest request, CancellationToken cancellationToken)
    {
        var topic = request.Topic;
        TopicNames.EnsureValid(topic);
        reserved.EnsureNotReserved(topic, "produce to");
        if (request.RoutePartition is < 0)
        {
            throw new GatewayException(GatewayErrors.PartitionNotFound,
                $"Partition {request.RoutePartition} does not exist: partitions are numbered from 0. Nothing was written.");
        }

        // Given back by the produce path once every record is encoded without a problem (ProduceErrorLists).
        var errors = ProduceErrorLists.Rent();
        // Options are fixed at start (IOptions): the limits are built once, not per request.
        var limits = _limits ??= ProduceLimits.From(options.Value);
        var batch = request.Dialect == ProduceDialect.Values
            ? ProduceRequestReader.ReadValues(request.Body, request.Lines, request.Key, limits, errors)
            : ProduceRequestReader.Read(request.Body, request.Dialect, request.RoutePartition, limits, errors);
        var hint = batch.Hint?.Replace("{topic}", topic, StringComparison.Ordinal);
        if (batch.Records.Count == 0)
        {
            throw RecordProducer.Invalid(errors, hint);
        }

        RecordEncoding value, key;
        try
        {
            await topics.EnsureExistsAsync(topic, HighestPartition(batch.Records), request.User, request.Response, cancellationToken);
            (value, key) = request.Dialect == ProduceDialect.RestProxyV2
                ? await RestProxyEncodingsAsync(request, batch, cancellationToken)
                : await NativeEncodingsAsync(request, batch, cancellationToken);
        }
        catch (GatewayException) when (errors.Count > 0)
        {
            // The request is malformed as sent: that is the first thing to fix, whatever else would refuse it.
            throw RecordProducer.Invalid(errors, hint);
        }

        if ((value.Pending is not null || key.Pending is not null) && !access.MayWriteSchemas(request.User, topic))
        {
            var subject = (value.Pending ?? key.Pending)!.Subject;
            throw new GatewayException(GatewayErrors.Forbidden,
                $"The request brings a schema that subject '{subject}' does not have yet; registering it needs 'schemas:write' on '{topic}', " +
                $"which '{ProduceAuthorization.NameOf(request.User)}' lacks. Nothing was written.");
        }

        return new AdmittedBatch(batch.Records, value, key, errors) { Hint = hint };
    }

    /// <summary>
    /// Registers the schemas the request brought (its records are valid by now), writes their ids into the encoded
    /// records, and audits each registration. Returns the encodings with their ids.
    /// </summary>
    internal async Task<(RecordEncoding Value, RecordEncoding Key)> CommitSchemasAsync(
        ClaimsPrincipal user, RecordEncoding value, RecordEncoding key, Message<byte[]?, byte[]?>[] messages, CancellationToken cancellationToken)
    {
        // Key first, as Confluent's REST Proxy does. When the registry refuses the value schema after it took the key
        // schema (two subjects, no transaction), the key version stays registered; no record is written either way.
        if (key.Pending is { } pendingKey)
        {
            key = await RegisterAsync(user, key, pendingKey, cancellationToken);
            foreach (var message in messages)
            {
                Stamp(message.Key, key.SchemaId!.Value);
            }
        }

        if (value.Pending is { } pendingValue)
        {
            value = await RegisterAsync(user, value, pendingValue, cancellationToken);
            foreach (var message in messages)
            {
                Stamp(message.Value, value.SchemaId!.Value);
            }
        }

        return (value, key);
    }

    private async Task<RecordEncoding> RegisterAsync(ClaimsPrincipal user, RecordEncoding encoding, PendingSchema pending, CancellationToken cancellationToken)
    {
        try
        {
            var (id, version) = await resolver.RegisterPendingAsync(pending, cancellationToken);
            access.Audit(user, "schema.register", $"subject={pending.Subject} id={id}", succeeded: true, StatusCodes.Status200OK);
            return encoding with { SchemaId = id, SchemaVersion = version, Pending = null };
        }
        catch (GatewayException ex)
        {
            access.Audit(user, "schema.register", $"subject={pending.Subject}", succeeded: false, ex.StatusCode);
            throw;
        }
        catch (Exception)
        {
            access.Audit(user, "schema.register", $"subject={pending.Subject}", succeeded: false, StatusCodes.Status503ServiceUnavailable);
            throw;
        }
    }

    // The records were encoded with id 0 in the wire-format header (magic byte, then the id big-endian).
    private static void Stamp(byte[]? framed, int id)
    {
        if (framed is { Length: >= ConfluentWireFormat.HeaderSize })
        {
            BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1, 4), id);
        }
    }

    private async ValueTask<(RecordEncoding Value, RecordEncoding Key)> NativeEncodingsAsync(ProduceRequest request, ProduceBatch batch, CancellationToken cancellationToken)
    {
        var value = await resolver.ResolveValueAsync(request.Topic, request.Selection ?? ProduceSchemaSelection.None, batch.ValueSchema, cancellationToken);
        var key = HasKeys(batch.Records)
            ? await resolver.ResolveKeyAsync(request.Topic, cancellationToken)
            : RecordEncoding.RawKey;
        return (value, key);
    }

    private async ValueTask<(RecordEncoding Value, RecordEncoding Key)> RestProxyEncodingsAsync(ProduceRequest request, ProduceBatch batch, CancellationToken cancellationToken)
    {
        var topic = request.Topic;
        var format = request.EmbeddedFormat ?? TopicFormat.Binary;
        var hasKeys = HasKeys(batch.Records);
        if (format != TopicFormat.Avro)
        {
            // The topic's data obeys its format: json or binary bytes go only where the topic holds that format.
            var topicFormat = await resolver.ValueFormatAsync(topic, cancellationToken);
            if (topicFormat != format)
            {
                throw new GatewayException(GatewayErrors.EmbeddedFormatMismatch,
                    $"Topic '{topic}' holds {Name(topicFormat)} values; this request sends {Name(format)} records. " +
                    (topicFormat == TopicFormat.Avro
                        ? "Send them as application/vnd.kafka.avro.v2+json with value_schema_id, or name the topic in Gateway:TopicFormats."
                        : $"Send them as application/vnd.kafka.{Name(topicFormat)}.v2+json."));
            }

            if (hasKeys && await resolver.ResolveKeyAsync(topic, cancellationToken) is { Format: TopicFormat.Avro })
            {
                throw new GatewayException(GatewayErrors.EmbeddedFormatMismatch,
                    $"Topic '{topic}' has an Avro key schema; keys must be sent as application/vnd.kafka.avro.v2+json with key_schema_id.");
            }

            var encoding = new RecordEncoding(format, null, null, null);
            return (encoding, encoding);
        }

        var hasValues = batch.Records.Any(r => r.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined));
        var value = batch.ValueSchemaId is { } valueId ? await resolver.ResolveByIdAsync(valueId, cancellationToken)
            : batch.ValueSchema is { } valueSchema ? await resolver.ResolveValueAsync(topic, new ProduceSchemaSelection(null, null, null), valueSchema, cancellationToken)
            : hasValues ? throw new GatewayException(GatewayErrors.ValueSchemaMissing,
                "Request includes values and uses a format that requires schemas, but does not include the value_schema or value_schema_id fields")
            : new RecordEncoding(TopicFormat.Json, null, null, null);
        var key = batch.KeySchemaId is { } keyId ? await resolver.ResolveByIdAsync(keyId, cancellationToken)
            : batch.KeySchema is { } keySchema ? await resolver.ResolveInlineKeyAsync(topic, keySchema, cancellationToken)
            : hasKeys ? throw new GatewayException(GatewayErrors.KeySchemaMissing,
                "Request includes keys and uses a format that requires schemas, but does not include the key_schema or key_schema_id fields")
            : RecordEncoding.RawKey;
        return (value, key);
    }

    private static bool HasKeys(IReadOnlyList<ProduceRecord> records)
    {
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Key is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The highest partition a record names (no LINQ: an enumerator per request for the common single record).</summary>
    private static int? HighestPartition(IReadOnlyList<ProduceRecord> records)
    {
        int? highest = null;
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Partition is { } partition && (highest is null || partition > highest))
            {
                highest = partition;
            }
        }

        return highest;
    }

    private static string Name(TopicFormat format) => format.ToString().ToLowerInvariant();
}
