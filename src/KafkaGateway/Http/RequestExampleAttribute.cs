using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KafkaGateway.Http;

/// <summary>A request body example shown in Swagger UI (and prefilled by "Try it out").</summary>
/// <param name="json">The example body as JSON text.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequestExampleAttribute(string json) : Attribute
{
    /// <summary>The example body as JSON text.</summary>
    public string Json { get; } = json;
}

/// <summary>Puts <see cref="RequestExampleAttribute"/> examples into the OpenAPI document.</summary>
internal sealed class RequestExampleOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var example = context.MethodInfo.GetCustomAttributes(typeof(RequestExampleAttribute), false).OfType<RequestExampleAttribute>().FirstOrDefault();
        if (example is null || operation.RequestBody?.Content is not { } content)
        {
            return;
        }

        foreach (var mediaType in content.Values.OfType<OpenApiMediaType>())
        {
            mediaType.Example = JsonNode.Parse(example.Json);
        }
    }
}
