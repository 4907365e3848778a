using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KafkaGateway.IntegrationTests.Harness;
using Xunit.Abstractions;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// The served OpenAPI document as Swagger UI's "Try it out" uses it: every operation's pre-filled parameters and body
/// are sent to a Development gateway on its embedded cluster with a prepared topic, and each must answer the status
/// the document states for it (<c>x-example-status</c>). Operations the embedded cluster (librdkafka's mock) cannot
/// serve (CreateTopics aside: DeleteTopics, configs, partitions, DeleteRecords, ListGroups, DescribeGroups,
/// DeleteGroups) are documented to answer 501 there, and that is what is asserted: their real-Kafka answer (200/204)
/// is unverified here, as is every example against a real Kafka cluster.
/// </summary>
public sealed class SwaggerDocumentExamplesTests(ITestOutputHelper output)
{
    /// <summary>The prepared topic's value schema, second version: the first plus an optional field.</summary>
    private const string SensorSchemaV2 =
        """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"},{"name":"unit","type":["null","string"],"default":null}]}""";

    [Fact]
    public async Task SwaggerDocument_EveryOperationsExamplesSentToDevelopmentGateway_AnswerTheDocumentedStatus()
    {
        // Arrange: a Development gateway on its own embedded cluster, a topic with two schema versions (so that the
        // destructive examples, run last, can delete a version and then the subject).
        await using var gateway = DevelopmentGateway();
        using var client = gateway.CreateClient();
        await WaitUntilReadyAsync(client);
        const string topic = "sensors-docs";
        (await client.PostAsJsonAsync("/topics", new { name = topic, partitions = 3 })).EnsureSuccessStatusCode();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", SensorSchemaV2);

        // Act
        var text = await client.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        var document = JsonNode.Parse(text)!.AsObject();
        var operations = Operations(document).ToList();
        var failures = new List<string>();
        var ordered = operations.Where(o => o.Method != "delete")
            // Destructive ones last: deeper resources before their parents, and at one depth the later-documented
            // first (a subject's config and associations before the subject itself).
            .Concat(operations.Select((o, i) => (o, i)).Where(x => x.o.Method == "delete")
                .OrderByDescending(x => x.o.Path.Count(c => c == '/')).ThenByDescending(x => x.i).Select(x => x.o));
        foreach (var operation in ordered)
        {
            await SendExampleAsync(client, operation, failures);
        }

        // Assert
        Assert.True(operations.Count >= 40, $"only {operations.Count} operations in the document");
        Assert.DoesNotContain("gateway:8443", text, StringComparison.Ordinal);
        Assert.DoesNotContain("additionalProp1", text, StringComparison.Ordinal);
        Assert.Equal(
            ["Topics", "Schemas", "Consumer groups", "Cluster and brokers", "Operations", "REST Proxy v2"],
            document["tags"]!.AsArray().Select(t => (string)t!["name"]!));
        var topicExamples = operations.Single(o => o.Id == "TopicStream.Stream").Operation["parameters"]!.AsArray()
            .Single(p => (string)p!["name"]! == "topic")!["examples"]!.AsObject();
        Assert.Contains(topic, topicExamples.Select(e => e.Key));
        Assert.True(failures.Count == 0, $"{failures.Count} example(s) did not answer as documented:\n" + string.Join("\n", failures));
    }

