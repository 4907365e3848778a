using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KafkaGateway.Http;

/// <summary>A request body example shown in Swagger UI (and prefilled by "Try it out").</summary>
/// <param name="json">The example body as JSON text (or, with a non-JSON <see cref="MediaType"/>, as that text).</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RequestExampleAttribute(string json) : Attribute
{
    /// <summary>The example body as JSON text.</summary>
    public string Json { get; } = json;

    /// <summary>The media type the example is for; null: every media type the operation consumes.</summary>
    public string? MediaType { get; init; }

    /// <summary>The example's name, when an operation has several for one media type.</summary>
    public string? Name { get; init; }
}

/// <summary>A response body example shown in Swagger UI.</summary>
/// <param name="statusCode">The response status.</param>
/// <param name="json">The example body as JSON text.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ResponseExampleAttribute(int statusCode, string json) : Attribute
{
    /// <summary>The response status.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The example body as JSON text.</summary>
    public string Json { get; } = json;
}

/// <summary>Puts <see cref="RequestExampleAttribute"/> and <see cref="ResponseExampleAttribute"/> examples into the OpenAPI document.</summary>
internal sealed class RequestExampleOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var examples = context.MethodInfo.GetCustomAttributes(typeof(RequestExampleAttribute), false).OfType<RequestExampleAttribute>().ToList();
        if (examples.Count > 0 && operation.RequestBody?.Content is { } content)
        {
            foreach (var group in examples.GroupBy(e => e.MediaType))
            {
                if (group.Key is null)
                {
                    foreach (var mediaType in content.Values.OfType<OpenApiMediaType>())
                    {
                        Set(mediaType, group.ToList(), json: true);
                    }
                }
                else
                {
                    // A media type another action of the route consumes (NDJSON), shown with this operation.
                    if (!content.TryGetValue(group.Key, out var existing) || existing is not OpenApiMediaType mediaType)
                    {
                        mediaType = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                        content[group.Key] = mediaType;
                    }

                    Set(mediaType, group.ToList(), json: group.Key.EndsWith("json", StringComparison.Ordinal) && !group.Key.Contains("ndjson", StringComparison.Ordinal));
                }
            }
        }

        foreach (var response in context.MethodInfo.GetCustomAttributes(typeof(ResponseExampleAttribute), false).OfType<ResponseExampleAttribute>())
        {
            if (operation.Responses?.TryGetValue(response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var documented) == true
                && documented.Content is { } responseContent)
            {
                foreach (var mediaType in responseContent.Values.OfType<OpenApiMediaType>())
                {
                    mediaType.Example = JsonNode.Parse(response.Json);
                }
            }
        }
    }

    private static void Set(OpenApiMediaType mediaType, List<RequestExampleAttribute> examples, bool json)
    {
        JsonNode? Value(RequestExampleAttribute example) => json ? JsonNode.Parse(example.Json) : JsonValue.Create(example.Json);
        if (examples.Count == 1)
        {
            mediaType.Example = Value(examples[0]);
            return;
        }

        mediaType.Examples ??= new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
        foreach (var example in examples)
        {
            mediaType.Examples[example.Name ?? $"example {mediaType.Examples.Count + 1}"] = new OpenApiExample { Summary = example.Name, Value = Value(example) };
        }
    }
}
