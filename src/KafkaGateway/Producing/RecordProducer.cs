using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.Http;
using KafkaGateway.Observability;
using KafkaGateway.Schemas;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// The produce path: read the request, resolve schemas, validate and serialize every record (all-or-nothing),
/// hand them to the pooled producer in request order, and wait for Kafka's delivery reports within
/// <see cref="ProducerOptions.DeliveryTimeoutMilliseconds"/>.
/// </summary>
public sealed partial class RecordProducer(
    ProducerPool pool,
    ProduceAdmission admission,
    IOptions<ProducerOptions> options,
    IHostApplicationLifetime lifetime,
    ProducingMetrics metrics,
    IOptions<ObservabilityOptions> observability,
    Producing.KafkaIdentities identities,
    DeliveryDeadlines deadlines,
    ILogger<RecordProducer> logger)
{
    /// <summary>Kafka header carrying the client's Idempotency-Key.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Produces the records of a request from any produce route.</summary>
    /// <remarks>
    /// Not an async method of its own: admission completes synchronously for a known topic whose schema is known (the
    /// common request), and then the one state machine that waits for Kafka is <see cref="ProduceEncodedAsync"/>'s. A
    /// state machine here, one in between and one for collecting the reports each became a box per request (~450 B of a
    /// single-record request, session 7 profile) only because the wait for the delivery reports lay beneath them.
    /// Every failure still arrives through the returned task, never as a synchronous throw (NDJSON ingestion keeps the
    /// task of one chunk while it reads the next).
    /// </remarks>
    internal Task<ProduceResult> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken) =>
        ProduceAsync(request, s_result, cancellationToken);

    private static readonly Func<ProduceResponse, int?, ProduceResult> s_result = static (response, keySchemaId) => new ProduceResult(response, keySchemaId);

    /// <summary>
    /// <see cref="ProduceAsync(ProduceRequest, CancellationToken)"/> answering with <paramref name="answer"/>'s result,
    /// so a route that turns the answer into its HTTP result needs no async method of its own around this one (the
    /// native produce action: one state machine less per request). <paramref name="request"/>'s
    /// <see cref="ProduceRequest.BodyOwner"/> is released on every way out.
    /// </summary>
    internal Task<TAnswer> ProduceAsync<TAnswer>(ProduceRequest request, Func<ProduceResponse, int?, TAnswer> answer, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            request.BodyOwner?.Dispose();
            return Task.FromException<TAnswer>(new GatewayException(GatewayErrors.ShuttingDown,
                "This gateway instance is stopping and accepts no new records; retry against another instance.")
            {
                RetryAfterSeconds = 1,
            });
        }

        var admitting = admission.AdmitAsync(request, cancellationToken);
        // Shape problems found so far are reported together with every value problem (all errors at once).
        return admitting.IsCompletedSuccessfully
            ? ProduceEncoded(request, admitting.Result, answer, cancellationToken)
            : AdmitThenProduceAsync(request, admitting, answer, cancellationToken);
    }

    /// <summary>Admission had to wait (a topic to create, a registry to ask over HTTP) or refused the request.</summary>
    private async Task<TAnswer> AdmitThenProduceAsync<TAnswer>(
        ProduceRequest request, ValueTask<AdmittedBatch> admitting, Func<ProduceResponse, int?, TAnswer> answer, CancellationToken cancellationToken)
    {
        AdmittedBatch admitted;
        try
        {
            admitted = await admitting;
        }
        catch
        {
            request.BodyOwner?.Dispose();
            throw;
        }

        return await ProduceEncoded(request, admitted, answer, cancellationToken);
    }

    /// <summary>
    /// Serializes the admitted records (all-or-nothing), registers the schemas the request brought once every record
    /// is valid, and produces them.
    /// </summary>
    /// <remarks>
    /// The common request (no span to record, no schema to register) is not an async method up to the wait for Kafka:
    /// it encodes and queues its records synchronously and then awaits in <see cref="AwaitDeliveriesAsync"/>, whose
    /// state machine holds only the batch (which carries the rest, <see cref="SentRequest"/>) and the answer. As one
    /// async method, every local that lived across the wait became a field of the request's one state-machine box
    /// (241 B in the session 8 profile). A span must be the current activity only within the produce path, which an
    /// async method of its own guarantees (its execution-context changes do not leak into the caller), and registering
    /// schemas waits for the registry: both take <see cref="ProduceEncodedAsync"/>, the one async method as before.
    /// </remarks>
    private Task<TAnswer> ProduceEncoded<TAnswer>(
        ProduceRequest request, AdmittedBatch admitted, Func<ProduceResponse, int?, TAnswer> answer, CancellationToken cancellationToken)
    {
        if (GatewayTelemetry.ActivitySource.HasListeners() || admitted.ValueEncoding.Pending is not null || admitted.KeyEncoding.Pending is not null)
        {
            return ProduceEncodedAsync(request, admitted, answer, cancellationToken);
        }

        var lease = default(ProducerLease);
        try
        {
            var identity = identities.For(request.User);
            var messages = Encode(request, admitted, recorded: false);
            if (admitted.Errors.Count > 0)
            {
                return Task.FromException<TAnswer>(Invalid(admitted.Errors, admitted.Hint));
            }

            // Empty, and nothing of this request reads it again: the next request of this thread may use it.
            ProduceErrorLists.Return(admitted.Errors);

            lease = pool.Lease(identity);
            pool.EnsureBrokersReachable(identity);
            var deliveries = Queue(ref lease, identity, request.Topic, admitted.Records, messages, admitted.ValueEncoding, admitted.KeyEncoding.SchemaId);
            return AwaitDeliveriesAsync(deliveries, answer);
        }
        catch (Exception ex)
        {
            // The same ways out as the async method's: the body released, the lease returned, the failure in the task.
            request.BodyOwner?.Dispose();
            lease.Dispose();
            return Faulted<TAnswer>(ex);
        }
    }

    /// <summary>
    /// Queues the records (<c>Send</c>, which moves the batch to a fresh producer when this one failed fatally before)
    /// and gives the batch what the answer needs, the lease included: the batch owns it now (returned once the answer
    /// is built, <see cref="Answered"/>), so <paramref name="lease"/> is left empty.
    /// </summary>
    private DeliveryBatch Queue(
        ref ProducerLease lease, string identity, string topic, IReadOnlyList<ProduceRecord> records,
        Message<byte[]?, byte[]?>[] messages, RecordEncoding valueEncoding, int? keySchemaId)
    {
        var started = Stopwatch.GetTimestamp();
        var deliveries = Send(ref lease, identity, topic, records, messages);
        deliveries.Attach(new SentRequest(topic, valueEncoding, keySchemaId, identity, messages, started, lease));
        lease = default;
        return deliveries;
    }

    /// <summary>
    /// The wait for the delivery reports (or the deadline), then the answer. Ends when every record has a report or the
    /// delivery timeout passed; records without a report are answered as possibly persisted by <see cref="Outcomes"/>.
    /// Only the batch, the answer and this producer cross the await.
    /// </summary>
    private async Task<TAnswer> AwaitDeliveriesAsync<TAnswer>(DeliveryBatch deliveries, Func<ProduceResponse, int?, TAnswer> answer)
    {
        try
        {
            await deadlines.WaitAsync(deliveries);
        }
        catch
        {
            // Not expected (the wait does not fail); the batch is not released (never reused), the producer is.
            deliveries.Sent.Lease.Dispose();
            throw;
        }

        return Answered(deliveries, answer);
    }

    /// <summary>
    /// The answer from the reports and the <see cref="SentRequest"/> <paramref name="deliveries"/> holds once its wait
    /// ended. Releases the batch and returns the producer lease whatever the outcome: the producer is not closed under
    /// a waiting request, and nothing here reads the batch after its release.
    /// </summary>
    private TAnswer Answered<TAnswer>(DeliveryBatch deliveries, Func<ProduceResponse, int?, TAnswer> answer)
    {
        var sent = deliveries.Sent;
        try
        {
            return answer(Outcomes(deliveries, sent), sent.KeySchemaId);
        }
        finally
        {
            deliveries.Release();
            sent.Lease.Dispose();
        }
    }

    /// <summary>What an async method's task holds for <paramref name="exception"/>: canceled for a cancellation, else faulted.</summary>
    private static Task<T> Faulted<T>(Exception exception)
    {
        if (exception is OperationCanceledException canceled)
        {
            var source = new TaskCompletionSource<T>();
            source.TrySetCanceled(canceled.CancellationToken);
            return source.Task;
        }

        return Task.FromException<T>(exception);
    }

    /// <summary>
    /// <see cref="ProduceEncoded"/> as one async method: with the produce span current for the whole path (when a
    /// listener wants spans), and when the request brings schemas to register before its records are queued.
    /// </summary>
    private async Task<TAnswer> ProduceEncodedAsync<TAnswer>(
        ProduceRequest request, AdmittedBatch admitted, Func<ProduceResponse, int?, TAnswer> answer, CancellationToken cancellationToken)
    {
        var (topic, valueEncoding, keyEncoding, errors) = (request.Topic, admitted.ValueEncoding, admitted.KeyEncoding, admitted.Errors);
        var identity = identities.For(request.User);
        using var activity = GatewayTelemetry.ActivitySource.HasListeners()
            ? GatewayTelemetry.ActivitySource.StartActivity(SpanName(topic), ActivityKind.Producer)
            : null;
        // A span nobody records (no exporter, caller's trace not sampled) still carries the trace context to Kafka,
        // but its tags and the serialize child would only be allocated and dropped.
        var recorded = activity is { IsAllDataRequested: true };
        if (recorded)
        {
            activity!.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.batch.message_count", admitted.Records.Count);
        }

        var messages = Encode(request, admitted, recorded);
        if (errors.Count > 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "invalid records");
            throw Invalid(errors, admitted.Hint);
        }

        var lease = pool.Lease(identity);
        try
        {
            pool.EnsureBrokersReachable(identity);
            // Every record is valid: only now may the request's own schemas be registered (and their ids stamped in).
            if (valueEncoding.Pending is not null || keyEncoding.Pending is not null)
            {
                // Awaited only when there is something to register: its task was allocated for every request.
                (valueEncoding, keyEncoding) = await admission.CommitSchemasAsync(request.User, valueEncoding, keyEncoding, messages, cancellationToken);
            }
            var deliveries = Queue(ref lease, identity, topic, admitted.Records, messages, valueEncoding, keyEncoding.SchemaId);
            // Awaited within this method, so the span stays the current activity until the answer is built.
            return await AwaitDeliveriesAsync(deliveries, answer);
        }
        catch (GatewayException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Code);
            throw;
        }
        finally
        {
            // Before the records were handed over (else the batch returns the lease once the answer is built).
            lease.Dispose();
        }
    }

    /// <summary>
    /// Every admitted record as a Kafka message, in request order; problems go to the admitted error list (then
    /// nothing may be produced). The trace context of the current activity goes into each record when it names a
    /// trace someone records. Releases the request's body whatever happens: every record is bytes of its own
    /// afterwards (and every problem a string), so nothing reads the body's JSON again.
    /// </summary>
    private Message<byte[]?, byte[]?>[] Encode(ProduceRequest request, in AdmittedBatch admitted, bool recorded)
    {
        try
        {
            return EncodeRecords(request, admitted, recorded);
        }
        finally
        {
            request.BodyOwner?.Dispose();
        }
    }

    private Message<byte[]?, byte[]?>[] EncodeRecords(ProduceRequest request, in AdmittedBatch admitted, bool recorded)
    {
        var (records, valueEncoding, keyEncoding, errors) = (admitted.Records, admitted.ValueEncoding, admitted.KeyEncoding, admitted.Errors);
        var idempotencyKey = request.IdempotencyKey;
        // Each record carries the produce span's W3C context, so a consumer can continue the trace: when the gateway
        // exports traces, or when the client sent its own trace context. Otherwise the trace id names nothing anyone
        // recorded, and a header per record costs two native calls and ~70 bytes on the wire (1,000-record profile).
        var trace = Activity.Current;
        // Activity.Id builds its string on first use: only read it when the records carry it.
        var traceParent = trace is { IdFormat: ActivityIdFormat.W3C } && (ExportsTraces || HasRemoteParent(trace)) && trace.Id is { } id
            ? Encoding.ASCII.GetBytes(id)
            : null;
        var traceState = traceParent is not null && trace?.TraceStateString is { Length: > 0 } state ? Encoding.ASCII.GetBytes(state) : null;

        var now = DateTimeOffset.UtcNow;
        var messages = new Message<byte[]?, byte[]?>[records.Count];
        var idempotencyBytes = idempotencyKey is null ? null : Encoding.UTF8.GetBytes(idempotencyKey);
        using (recorded ? GatewayTelemetry.ActivitySource.StartActivity("serialize") : null)
        {
            // Indexed loops: a foreach over the IReadOnlyList boxes an enumerator per request.
            for (var r = 0; r < records.Count; r++)
            {
                var record = records[r];
                if (record.HasInvalidText)
                {
                    // Already reported; its text cannot be read, so it is not encoded (and nothing is produced).
                    continue;
                }

                var value = record.Value.ValueKind == System.Text.Json.JsonValueKind.Undefined
                    ? null
                    : RecordEncoder.Encode(valueEncoding, record.Value, record.ValuePath ?? RecordPaths.ValueOf(record.Path, record.Index), record.Index, errors);
                var key = record.Key is null ? null : RecordEncoder.EncodeKey(keyEncoding, record.Key, record.KeyPath ?? RecordPaths.KeyOf(record.Path, record.Index), record.Index, errors);
                // No Headers object for a record without headers (the common case when tracing is off).
                Headers? headers = null;
                var clientTraceContext = false;
                var recordHeaders = record.Headers;
                for (var h = 0; h < recordHeaders.Count; h++)
                {
                    var (name, headerValue) = recordHeaders[h];
                    (headers ??= []).Add(name, headerValue);
                    clientTraceContext |= name == GatewayTelemetry.TraceParentHeader;
                }

                if (idempotencyBytes is not null)
                {
                    (headers ??= []).Add(IdempotencyHeader, idempotencyBytes);
                }

                if (traceParent is not null && !clientTraceContext)
                {
                    (headers ??= []).Add(GatewayTelemetry.TraceParentHeader, traceParent);
                    if (traceState is not null)
                    {
                        headers.Add(GatewayTelemetry.TraceStateHeader, traceState);
                    }
                }

                messages[record.Index] = new Message<byte[]?, byte[]?>
                {
                    Key = key,
                    Value = value,
                    // Confluent's Produce builds an empty Headers (and its list) for a message without any, to hand
                    // to the serializers; the gateway's byte-array serializers add none, so one shared empty instance
                    // serves every such record (librdkafka gets no header list for an empty one either way).
                    Headers = headers ?? s_noHeaders,
                    // Stamped here rather than left to the client so the answer can say when each record was taken.
                    Timestamp = record.TimestampMs is { } millis ? new Timestamp(millis, TimestampType.CreateTime) : new Timestamp(now),
                };
            }
        }

        return messages;
    }

    /// <summary>
    /// Queues the records on <paramref name="lease"/>'s producer. When that producer failed fatally before this request
    /// queued anything, nothing is written, so the whole batch goes to the fresh producer that replaces it (leased into
    /// <paramref name="lease"/>) instead of failing the client.
    /// </summary>
    private DeliveryBatch Send(
        ref ProducerLease lease, string identity, string topic, IReadOnlyList<ProduceRecord> records, Message<byte[]?, byte[]?>[] messages)
    {
        var deliveries = Send(lease, topic, records, messages);
        if (deliveries.FirstRefused == 0 && IsFatal(deliveries.RefusalCause, lease))
        {
            lease.MarkBroken();
            lease.Dispose();
            lease = default;
            lease = pool.Lease(identity);
            deliveries = Send(lease, topic, records, messages);
        }

        return deliveries;
    }

    /// <summary>
    /// The Headers of every record without headers. Never added to: the producers' serializers are Confluent's byte-array
    /// ones, which ignore headers (a serializer that writes headers, e.g. schema-id headers, would need a Headers per record).
    /// </summary>
    private static readonly Headers s_noHeaders = [];

    private static bool IsFatal(Exception? refusal, ProducerLease lease) =>
        lease.Broken || refusal is KafkaException { Error: { IsFatal: true } or { Code: ErrorCode.Local_Fatal } };

    private bool ExportsTraces => observability.Value.Tracing.Exporter.Equals("otlp", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>produce {topic}</c> (the messaging span name convention), built once per topic instead of per request; the
    /// cache is bounded so a client cycling through topic names cannot grow it without limit.
    /// </summary>
    private static string SpanName(string topic)
    {
        if (s_spanNames.TryGetValue(topic, out var name))
        {
            return name;
        }

        name = "produce " + topic;
        if (s_spanNames.Count < MaxCachedSpanNames)
        {
            s_spanNames.TryAdd(topic, name);
        }

        return name;
    }

    private const int MaxCachedSpanNames = 1024;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_spanNames = new(StringComparer.Ordinal);

    private static bool HasRemoteParent(Activity activity)
    {
        for (var current = activity; current is not null; current = current.Parent)
        {
            if (current.HasRemoteParent)
            {
                return true;
            }
        }

        return false;
    }

    [ThreadStatic]
    private static TopicPartition? t_anyPartition;

    private static DeliveryBatch Send(
        ProducerLease lease, string topic, IReadOnlyList<ProduceRecord> records, Message<byte[]?, byte[]?>[] messages)
    {
        var producer = lease.Producer;
        // Reused: returned by the last of the request and the records' delivery reports (see DeliveryBatch).
        var batch = DeliveryBatch.Rent(messages.Length, lease.Pooled);
        // What Produce(topic, ...) builds per record; immutable, so one serves the request's records, and this thread's
        // last one serves its next request to the same topic (a thread sends to one topic after another: one entry,
        // nothing to bound).
        TopicPartition? anyPartition = t_anyPartition is { } last && string.Equals(last.Topic, topic, StringComparison.Ordinal) ? last : null;
        for (var i = 0; i < messages.Length; i++)
        {
            // Queued in request order; the idempotent producer keeps that order per partition. The request's
            // cancellation is not passed on: once queued, a record's fate is decided by Kafka, not by the client.
            // A delivery callback instead of ProduceAsync: no task, state machine and closure per record.
            var handler = batch.HandlerFor(i);
            try
            {
                if (records[i].Partition is { } partition)
                {
                    producer.Produce(new TopicPartition(topic, partition), messages[i], handler);
                }
                else
                {
                    producer.Produce(anyPartition ??= t_anyPartition = new TopicPartition(topic, Partition.Any), messages[i], handler);
                }
            }
            catch (Exception ex)
            {
                // Whatever refused this record (queue full, producer failed fatally...), the records before it are
                // queued: the answer says so per record rather than fail the request as a whole. The records after
                // it are not sent, so a retry of the refused ones cannot land behind them in a partition.
                batch.Refused(i, ex);
                break;
            }
        }

        return batch;
    }

    /// <summary>
    /// Record <paramref name="index"/>'s report when the record is in Kafka exactly once (persisted, and not reported after
    /// a timed-out record of its producer), else null: the one rule for "persisted" in an answer.
    /// </summary>
    private static DeliveryReport<byte[]?, byte[]?>? InKafkaOnce(in DeliverySnapshot snapshot, int index) =>
        snapshot.Report(index) is { Status: PersistenceStatus.Persisted, Error.IsError: false } report && !snapshot.AfterMessageTimeout(index)
            ? report
            : null;

    private ProduceResponse Outcomes(DeliveryBatch batch, in SentRequest sent)
    {
        var (topic, valueEncoding, identity, messages, started) = (sent.Topic, sent.ValueEncoding, sent.Identity, sent.Messages, sent.Started);
        var snapshot = batch.Snapshot();
        var count = snapshot.Count;
        var produced = new ProducedRecord[count];
        var persisted = 0;
        var persistedBytes = 0L;
        for (var i = 0; i < count; i++)
        {
            if (InKafkaOnce(snapshot, i) is { } report)
            {
                // The create time the gateway stamped (topics with message.timestamp.type=LogAppendTime replace it in
                // the log; delivery reports carry the broker's append time, which the mock broker fakes).
                produced[i] = new ProducedRecord(report.Partition.Value, report.Offset.Value, messages[i].Timestamp.UnixTimestampMs);
                persistedBytes += (messages[i].Key?.Length ?? 0) + (messages[i].Value?.Length ?? 0);
                persisted++;
            }
        }

        if (persisted == count)
        {
            // Everything is in Kafka (the common case): the answer and the metrics need no per-record outcomes.
            metrics.DeliveredAll(topic, count, persistedBytes, Stopwatch.GetElapsedTime(started));
            return new ProduceResponse(topic, valueEncoding.SchemaId, valueEncoding.SchemaVersion, produced);
        }

        var outcomes = new List<RecordOutcome>(count);
        // At least one record failed: the first failure replaces this placeholder (detail is null until then).
        GatewayError? worst = null;
        string? detail = null;
        var possiblyPersisted = 0;
        var notSent = -1;
        for (var i = 0; i < count; i++)
        {
            var report = snapshot.Report(i);
            if (InKafkaOnce(snapshot, i) is not null)
            {
                var done = produced[i];
                outcomes.Add(new RecordOutcome(i, "persisted", done.Partition, done.Offset, null, null));
                continue;
            }

            if (notSent >= 0)
            {
                // Never sent because an earlier record was refused: same error, one shared reason.
                var refused = outcomes[notSent];
                outcomes.Add(new RecordOutcome(i, DeliveryOutcomes.NotPersistedStatus, null, null, refused.Error, refused.Reason));
                continue;
            }

            GatewayError classification;
            if (report is { Status: PersistenceStatus.Persisted, Error.IsError: false })
            {
                // In Kafka, but reported after a record of the same producer timed out inside librdkafka: the epoch
                // bump that follows can have written this record's batch a second time (DeliveryBatch.AfterMessageTimeout).
                // Not "persisted" (a 2xx means once) and never "not_persisted" (a resend would add a copy).
                classification = DeliveryOutcomes.Classify(ErrorCode.Local_MsgTimedOut, PersistenceStatus.PossiblyPersisted);
                possiblyPersisted++;
                outcomes.Add(new RecordOutcome(i, "possibly_persisted", null, null, "EpochBumped",
                    $"Kafka acknowledged the record at partition {report.Partition.Value} offset {report.Offset.Value}, but after another record of the " +
                    "same producer timed out; the idempotent producer's epoch bump that follows may have written it twice. Do not resend it."));
            }
            else if (report is null && snapshot.Failure(i) is null)
            {
                classification = GatewayErrors.DeliveryTimeout;
                possiblyPersisted++;
                outcomes.Add(new RecordOutcome(i, "possibly_persisted", null, null, "Timeout",
                    $"No delivery report within {options.Value.DeliveryTimeoutMilliseconds} ms; the producer keeps trying, so the record may still be written."));
            }
            else
            {
                var (code, status, reason) = (report, snapshot.Failure(i)) switch
                {
                    ({ } r, _) => (r.Error.Code, r.Status, r.Error.IsError ? r.Error.Reason : "not persisted"),
                    (_, KafkaException ke) => (ke.Error.Code, PersistenceStatus.NotPersisted, ke.Error.Reason),
                    (_, var other) => (ErrorCode.Unknown, PersistenceStatus.NotPersisted, other?.Message ?? "unknown failure"),
                };
                if (code == ErrorCode.Local_MsgTimedOut && (batch.Producer?.LastError ?? pool.LastError(identity)) is { } cause)
                {
                    // "Message timed out" alone hides why; the client's last error (TLS, DNS, auth) usually says it.
                    // The producer's own: a timeout has already taken it out of the pool (ProducerPool.TimeoutRetirements).
                    reason = $"{reason}; last Kafka client error: {cause.Reason}";
                }

                if (i == batch.FirstRefused && i + 1 < count)
                {
                    var rest = i + 2 == count ? $"record {i + 1} was" : $"records {i + 1}-{count - 1} were";
                    reason = $"{reason} (record {i} was refused before it was queued, so {rest} not sent)";
                    notSent = outcomes.Count;
                }

                possiblyPersisted += status == PersistenceStatus.PossiblyPersisted ? 1 : 0;
                classification = DeliveryOutcomes.Classify(code, status);
                outcomes.Add(new RecordOutcome(i, DeliveryOutcomes.StatusName(status), null, null, code.ToString(), reason));
            }

            if (worst is null || Rank(classification.Status) > Rank(worst.Status))
            {
                worst = classification;
                detail = $"Record {i}: {outcomes[^1].Reason}";
            }
        }

        // Some records are in Kafka and some are not (or may not be): neither "nothing was written, retry" nor
        // "may have been written" describes the request, so it has an answer of its own.
        var failure = persisted > 0
            ? DeliveryOutcomes.PartialFailure(outcomes, persisted, possiblyPersisted, detail!)
            : DeliveryOutcomes.Failure(outcomes, worst!,
                $"{persisted} of {count} record(s) are in Kafka; each record's outcome is in 'records'. {detail}");
        metrics.Delivered(topic, failure.Code, persisted, persistedBytes, outcomes.Select(o => (o.Status, o.Error)), Stopwatch.GetElapsedTime(started));
        LogProduceFailed(logger, topic, failure.Code, persisted, count);
        throw failure;
    }

    // 504 (unknown) outranks 503 (definitely not written) outranks client errors: the answer must never claim
    // more certainty than the worst record allows.
    private static int Rank(int status) => status switch
    {
        504 => 3,
        503 => 2,
        _ => 1,
    };

    internal static GatewayException Invalid(List<ProduceError> errors, string? hint = null)
    {
        var invalid = new GatewayException(GatewayErrors.InvalidRecords,
            $"{errors.Count} problem(s) found; nothing was produced. See errors." + (hint is null ? "" : " " + hint))
        {
            Extensions = { ["errors"] = errors },
        };
        if (hint is not null)
        {
            invalid.Extensions["hint"] = hint;
        }

        return invalid;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Produce to {Topic} failed ({Code}): {Persisted} of {Total} record(s) persisted")]
    private static partial void LogProduceFailed(ILogger logger, string topic, string code, int persisted, int total);
}