    private async Task SendExampleAsync(HttpClient client, DocumentOperation operation, List<string> failures)
    {
        var (id, method, path, op) = operation;
        var fail = (string message) => failures.Add($"{method.ToUpperInvariant()} {path} ({id}): {message}");
        if (op["x-example-status"] is not JsonValue expectedNode)
        {
            fail("no x-example-status");
            return;
        }

        if (((string?)op["summary"])?.Contains('`', StringComparison.Ordinal) == true)
        {
            fail($"summary shows markdown: {op["summary"]}");
        }

        var url = new StringBuilder(path);
        var query = new List<string>();
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), (Uri?)null);
        foreach (var parameter in op["parameters"]?.AsArray() ?? [])
        {
            var name = (string)parameter!["name"]!;
            var value = parameter["example"] ?? parameter["examples"]?.AsObject().FirstOrDefault().Value?["value"];
            if (value is null)
            {
                if (parameter["required"]?.GetValue<bool>() == true)
                {
                    fail($"required parameter '{name}' has no example");
                }

                continue;
            }

            var textValue = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
            switch ((string)parameter["in"]!)
            {
                case "path":
                    url.Replace("{" + name + "}", Uri.EscapeDataString(textValue));
                    break;
                case "query":
                    query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(textValue)}");
                    break;
                case "header":
                    request.Headers.TryAddWithoutValidation(name, textValue);
                    break;
            }
        }

        if (op["requestBody"]?["content"]?.AsObject().FirstOrDefault() is { Key: { } mediaType } content)
        {
            if (content.Value?["example"] is not { } body)
            {
                fail($"body ({mediaType}) has no example");
                return;
            }

            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        }

        CheckResponseExamples(op, fail);
        request.RequestUri = new Uri(url + (query.Count > 0 ? "?" + string.Join('&', query) : ""), UriKind.Relative);
        using var response = await client.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        var expected = expectedNode.GetValue<int>();
        output.WriteLine($"{(int)response.StatusCode} (documented {expected}) {request.Method} {request.RequestUri}");
        if ((int)response.StatusCode != expected)
        {
            fail($"answered {(int)response.StatusCode}, documented {expected}: {answer[..Math.Min(answer.Length, 400)]}");
            return;
        }

        // The documented answer names only members the real answer has.
        var documented = op["responses"]?[expected.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?.AsObject()
            .FirstOrDefault().Value?["example"];
        if (documented is JsonObject example && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
            && JsonNode.Parse(answer) is JsonObject real)
        {
            var missing = example.Select(p => p.Key).Where(k => !real.ContainsKey(k)).ToArray();
            if (missing.Length > 0)
            {
                fail($"the documented answer has members the real one lacks: {string.Join(", ", missing)}; real: {answer[..Math.Min(answer.Length, 300)]}");
            }
        }
    }

    /// <summary>Every documented answer with a body has an example; errors are ProblemDetails with a code (or Confluent's error_code).</summary>
    private static void CheckResponseExamples(JsonNode op, Action<string> fail)
    {
        foreach (var (status, response) in op["responses"]?.AsObject() ?? [])
        {
            foreach (var (mediaType, media) in response?["content"]?.AsObject() ?? [])
            {
                var example = media?["example"];
                if (example is null)
                {
                    fail($"answer {status} ({mediaType}) has no example");
                    continue;
                }

                if (status.StartsWith('4') || status.StartsWith('5'))
                {
                    var hasCode = example["code"] is JsonValue || example["error_code"] is JsonValue;
                    if (!hasCode)
                    {
                        fail($"error example {status} has no code: {example.ToJsonString()}");
                    }
                }
            }
        }
    }

    private sealed record DocumentOperation(string Id, string Method, string Path, JsonNode Operation);

    private static IEnumerable<DocumentOperation> Operations(JsonObject document)
    {
        string[] methods = ["get", "post", "put", "patch", "delete"];
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject().Where(m => methods.Contains(m.Key)))
            {
                yield return new DocumentOperation((string?)operation!["operationId"] ?? "", method, path, operation);
            }
        }
    }

    // The produce action reads its request itself (ParametersDescribedBy): the document must still describe it as
    // MVC describes bound parameters, with the XML docs.
    [Fact]
    public async Task SwaggerDocument_ProduceOperation_DescribesQueryHeaderAndBodyTheActionReads()
    {
        await using var gateway = DevelopmentGateway();
        using var client = gateway.CreateClient();
        await WaitUntilReadyAsync(client);

        var document = JsonNode.Parse(await client.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative)))!;
        var produce = document["paths"]!["/topics/{topic}/records"]!["post"]!;
        var parameters = produce["parameters"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => p!);

        Assert.Equal(["topic", "schemaId", "schemaVersion", "subject", "Idempotency-Key"], parameters.Keys);
        Assert.Equal("path", (string)parameters["topic"]["in"]!);
        Assert.True((bool)parameters["topic"]["required"]!);
        Assert.StartsWith("The topic.", (string)parameters["topic"]["description"]!, StringComparison.Ordinal);
        Assert.Equal(("query", "integer", "int32"), ((string)parameters["schemaId"]["in"]!, (string)parameters["schemaId"]["schema"]!["type"]!, (string)parameters["schemaId"]["schema"]!["format"]!));
        Assert.Equal("Registry id of the value schema to use.", (string)parameters["schemaId"]["description"]!);
        Assert.Equal(("query", "string"), ((string)parameters["subject"]["in"]!, (string)parameters["subject"]["schema"]!["type"]!));
        Assert.Equal("header", (string)parameters["Idempotency-Key"]["in"]!);
        Assert.StartsWith("Names one logical write", (string)parameters["Idempotency-Key"]["description"]!, StringComparison.Ordinal);
        Assert.Equal(["application/json"], produce["requestBody"]!["content"]!.AsObject().Select(c => c.Key));
        Assert.StartsWith("One record or", (string)produce["requestBody"]!["description"]!, StringComparison.Ordinal);
        Assert.Equal("#/components/schemas/ProduceResponse", (string)produce["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!);
    }

    private static GatewayFactory DevelopmentGateway() => new(new Dictionary<string, string?>
    {
        ["Kafka:BootstrapServers"] = "embedded",
        ["Kafka:EmbeddedBrokers"] = "1",
        ["Kafka:MetadataTimeoutSeconds"] = "2",
        ["Kafka:Properties:broker.address.family"] = "v4",
        ["Gateway:DataDirectory"] = Path.Combine(Path.GetTempPath(), "kafkagateway-tests", Guid.NewGuid().ToString("N")),
    }, environment: "Development");

    private static async Task WaitUntilReadyAsync(HttpClient client)
    {
        var deadline = Stopwatch.StartNew();
        HttpStatusCode status = 0;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            status = response.StatusCode;
            if (status == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"the gateway did not become ready: {status}");
    }
}
