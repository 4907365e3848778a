using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Http;

/// <summary>
/// Reads a <c>[FromBody] JsonElement</c> into pooled memory (<see cref="PooledJsonBody"/>), returned when the response
/// is done. Errors are reported like MVC's JSON formatter's: a model-state entry at the JSON path.
/// </summary>
internal sealed class PooledJsonElementInputFormatter : InputFormatter
{
    public PooledJsonElementInputFormatter()
    {
        SupportedMediaTypes.Add("application/json");
        SupportedMediaTypes.Add("text/json");
        SupportedMediaTypes.Add("application/*+json");
    }

    protected override bool CanReadType(Type type) => type == typeof(JsonElement);

    public override async Task<InputFormatterResult> ReadRequestBodyAsync(InputFormatterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var httpContext = context.HttpContext;
        var maxDepth = httpContext.RequestServices.GetService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>()?.Value.JsonSerializerOptions.MaxDepth ?? 0;
        var (body, path, message) = await PooledJsonBody.ReadAsync(httpContext.Request, maxDepth);
        if (body is null)
        {
            context.ModelState.TryAddModelError(path!, message!);
            return InputFormatterResult.Failure();
        }

        // Disposed after the response is written: nothing holds the element beyond the request.
        httpContext.Response.RegisterForDispose(body);
        return InputFormatterResult.Success(body.Root);
    }
}
