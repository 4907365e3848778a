using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KafkaGateway.Streaming;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KafkaGateway.ApiDocument;

/// <summary>
/// Shapes each served document for a person in Swagger UI: groups in task order, the health and metrics endpoints,
/// plain-text summaries, the cluster's topics offered for <c>topic</c>, and examples for every parameter, body and
/// answer, computed for this request (its address, the caller's topics, the cluster kind).
/// </summary>
internal sealed partial class ApiDocumentFilter(LiveExamplesSource source) : IDocumentAsyncFilter
{
    /// <summary>Operation extension: the status this gateway answers the operation's examples with.</summary>
    public const string ExampleStatusExtension = "x-example-status";

    /// <summary>The resume token the XML docs show, replaced by one of the topic the docs name (<c>orders</c>).</summary>
    private const string DocumentedToken = "AQzN9tQ0dKtwAwABAgEDAQ";

    /// <summary>The address the XML docs show in curl examples, replaced by the address the document was served from.</summary>
    private const string DocumentedAddress = "https://gateway:8443";

    public async Task ApplyAsync(OpenApiDocument document, DocumentFilterContext context, CancellationToken cancellationToken)
    {
        var http = DocumentRequest.Current ?? throw new InvalidOperationException("The OpenAPI document is served per request, through MapSwaggerUi.");
        var live = await source.GetAsync(http);
        var ordersToken = ResumeToken.For("orders", new Dictionary<int, long> { [0] = 150 }, 50).Encode();

        document.Tags = new HashSet<OpenApiTag>(ApiTags.Ordered.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        AddOperationsEndpoints(document);

        foreach (var (_, pathItem) in document.Paths)
        {
            foreach (var (_, operation) in pathItem.Operations ?? [])
            {
                var id = operation.OperationId ?? "";
                var plan = OperationExamples.For(id, live);
                var description = (operation.Description ?? "").Replace(DocumentedAddress, live.Address, StringComparison.Ordinal)
                    .Replace(DocumentedToken, ordersToken, StringComparison.Ordinal);
                var summary = Plain(operation.Summary);
                if (plan is not null)
                {
                    // The task is the summary; a longer original summary leads the description.
                    if (!string.IsNullOrEmpty(operation.Summary) && !string.Equals(summary, plan.Summary, StringComparison.Ordinal))
                    {
                        description = operation.Summary + (description.Length > 0 ? "\n\n" + description : "");
                    }

                    summary = plan.Summary;
                }

                operation.Summary = summary;
                if (ApiTags.TaskOrder(id) is >= 0 and var order)
                {
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions[ApiTags.TaskOrderExtension] = new JsonNodeExtension(order);
                }

                var limited = plan?.EmbeddedLimit is not null && live.IsEmbedded;
                if (limited)
                {
                    description += $"\n\n**On the embedded cluster** this answers 501 `{Kafka.EmbeddedClusterLimits.NotSupportedCode}`: " +
                        $"librdkafka's mock cluster does not support {plan!.EmbeddedLimit}. A real Kafka cluster answers {plan.Status}.";
                }

                operation.Description = description;
                if (plan is null)
                {
                    operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    operation.Extensions[ExampleStatusExtension] = new JsonNodeExtension(LowestSuccess(operation));
                    continue;
                }

                ApplyParameters(operation, plan, live, id);
                ApplyBody(operation, plan, id);
                var status = limited ? 501 : plan.Status;
                ApplyResponses(operation, plan, live, id, limited);
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions[ExampleStatusExtension] = new JsonNodeExtension(status);
            }
        }
    }

    private static void ApplyParameters(OpenApiOperation operation, ExamplePlan plan, LiveExamples live, string id)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            var name = parameter.Name ?? "";
            if (!plan.Parameters.TryGetValue(name, out var value))
            {
                continue;
            }

            if (name == "topic" && parameter.In == ParameterLocation.Path && live.Topics.Count > 0)
            {
                // A drop-down of the cluster's topics (the plan's first); the field stays editable.
                var names = new[] { value!.GetValue<string>() }.Concat(live.Topics.Select(t => t.Name)).Distinct(StringComparer.Ordinal);
                parameter.Examples = names.ToDictionary(n => n, n => (IOpenApiExample)new OpenApiExample { Summary = n, Value = JsonValue.Create(n) });
                parameter.Example = null;
                parameter.Description = $"{parameter.Description} {live.TopicsNote}".Trim();
            }
            else
            {
                parameter.Example = value?.DeepClone();
                if (name == "topic")
                {
                    parameter.Description = $"{parameter.Description} {live.TopicsNote}".Trim();
                }
            }
        }

