using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>
/// Writes a <see cref="StreamSubscription"/> to an HTTP response as server-sent events: a <c>retry: 3000</c> hint,
/// then <c>record</c>, <c>error</c> and <c>notice</c> events, one <c>caught-up</c>, <c>: heartbeat</c> comments when
/// idle, and a final <c>overflow</c> or <c>end</c> event carrying the resume token (<c>end</c> also right after
/// <c>caught-up</c> for <c>until=end</c>). Every <c>data</c> line is one line of compact JSON.
/// </summary>
public sealed class EventStreamResponder(
    StreamHub hub, RecordDecoder decoder, IOptions<StreamingOptions> options, IHostApplicationLifetime lifetime,
    StreamingMetrics metrics, ILogger<EventStreamResponder> logger)
{
    private static readonly byte[] s_retry = "retry: 3000\n\n"u8.ToArray();
    private static readonly byte[] s_heartbeat = ": heartbeat\n\n"u8.ToArray();
    private static readonly TimeSpan s_startWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_finalFlushBudget = TimeSpan.FromSeconds(30);
    // Written events are flushed once this many bytes wait in the response pipe. The pipe accepts writes whatever it
    // holds and only FlushAsync waits for the client, so 256 events of 1 KB records (~290 KB) sat in every idle
    // stream's pipe on top of its buffered records (bench: 0.68 MiB live per idle stream, 0.35 MiB with this bound).
    // 256 events of small records stay below it, so their batches (and catching up) are as before.
    private const int FlushBytes = 64 * 1024;
    private const string UntilEnd = "caught up (until=end)";
    private const string Ended = "ended by the consumer";

    // A shared live tail hands the same ConsumedRecord instance to every subscriber, and its event data does not
    // depend on the subscriber (only the id does): decode and serialize it once, not once per subscriber. Keyed by
    // reference and weakly, so an entry lives exactly as long as some subscriber still buffers the record.
    private readonly ConditionalWeakTable<ConsumedRecord, Task<(string EventName, byte[] Data)>> _recordEvents = new();

    /// <summary>Streams until the client leaves, the subscriber overflows or the gateway stops; always unsubscribes.</summary>
    public async Task RunAsync(HttpContext context, StreamSubscription subscription)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(aborted, lifetime.ApplicationStopping);
        var token = stopping.Token;
        var reason = "client disconnected";
        string? label = null;
        try
        {
            // Fix the start before the headers: a client that sees the response may rely on "latest" meaning "from now".
            try
            {
                await subscription.Started.WaitAsync(s_startWait, token);
            }
            catch (TimeoutException)
            {
                // Kafka is slow or down: answer anyway; error events say why records do not come yet.
            }

            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            var body = response.BodyWriter;
            body.Write(s_retry);
            label = metrics.Opened(subscription.Topic);
            await body.FlushAsync(token);

            reason = await PumpAsync(body, subscription, label, token);
            if (reason == "overflow")
            {
                metrics.Overflowed(label);
                // Free the buffer and the stream's slot now; the client may take its time to read the last event.
                hub.Unsubscribe(subscription);
                WriteEvent(body, "overflow", subscription.ResumeTokenText(), JsonSerializer.SerializeToUtf8Bytes(
                    new { resumeToken = subscription.ResumeTokenText(), reason = "subscriber_buffer_full" }, StreamJson.Options));
                using var flushBudget = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                flushBudget.CancelAfter(s_finalFlushBudget);
                await body.FlushAsync(flushBudget.Token);
            }
            else if (reason is UntilEnd or Ended)
            {
                var why = reason == UntilEnd ? "until_end" : subscription.EndReason;
                reason = $"{reason} ({why})";
                WriteEvent(body, "end", subscription.ResumeTokenText(), JsonSerializer.SerializeToUtf8Bytes(
                    new { resumeToken = subscription.ResumeTokenText(), reason = why }, StreamJson.Options));
                await body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            reason = "gateway stopping";
            try
            {
                var body = response.BodyWriter;
                WriteEvent(body, "end", subscription.ResumeTokenText(), JsonSerializer.SerializeToUtf8Bytes(
                    new { resumeToken = subscription.ResumeTokenText(), reason = "shutdown" }, StreamJson.Options));
                await body.FlushAsync(aborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client left while the gateway was stopping.
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            reason = "client disconnected";
        }
        catch (OperationCanceledException) when (reason == "overflow")
        {
            // The overflowed client did not read its last event in time.
        }
        finally
        {
            if (label is not null)
            {
                metrics.Closed(label);
            }

            hub.Unsubscribe(subscription);
            StreamingLog.StreamEnded(logger, subscription.Topic, subscription.Client, reason);
        }
    }

    private async Task<string> PumpAsync(PipeWriter body, StreamSubscription subscription, string label, CancellationToken token)
    {
        var reader = subscription.Reader;
        var heartbeat = TimeSpan.FromSeconds(options.Value.HeartbeatSeconds);
        while (true)
        {
            var waiting = reader.WaitToReadAsync(token).AsTask();
            while (!waiting.IsCompleted)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
                var delay = Task.Delay(heartbeat, idle.Token);
                if (await Task.WhenAny(waiting, delay) == delay)
                {
                    body.Write(s_heartbeat);
                    await body.FlushAsync(token);
                }
                else
                {
                    await idle.CancelAsync();
                }
            }

            if (!await waiting || subscription.Overflowed)
            {
                // The channel completes on overflow, when the consumer ends the stream (after the buffered items),
                // or when the hub closes it.
                return subscription.Overflowed ? "overflow" : subscription.EndReason is not null ? Ended : "closed";
            }

            // Drain what is buffered, then flush once: at most 256 events or FlushBytes, so the response pipe holds
            // no more than Kestrel's response buffer (64 KiB) plus one batch while the client does not read.
            var written = 0;
            while (written < 256 && !(body.CanGetUnflushedBytes && body.UnflushedBytes >= FlushBytes)
                && !subscription.Overflowed && subscription.TryRead(out var item))
            {
                if (!await WriteItemAsync(body, subscription, item, token))
                {
                    metrics.EventsSent(label, written + 1);
                    return UntilEnd;
                }

                written++;
            }

            metrics.EventsSent(label, written);

            if (subscription.Overflowed)
            {
                return "overflow";
            }

            await body.FlushAsync(token);
        }
    }

    /// <summary>Writes one item; false when the stream is to end after it (caught up with <c>until=end</c>).</summary>
    private async ValueTask<bool> WriteItemAsync(PipeWriter body, StreamSubscription subscription, StreamItem item, CancellationToken token)
    {
        switch (item)
        {
            case ConsumedRecord record:
                var (eventName, data) = subscription.Start.IsLiveTail
                    ? await _recordEvents.GetValue(record, RenderAsync).WaitAsync(token)
                    : await RenderAsync(record).WaitAsync(token);
                subscription.Advance(record.Partition, record.Offset + 1);
                WriteEvent(body, eventName, subscription.ResumeTokenText(), data);
                break;
            case StreamNotice notice:
                WriteEvent(body, "notice", null, JsonSerializer.SerializeToUtf8Bytes(notice, StreamJson.Options));
                break;
            case KafkaUnavailable unavailable:
                WriteEvent(body, "error", null, JsonSerializer.SerializeToUtf8Bytes(
                    new { reason = Http.GatewayErrors.KafkaUnavailable.Code, detail = unavailable.Detail }, StreamJson.Options));
                break;
            case CaughtUp caughtUp:
                subscription.AdvanceTo(caughtUp.Positions);
                var endOffsets = caughtUp.EndOffsets.Where(e => subscription.Partitions.Contains(e.Key))
                    .OrderBy(e => e.Key).ToDictionary(e => e.Key.ToString(CultureInfo.InvariantCulture), e => e.Value);
                WriteEvent(body, "caught-up", subscription.ResumeTokenText(), JsonSerializer.SerializeToUtf8Bytes(
                    new { resumeToken = subscription.ResumeTokenText(), endOffsets }, StreamJson.Options));
                return !subscription.UntilEnd;
        }

        return true;
    }

    /// <summary>The <c>record</c> event data of <paramref name="record"/>, or the <c>error</c> event data when it cannot be decoded.</summary>
    private async Task<(string EventName, byte[] Data)> RenderAsync(ConsumedRecord record)
    {
        // Not the subscriber's token: the result is shared, and one subscriber leaving must not fail it for the others.
        var (decoded, failure) = await decoder.DecodeAsync(record, CancellationToken.None);
        return decoded is not null
            ? ("record", JsonSerializer.SerializeToUtf8Bytes(decoded, StreamJson.Options))
            : ("error", JsonSerializer.SerializeToUtf8Bytes(failure, StreamJson.Options));
    }

    /// <summary>
    /// Writes one event. The data is compact JSON, which never holds a raw CR or LF (they are escaped inside strings);
    /// should it ever, each line becomes its own <c>data:</c> line, which SSE parsers join back with LF.
    /// </summary>
    internal static void WriteEvent(IBufferWriter<byte> body, string eventName, string? id, ReadOnlySpan<byte> data)
    {
        Write(body, "event: "u8);
        Write(body, Encoding.UTF8.GetBytes(eventName));
        Write(body, "\n"u8);
        if (id is not null)
        {
            Write(body, "id: "u8);
            Write(body, Encoding.UTF8.GetBytes(id));
            Write(body, "\n"u8);
        }

        while (true)
        {
            var end = data.IndexOfAny((byte)'\r', (byte)'\n');
            Write(body, "data: "u8);
            Write(body, end < 0 ? data : data[..end]);
            Write(body, "\n"u8);
            if (end < 0)
            {
                break;
            }

            var crlf = data[end] == '\r' && end + 1 < data.Length && data[end + 1] == '\n';
            data = data[(end + (crlf ? 2 : 1))..];
        }

        Write(body, "\n"u8);
    }

    private static void Write(IBufferWriter<byte> body, ReadOnlySpan<byte> bytes)
    {
        var span = body.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        body.Advance(bytes.Length);
    }
}
