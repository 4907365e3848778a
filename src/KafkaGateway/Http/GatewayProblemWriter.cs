using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Http;

/// <summary>
/// The one writer of the gateway's ProblemDetails: the exception handler, authentication and authorization refusals,
/// the body-size limit, the rate limiter and MVC's model-binding failures all answer through it, so every error body
/// has the catalogue's status, code and title, the <c>traceId</c>, and its <c>Retry-After</c> and extra headers.
/// </summary>
public static class GatewayProblemWriter
{
    /// <summary>The ProblemDetails body of <paramref name="exception"/> (status, title, detail, code, extensions).</summary>
    public static ProblemDetails Create(GatewayException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
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

    /// <summary>Adds what every body carries: the trace id, and the code of the status when nobody set one.</summary>
    public static void Complete(ProblemDetails problem, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(context);
        problem.Extensions["traceId"] = Activity.Current?.Id ?? context.TraceIdentifier;
        if (!problem.Extensions.ContainsKey("code"))
        {
            problem.Extensions["code"] = GatewayErrors.ForStatus(problem.Status ?? StatusCodes.Status500InternalServerError).Code;
        }
    }

    /// <summary>
    /// Answers <paramref name="exception"/>: status, <c>Retry-After</c>, extra headers, and the body through the
    /// registered <see cref="IProblemDetailsService"/> writers (JSON, or the event-stream one). A client whose Accept
    /// header no writer matches still gets the <c>application/problem+json</c> body: an error is never answered empty.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="exception">The answer.</param>
    /// <param name="cause">The exception that led to it, for the writers' diagnostics (defaults to <paramref name="exception"/>).</param>
    public static async ValueTask WriteAsync(HttpContext context, GatewayException exception, Exception? cause = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(exception);
        var response = context.Response;
        response.StatusCode = exception.StatusCode;
        if (exception.RetryAfterSeconds is { } retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in exception.Headers)
        {
            response.Headers[name] = value;
        }

        var problem = Create(exception);
        var service = context.RequestServices.GetService<IProblemDetailsService>();
        if (service is not null && await service.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = problem,
                Exception = cause ?? exception,
            }))
        {
            return;
        }

        Complete(problem, context);
        var json = context.RequestServices.GetService<IOptions<HttpJsonOptions>>()?.Value.SerializerOptions;
        await response.WriteAsJsonAsync(problem, problem.GetType(), json, "application/problem+json", context.RequestAborted);
    }
}

/// <summary>An MVC result that answers through <see cref="GatewayProblemWriter"/>.</summary>
/// <param name="exception">The answer.</param>
public sealed class GatewayProblemResult(GatewayException exception) : IActionResult
{
    /// <inheritdoc />
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return GatewayProblemWriter.WriteAsync(context.HttpContext, exception).AsTask();
    }
}
