using Confluent.Kafka;
using Microsoft.AspNetCore.Mvc.Filters;

namespace KafkaGateway.Kafka;

/// <summary>
/// Answers a <see cref="KafkaException"/> escaping a controller action as ProblemDetails, through
/// <see cref="KafkaErrorMapper"/> and the gateway's exception handler.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class KafkaErrorsAttribute : ExceptionFilterAttribute
{
    /// <inheritdoc />
    public override void OnException(ExceptionContext context)
    {
        if (context.Exception is KafkaException kafka)
        {
            // Replacing the exception (not handling it) lets the one IExceptionHandler write the body.
            context.Exception = KafkaErrorMapper.ToGatewayException(kafka);
        }
    }
}
