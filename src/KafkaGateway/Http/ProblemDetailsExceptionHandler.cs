using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;

namespace KafkaGateway.Http;

/// <summary>
/// The one place exceptions become HTTP answers: each known failure becomes its catalogue entry
/// (<see cref="GatewayErrors"/>), anything else is a 500 whose body carries the trace id but never the exception text
/// or stack. <see cref="GatewayProblemWriter"/> writes the body.
/// </summary>
internal sealed partial class ProblemDetailsExceptionHandler(ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var answer = ToGatewayException(exception);
        if (answer is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client left; there is nobody to answer.
                return true;
            }

            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            answer = GatewayErrors.InternalError.ToException(
                "The gateway failed unexpectedly. The traceId identifies the failure in the gateway's logs.");
        }

        if (httpContext.Response.HasStarted)
        {
            // Headers are gone (a stream already answered 200): nothing can be said over HTTP any more.
            return false;
        }

        await GatewayProblemWriter.WriteAsync(httpContext, answer, exception);
        return true;
    }

    /// <summary>The catalogue answer of a known failure, or null for an unexpected one.</summary>
    internal static GatewayException? ToGatewayException(Exception exception) => exception switch
    {
        GatewayException gateway => gateway,
        ValidationException validation => ValidationProblems.ToException(validation.Errors),
        IGatewayFailure failure => failure.ToGatewayException(),
        BadHttpRequestException bad => GatewayErrors.ForStatus(bad.StatusCode).ToException(bad.Message),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