        _ = id;
    }

    private static void ApplyBody(OpenApiOperation operation, ExamplePlan plan, string id)
    {
        if (plan.Body is null || operation.RequestBody?.Content is not { } content)
        {
            return;
        }

        foreach (var (mediaType, media) in content.Select(c => (c.Key, c.Value as OpenApiMediaType)))
        {
            if (media is null)
            {
                continue;
            }

            media.Example = id.StartsWith("RestProxyV2.", StringComparison.Ordinal) ? RestProxyBody(mediaType, plan.Body) : plan.Body.DeepClone();
        }
    }

    /// <summary>REST Proxy's json and binary embedded formats carry the value as JSON and as base64, without a schema id.</summary>
    private static JsonNode RestProxyBody(string mediaType, JsonNode avro)
    {
        var value = avro["records"]![0]!["value"]!.DeepClone();
        return mediaType switch
        {
            "application/vnd.kafka.json.v2+json" => new JsonObject { ["records"] = new JsonArray(new JsonObject { ["value"] = value }) },
            "application/vnd.kafka.binary.v2+json" => new JsonObject
            {
                ["records"] = new JsonArray(new JsonObject { ["value"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value.ToJsonString())) }),
            },
            _ => avro.DeepClone(),
        };
    }

    private static void ApplyResponses(OpenApiOperation operation, ExamplePlan plan, LiveExamples live, string id, bool limited)
    {
        operation.Responses ??= [];
        if (plan.EmbeddedLimit is not null && !operation.Responses.ContainsKey("501"))
        {
            operation.Responses["501"] = new OpenApiResponse
            {
                Description = "The embedded cluster cannot do this.",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType() },
            };
        }

        foreach (var (code, response) in operation.Responses)
        {
            if (response is not OpenApiResponse concrete || !int.TryParse(code, out var status))
            {
                continue;
            }

            JsonNode? example = status < 400
                ? status == plan.Status ? plan.Answer ?? EventStreamExample(id, live) : null
                : ErrorExample(id, status, concrete.Description, live, plan.EmbeddedLimit);
            if (example is null)
            {
                continue;
            }

            concrete.Content ??= new Dictionary<string, IOpenApiMediaType>();
            if (concrete.Content.Count == 0)
            {
                concrete.Content["application/json"] = new OpenApiMediaType();
            }

            foreach (var media in concrete.Content.Values.OfType<OpenApiMediaType>())
            {
                media.Example = example.DeepClone();
            }
        }

        _ = limited;
    }

    private static JsonValue? EventStreamExample(string id, LiveExamples live) => id == "TopicStream.Stream"
        ? JsonValue.Create(
            $"retry: 3000\n\nevent: record\nid: {live.ResumeToken}\ndata: {{\"topic\":\"{live.Topic}\",\"partition\":0,\"offset\":0,\"value\":{{\"id\":\"s-1\",\"timestamp\":1732270000000,\"value\":21.5}}}}\n\n" +
            $"event: caught-up\nid: {live.ResumeToken}\ndata: {{\"resumeToken\":\"{live.ResumeToken}\",\"endOffsets\":{{\"0\":1}}}}\n\n" +
            $"event: end\nid: {live.ResumeToken}\ndata: {{\"resumeToken\":\"{live.ResumeToken}\",\"reason\":\"until_end\"}}\n")
        : null;

    private static JsonNode ErrorExample(string id, int status, string? description, LiveExamples live, string? embeddedLimit)
    {
        if (id.StartsWith("Registry.", StringComparison.Ordinal) || id.StartsWith("RestProxyV2.", StringComparison.Ordinal))
        {
            // Confluent's error body: the documented error code (e.g. "40401 subject not found"), else status x 100.
            var match = ConfluentCode().Match(description ?? "");
            return new JsonObject
            {
                ["error_code"] = match.Success ? int.Parse(match.Value, System.Globalization.CultureInfo.InvariantCulture) : status * 100,
                ["message"] = Plain(description) ?? "Error",
            };
        }

        return ProblemExamples.For(id, status, live, embeddedLimit);
    }

    private static int LowestSuccess(OpenApiOperation operation) =>
        (operation.Responses ?? []).Keys.Select(k => int.TryParse(k, out var s) ? s : 0).Where(s => s is >= 200 and < 300).DefaultIfEmpty(200).Min();

    /// <summary>Collapsed summaries are plain text in Swagger UI: no markdown code marks.</summary>
    private static string? Plain(string? text) => text?.Replace("`", "", StringComparison.Ordinal);

    private static void AddOperationsEndpoints(OpenApiDocument document)
    {
        var tag = new HashSet<OpenApiTagReference> { new(ApiTags.Operations, document) };
        OpenApiResponse Json(string description, string body) => new()
        {
            Description = description,
            Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Example = JsonNode.Parse(body) } },
        };

        const string Details = "Anonymous, for probes. Callers with the cluster permission also get each check's details (brokers, certificates, the last client error).";
        document.Paths["/health/live"] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "health.live",
                    Tags = tag,
                    Summary = "Liveness probe",
                    Description = "Answers 200 while the process runs. " + Details,
                    Responses = new OpenApiResponses { ["200"] = Json("The process answers.", """{"status":"Healthy"}""") },
                },
            },
        };
        document.Paths["/health/ready"] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "health.ready",
                    Tags = tag,
                    Summary = "Readiness probe",
                    Description = "200 when every readiness check (Kafka, the schema registry, TLS material) passes, else 503. " + Details,
                    Responses = new OpenApiResponses
                    {
                        ["200"] = Json("Ready.", """{"status":"Healthy"}"""),
                        ["503"] = Json("Not ready.", """{"status":"Unhealthy"}"""),
                    },
                },
            },
        };
        document.Paths[Observability.ObservabilityServiceCollectionExtensions.MetricsPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "metrics",
                    Tags = tag,
                    Summary = "Prometheus metrics",
                    Description = "The OpenTelemetry metrics in Prometheus text format. Needs the cluster permission.",
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "Prometheus text exposition.",
                            Content = new Dictionary<string, IOpenApiMediaType>
                            {
                                ["text/plain"] = new OpenApiMediaType { Example = JsonValue.Create("# TYPE kafkagateway_produce_records_total counter\nkafkagateway_produce_records_total 1\n") },
                            },
                        },
                    },
                },
            },
        };
        _ = OperationExamples.SensorSchema;
    }

    [GeneratedRegex(@"\b[45]\d{4}\b")]
    private static partial Regex ConfluentCode();
}
