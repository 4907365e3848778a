using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Serilog.Events;
using Serilog.Parsing;

namespace KafkaGateway.Hosting;

/// <summary>
/// What the gateway does once the rest of the pipeline is done with a request, in one frame outside the exception
/// handler: the status-code page (<see cref="GatewayStatusCodePages"/>: a ProblemDetails body for an error answer
/// without one), then the request log event.
/// </summary>
/// <remarks>
/// <para>
/// The request log is the event Serilog's <c>UseSerilogRequestLogging</c> writes with its default options — template
/// <c>HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms</c>, those four properties,
/// Information (Error for a 5xx or an exception escaping the pipeline, which is logged and rethrown), the current
/// activity's trace and span ids, <c>SourceContext</c> <c>Serilog.AspNetCore.RequestLoggingMiddleware</c> (so level
/// overrides keep working) — and <c>RequestId</c>, which Serilog's event got from hosting's request scope (the
/// gateway's loggers begin none: <see cref="CachingLoggerFactory"/>). Serilog's middleware also opens an
/// <c>IDiagnosticContext</c> collection on every request (a collector, its dictionary and two execution-context
/// writes, ~375 of the health probe's 1,800 bytes in the allocation profile, docs/benchmarks) for properties a request
/// may add to this event. Nothing in the gateway adds any; the collection is the cost of a feature it does not use.
/// <c>RequestCompletionLogTests</c> compares the events with Serilog's, <c>GatewayStatusCodePagesTests</c> the pages
/// with the framework's <c>UseStatusCodePages()</c>.
/// </para>
/// <para>
/// One middleware rather than two because every async frame the rest of the request passes through is boxed when the
/// produce action waits for Kafka (~130 B a frame, docs/benchmarks session 8). The page sits outside the exception
/// handler (it was inside): an answer the handler wrote has a body and content type, so no page follows it, as before;
/// an exception while writing a page (the client gone) is now logged and left to the server instead of the handler.
/// </para>
/// </remarks>
internal sealed class RequestCompletion(RequestDelegate next, IOptions<StatusCodePagesOptions> pageOptions, Serilog.ILogger logger)
{
    /// <summary>The category of Serilog's request logging middleware, kept for filters and level overrides.</summary>
    internal const string SourceContext = "Serilog.AspNetCore.RequestLoggingMiddleware";

    private static readonly MessageTemplate s_template =
        new MessageTemplateParser().Parse("HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms");

    private readonly GatewayStatusCodePages _pages = new(next, pageOptions.Value);
    private readonly Serilog.ILogger _logger = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, SourceContext);

    public Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var page = GatewayStatusCodePages.Begin(context);
        Task pending;
        try
        {
            pending = next(context);
            if (pending.IsCompletedSuccessfully)
            {
                pending = _pages.CompleteAsync(context, page);
            }
        }
        catch (Exception exception) when (Log(context, start, exception))
        {
            throw; // Never reached: Log returns false, so the exception goes on without being caught.
        }

        if (pending.IsCompletedSuccessfully)
        {
            Log(context, start, null);
            return Task.CompletedTask;
        }

        return AwaitAsync(pending, context, start, page);
    }

    /// <summary>Awaits the rest (or the page it already started) and, after the rest, the page.</summary>
    private async Task AwaitAsync(Task pending, HttpContext context, long start, GatewayStatusCodePages.Page page)
    {
        try
        {
            await pending;
            await _pages.CompleteAsync(context, page);
        }
        catch (Exception exception) when (Log(context, start, exception))
        {
            throw; // Never reached, as above.
        }

        Log(context, start, null);
    }

    /// <summary>Writes the event (always returns false, for use as an exception filter).</summary>
    private bool Log(HttpContext context, long start, Exception? exception)
    {
        var statusCode = exception is null ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
        var level = exception is not null || context.Response.StatusCode > 499 ? LogEventLevel.Error : LogEventLevel.Information;
        if (!_logger.IsEnabled(level))
        {
            return false;
        }

        var elapsedMs = (Stopwatch.GetTimestamp() - start) * 1000 / (double)Stopwatch.Frequency;
        var (traceId, spanId) = Activity.Current is { } activity ? (activity.TraceId, activity.SpanId) : (default, default);
        _logger.Write(new LogEvent(
            DateTimeOffset.Now,
            level,
            exception,
            s_template,
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("RequestPath", new ScalarValue(PathOf(context))),
                new LogEventProperty("StatusCode", new ScalarValue(statusCode)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsedMs)),
                // Hosting's request scope gave Serilog's event this one; the gateway's loggers begin no such scope
                // (ConnectionId still comes from Kestrel's connection scope, begun once per connection).
                new LogEventProperty("RequestId", new ScalarValue(context.TraceIdentifier)),
            ],
            traceId,
            spanId));
        return false;
    }

    /// <summary>The path as the server received it (Serilog's choice), the request's path when the server has none.</summary>
    private static string PathOf(HttpContext context)
    {
        var path = context.Features.Get<IHttpRequestFeature>()?.Path;
        return string.IsNullOrEmpty(path) ? context.Request.Path.ToString() : path;
    }
}
