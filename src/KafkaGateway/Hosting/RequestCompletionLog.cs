using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Serilog.Events;
using Serilog.Parsing;

namespace KafkaGateway.Hosting;

/// <summary>
/// The request log: one event per request when it completes, the event Serilog's <c>UseSerilogRequestLogging</c>
/// writes with its default options — template <c>HTTP {RequestMethod} {RequestPath} responded {StatusCode} in
/// {Elapsed:0.0000} ms</c>, those four properties, Information (Error for a 5xx or an exception escaping the pipeline,
/// which is logged and rethrown), the current activity's trace and span ids, <c>SourceContext</c>
/// <c>Serilog.AspNetCore.RequestLoggingMiddleware</c> (so level overrides keep working) — and <c>RequestId</c>, which
/// Serilog's event got from hosting's request scope (the gateway's loggers begin none: <see cref="CachingLoggerFactory"/>).
/// </summary>
/// <remarks>
/// Serilog's middleware also opens an <c>IDiagnosticContext</c> collection on every request (a collector, its
/// dictionary and two execution-context writes, ~375 of the health probe's 1,800 bytes in the allocation profile,
/// docs/benchmarks) for properties a request may add to this event. Nothing in the gateway adds any; the collection
/// is the cost of a feature it does not use. <c>RequestCompletionLogTests</c> compares the events with Serilog's.
/// </remarks>
internal sealed class RequestCompletionLog(RequestDelegate next, Serilog.ILogger logger)
{
    /// <summary>The category of Serilog's request logging middleware, kept for filters and level overrides.</summary>
    internal const string SourceContext = "Serilog.AspNetCore.RequestLoggingMiddleware";

    private static readonly MessageTemplate s_template =
        new MessageTemplateParser().Parse("HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms");

    private readonly Serilog.ILogger _logger = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, SourceContext);

    public Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        Task pending;
        try
        {
            pending = next(context);
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

        return AwaitAsync(pending, context, start);
    }

    private async Task AwaitAsync(Task pending, HttpContext context, long start)
    {
        try
        {
            await pending;
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
