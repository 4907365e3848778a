using FluentValidation;
using KafkaGateway.Schemas;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Http;

/// <summary>
/// The one place exceptions become HTTP answers: known failures keep their status and code, anything else is a
/// 500 whose body carries the trace id but never the exception text or stack.
/// </summary>
internal sealed partial class ProblemDetailsExceptionHandler(
    IProblemDetailsService problemDetails, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            GatewayException gateway => FromGateway(httpContext, gateway),
            ValidationException validation => ValidationProblems.Create(validation.Errors),
            SchemaRegistryUnavailableException unavailable => FromGateway(httpContext, new GatewayException(
                StatusCodes.Status503ServiceUnavailable, "schema_registry_unavailable", "The schema registry is unavailable",
                unavailable.Message) { RetryAfterSeconds = unavailable.RetryAfterSeconds }),
            SchemaRegistryException registry => FromGateway(httpContext, new GatewayException(
                registry.ErrorCode switch
                {
                    SchemaRegistryException.SubjectNotFound or SchemaRegistryException.VersionNotFound or SchemaRegistryException.SchemaNotFound => 404,
                    SchemaRegistryException.IncompatibleSchema => 409,
                    >= 42200 and < 42300 => 422,
                    _ => 502,
                },
                "schema_registry_error", "The schema registry refused the request", registry.Message)
            {
                Extensions = { ["registryErrorCode"] = registry.ErrorCode },
            }),
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = "Bad request",
                Detail = bad.Message,
                Extensions = { ["code"] = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "payload_too_large" : "bad_request" },
            },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };

        if (problem is null)
        {
            if (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client left; there is nobody to answer.
                return true;
            }

            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal error",
                Detail = "The gateway failed unexpectedly. The traceId identifies the failure in the gateway's logs.",
                Extensions = { ["code"] = "internal_error" },
            };
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails FromGateway(HttpContext httpContext, GatewayException exception)
    {
        if (exception.RetryAfterSeconds is { } retryAfter)
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in exception.Headers)
        {
            httpContext.Response.Headers[name] = value;
        }

        var problem = new ProblemDetails
        {
            Status = exception.StatusCode,
            Title = exception.Title,
            Detail = exception.Message,
            Extensions = { ["code"] = exception.Code },
        };
        foreach (var (key, value) in exception.Extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
