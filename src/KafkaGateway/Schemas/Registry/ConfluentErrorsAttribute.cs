using System.Text.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// Answers the registry API's failures with Confluent's error body (<c>{"error_code":40401,"message":"…"}</c>)
/// instead of the gateway's ProblemDetails, because registry clients parse <c>error_code</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed partial class ConfluentErrorsAttribute : ActionFilterAttribute, IExceptionFilter
{
    public override void OnActionExecuting(ActionExecutingContext context)
    {
        if (!context.ModelState.IsValid)
        {
            // Malformed JSON: Confluent answers 400 with error_code 400.
            var detail = string.Join("; ", context.ModelState
                .Where(e => e.Value is { Errors.Count: > 0 })
                .SelectMany(e => e.Value!.Errors.Select(error => string.IsNullOrEmpty(error.ErrorMessage) ? error.Exception?.Message : error.ErrorMessage)));
            context.Result = Answer(context.HttpContext, 400, new RegistryError(400, $"The request body is not valid JSON: {detail}"));
        }
    }

    public void OnException(ExceptionContext context)
    {
        var error = context.Exception switch
        {
            SchemaRegistryException registry => (registry.StatusCode, new RegistryError(registry.ErrorCode, registry.Message)),
            KafkaException kafka => (500, new RegistryError(RegistryErrors.StoreError, $"Error in the backend data store: {kafka.Error.Reason}")),
            OperationCanceledException when context.HttpContext.RequestAborted.IsCancellationRequested => default,
            _ => (500, new RegistryError(500, $"Internal error; the trace id {context.HttpContext.TraceIdentifier} identifies it in the gateway's log.")),
        };
        if (error.Item2 is null)
        {
            return;
        }

        if (error.Item1 >= 500)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILogger<ConfluentErrorsAttribute>>();
            LogFailure(logger, context.Exception, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
        }

        context.Result = Answer(context.HttpContext, error.Item1, error.Item2);
        context.ExceptionHandled = true;
    }

    internal static ContentResult Answer(HttpContext context, int status, object body) => new()
    {
        StatusCode = status,
        ContentType = RegistryMediaTypes.Negotiate(context.Request),
        Content = JsonSerializer.Serialize(body, body.GetType(), RegistryMediaTypes.SerializerOptions),
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Schema registry request {Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string path);
}
