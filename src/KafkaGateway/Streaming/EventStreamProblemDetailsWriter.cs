using Microsoft.AspNetCore.WebUtilities;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace KafkaGateway.Streaming;

/// <summary>
/// Error answers to requests that accept only <c>text/event-stream</c> (EventSource, <c>curl -H 'Accept: text/event-stream'</c>,
/// Swagger UI on the stream operation). The framework's ProblemDetails writer declines them because the client did not
/// ask for JSON, which left a 429 <c>too_many_streams</c> without its body. An error is no event stream either way, so
/// the documented <c>application/problem+json</c> body is the most useful answer; EventSource reports the failed status.
/// </summary>
internal sealed class EventStreamProblemDetailsWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<HttpJsonOptions> jsonOptions)
    : IProblemDetailsWriter
{
    private static readonly MediaTypeHeaderValue s_eventStream = new("text/event-stream");

    public bool CanWrite(ProblemDetailsContext context)
    {
        var accept = context.HttpContext.Request.GetTypedHeaders().Accept;
        return accept.Any(value => value.MatchesMediaType(s_eventStream.MediaType) || s_eventStream.IsSubsetOf(value));
    }

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(
            problem, problem.GetType(), jsonOptions.Value.SerializerOptions, "application/problem+json", http.RequestAborted));
    }
}
