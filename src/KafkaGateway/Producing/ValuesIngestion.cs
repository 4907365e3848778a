using System.IO.Pipelines;
using KafkaGateway.Http;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Producing;

/// <summary>
/// Streams an NDJSON body of bare values into Kafka through the one produce path (<see cref="RecordProducer"/>):
/// lines are read in chunks (<see cref="ProducerOptions.NdjsonChunkRecords"/>), each chunk validated whole and
/// produced like a JSON batch while the next chunk is read, and its deliveries awaited before the chunk after that
/// is handed over, so memory stays at two chunks whatever the length of the body.
/// </summary>
/// <remarks>
/// At the first chunk that fails (an invalid line, a refused or failed delivery) nothing more is produced; the rest
/// of the body is read only to count it. Answers: 200 when every value is in Kafka; when nothing is, the first
/// chunk's own answer (422 <c>invalid_records</c> with the lines' problems, 503, 404...) with line numbers; when some
/// values are in Kafka and others are not, 500 <c>partially_persisted</c> with the counts, the first failures
/// (<see cref="MaxListedFailures"/>) and the line from which nothing was sent: never "nothing written" once
/// something was.
/// </remarks>
public sealed partial class ValuesIngestion(
    RecordProducer producer,
    IOptions<ProducerOptions> options,
    IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json,
    ILogger<ValuesIngestion> logger)
{
    private static readonly string s_persisted = DeliveryOutcomes.StatusName(Confluent.Kafka.PersistenceStatus.Persisted);
    private static readonly string s_notPersisted = DeliveryOutcomes.StatusName(Confluent.Kafka.PersistenceStatus.NotPersisted);
    private static readonly string s_possiblyPersisted = DeliveryOutcomes.StatusName(Confluent.Kafka.PersistenceStatus.PossiblyPersisted);

    /// <summary>Most failures listed in an answer; the rest are counted.</summary>
    public const int MaxListedFailures = 100;

    /// <summary>Produces the NDJSON lines of <paramref name="body"/> as the values of <paramref name="template"/>'s topic.</summary>
    internal async Task<ValuesResponse> IngestAsync(ProduceRequest template, PipeReader body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var lines = new NdjsonLineReader(body, settings.MaxValueLineBytes, json.Value.JsonSerializerOptions.MaxDepth);
        long persisted = 0;
        int? schemaId = null, schemaVersion = null;
        NdjsonChunk? inFlightChunk = null;
        Task<ProduceResult>? inFlight = null;
        try
        {
            while (true)
            {
                var chunk = new NdjsonChunk();
                try
                {
                    // Read (and parse) the next chunk while Kafka confirms the previous one.
                    await lines.ReadChunkAsync(chunk, settings.NdjsonChunkRecords, settings.BatchSizeBytes, cancellationToken);
                }
                catch
                {
                    chunk.Dispose();
                    throw;
                }

                if (inFlight is not null)
                {
                    var done = inFlightChunk!;
                    try
                    {
                        var result = await inFlight;
                        persisted += done.Values.Count;
                        (schemaId, schemaVersion) = (result.Response.ValueSchemaId, result.Response.ValueSchemaVersion);
                    }
                    catch (GatewayException ex)
                    {
                        chunk.Dispose();
                        await lines.DrainAsync(cancellationToken);
                        throw Failed(template.Topic, ex, done, persisted, lines.Records, settings.NdjsonChunkRecords);
                    }
                    finally
                    {
                        (inFlight, inFlightChunk) = (null, null);
                        done.Dispose();
                    }
                }

                if (chunk.Errors.Count > 0)
                {
                    await lines.DrainAsync(cancellationToken);
                    using (chunk)
                    {
                        throw Failed(template.Topic, RecordProducer.Invalid([]), chunk, persisted, lines.Records, settings.NdjsonChunkRecords);
                    }
                }

                if (chunk.Count == 0)
                {
                    chunk.Dispose();
                    break;
                }

                inFlightChunk = chunk;
                inFlight = producer.ProduceAsync(template with { Lines = chunk.Values }, cancellationToken);
            }
        }
        finally
        {
            if (inFlight is not null)
            {
                // The client went away (or the body broke) while a chunk was produced: its values are parsed from the
                // chunk's buffer, which must outlive the produce call.
                try
                {
                    await inFlight;
                }
                catch (Exception ex) when (ex is GatewayException or OperationCanceledException)
                {
                    LogAbandoned(logger, template.Topic, ex.Message);
                }

                inFlightChunk?.Dispose();
            }
        }

        if (lines.Records == 0)
        {
            throw RecordProducer.Invalid([new ProduceError(null, "$", "expected at least one line with a JSON value")]);
        }

        return new ValuesResponse(template.Topic, schemaId, schemaVersion, lines.Records, persisted, 0, null);
    }

    /// <summary>
    /// The answer once chunk <paramref name="chunk"/> failed with <paramref name="failure"/> after
    /// <paramref name="persistedBefore"/> values of earlier chunks were confirmed.
    /// </summary>
    private static GatewayException Failed(string topic, GatewayException failure, NdjsonChunk chunk, long persistedBefore, long received, int chunkSize)
    {
        var failures = new List<LineFailure>();
        var omitted = 0L;
        var chunkPersisted = 0L;
        var possiblyPersisted = 0L;
        void List(LineFailure entry)
        {
            // Runs of consecutive lines with the same outcome (a refusal and the lines not sent after it) are one entry.
            if (failures.Count > 0 && failures[^1] is var last && entry.Path is null && last.Path is null
                && last.Status == entry.Status && last.Error == entry.Error && last.Message == entry.Message
                && (last.LastLine ?? last.Line) < entry.Line && entry.Line - (last.LastLine ?? last.Line) == 1)
            {
                failures[^1] = last with { LastLine = entry.Line };
                return;
            }

            if (failures.Count < MaxListedFailures)
            {
                failures.Add(entry);
            }
            else
            {
                omitted++;
            }
        }

        var invalid = failure.Error == GatewayErrors.InvalidRecords;
        var lineErrors = new List<LineError>(chunk.Errors);
        if (invalid && failure.Extensions.TryGetValue("errors", out var e) && e is List<ProduceError> errors)
        {
            lineErrors.AddRange(errors.Select(error => new LineError(
                error.RecordIndex is { } index ? chunk.LineOf(index) : chunk.FirstLine, error.Path, error.Message)));
        }

        if (invalid)
        {
            lineErrors.Sort((a, b) => a.Line.CompareTo(b.Line));
            foreach (var error in lineErrors)
            {
                List(new LineFailure(error.Line, null, "invalid", error.Path, null, error.Message));
            }
        }
        else if (failure.Extensions.TryGetValue("records", out var r) && r is IReadOnlyList<RecordOutcome> outcomes)
        {
            foreach (var outcome in outcomes)
            {
                if (outcome.Status == s_persisted)
                {
                    chunkPersisted++;
                    continue;
                }

                possiblyPersisted += outcome.Status == s_possiblyPersisted ? 1 : 0;
                List(new LineFailure(chunk.LineOf(outcome.Index), null, outcome.Status, null, outcome.Error, outcome.Reason ?? outcome.Status));
            }
        }
        else
        {
            // Refused before anything of the chunk was queued (Kafka or the registry unavailable, topic missing...).
            List(new LineFailure(chunk.FirstLine, chunk.LastLine == chunk.FirstLine ? null : chunk.LastLine, s_notPersisted, null, failure.Code, failure.Message));
        }

        var persisted = persistedBefore + chunkPersisted;
        // Lines after the failing chunk were never sent; an invalid chunk was not sent at all.
        long? notSentFrom = invalid ? chunk.FirstLine : received > persistedBefore + chunk.Count ? chunk.LastLine + 1 : null;
        var notPersisted = received - persisted - possiblyPersisted;
        if (persisted == 0 && possiblyPersisted == 0)
        {
            // Nothing is in Kafka: the chunk's own answer (status, code, Retry-After), with line numbers.
            var detail = invalid
                ? $"{lineErrors.Count} problem(s) found in the values of lines {chunk.FirstLine}-{chunk.LastLine}; nothing was produced. See errors."
                : $"Nothing was written ({received} value(s) received). {failure.Message}";
            var nothing = new GatewayException(failure.Error, detail, failure) { RetryAfterSeconds = failure.RetryAfterSeconds };
            Describe(nothing, received, 0, 0, notPersisted, notSentFrom);
            if (invalid)
            {
                nothing.Extensions["errors"] = lineErrors.Take(MaxListedFailures).ToList();
            }
            else
            {
                nothing.Extensions["failures"] = failures;
            }

            return nothing;
        }

        var first = failures.Count > 0 ? failures[0] : null;
        var why = first is null ? failure.Message : $"Line {first.Line}{(first.Path is null ? "" : " " + first.Path)}: {first.Message}";
        var resend = invalid
            ? $"Lines {chunk.FirstLine}-{chunk.LastLine} were not written because values are validated in chunks of up to {chunkSize} lines " +
              $"(Producer:NdjsonChunkRecords) and that chunk has invalid lines; nothing after it was sent. Do not retry the request: " +
              $"fix the lines listed and send again from line {chunk.FirstLine}."
            : "Do not retry the request: send again only the lines listed as not_persisted" +
              (notSentFrom is { } from ? $" and every line from {from} on (never sent)." : ".");
        var partial = new GatewayException(GatewayErrors.PartiallyPersisted,
            $"{persisted} of {received} value(s) are in Kafka, {notPersisted} not written, {possiblyPersisted} may have been written. {resend} {why}", failure);
        Describe(partial, received, persisted, possiblyPersisted, notPersisted, notSentFrom);
        partial.Extensions["failures"] = failures;
        if (omitted > 0)
        {
            partial.Extensions["failuresOmitted"] = omitted;
        }

        return partial;
    }

    private static void Describe(GatewayException answer, long received, long persisted, long possiblyPersisted, long notPersisted, long? notSentFrom)
    {
        answer.Extensions["received"] = received;
        answer.Extensions["persisted"] = persisted;
        answer.Extensions["possiblyPersisted"] = possiblyPersisted;
        answer.Extensions["notPersisted"] = notPersisted;
        if (notSentFrom is { } line)
        {
            answer.Extensions["notSentFromLine"] = line;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "NDJSON produce to {Topic} abandoned with a chunk in flight: {Reason}")]
    private static partial void LogAbandoned(ILogger logger, string topic, string reason);
}
