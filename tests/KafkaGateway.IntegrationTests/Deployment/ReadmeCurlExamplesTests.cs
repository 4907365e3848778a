using System.Text.RegularExpressions;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// Every curl example in README.md requests a route the gateway has, with a method it accepts. Routes come from the
/// app's endpoint data source; paths served by middleware rather than endpoints (Swagger) are checked with a real
/// GET instead. Works with whatever README and routes exist when it runs.
/// </summary>
public sealed class ReadmeCurlExamplesTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public void Parse_ReadmeCodeBlocks_FindsCurlExamples()
    {
        var examples = ReadmeCurlExamples.Parse(File.ReadAllText(RepositoryFiles.PathOf("README.md")));

        Assert.Contains(examples, e => e is { Method: "GET", Path: "/health/ready" });
        Assert.Contains(examples, e => e is { Method: "GET", Path: "/cluster" });
    }

    [Theory]
    [InlineData("curl -s http://localhost:5080/cluster", "GET", "/cluster")]
    [InlineData("curl -X DELETE https://localhost:8443/topics/orders", "DELETE", "/topics/orders")]
    [InlineData("curl -s -H 'Content-Type: application/json' -d '{\"a\":1}' http://localhost:5080/topics/t/records", "POST", "/topics/t/records")]
    [InlineData("kcat -b \"$(curl -s http://localhost:5080/cluster | python3 -c 'x')\" -L", "GET", "/cluster")]
    [InlineData("curl --cacert ca.crt -XPUT \"https://localhost:8443/registry/subjects/$TOPIC-value/config\"", "PUT", "/registry/subjects/x-value/config")]
    public void Parse_CurlLine_ExtractsMethodAndPath(string line, string method, string path)
    {
        var example = Assert.Single(ReadmeCurlExamples.Parse($"```bash\n{line}\n```\n"));

        Assert.Equal(method, example.Method);
        Assert.Equal(path, example.Path);
    }

    [Fact]
    public async Task ReadmeCurlExamples_EveryOne_TargetsAnExistingRouteAndMethod()
    {
        var examples = ReadmeCurlExamples.Parse(await File.ReadAllTextAsync(RepositoryFiles.PathOf("README.md")));
        await using var gateway = GatewayFactory.For(cluster);
        using var client = gateway.CreateClient();
        var routes = gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => (Regex: ToRegex(endpoint.RoutePattern), Methods: endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods, endpoint.RoutePattern.RawText))
            .ToArray();
        Assert.NotEmpty(routes);

        var missing = new List<string>();
        foreach (var example in examples)
        {
            var matching = routes.Where(route => route.Regex.IsMatch(example.Path)).ToArray();
            if (matching.Any(route => route.Methods is null || route.Methods.Contains(example.Method, StringComparer.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (matching.Length == 0 && example.Method is "GET" or "HEAD")
            {
                // Not an endpoint: maybe middleware (Swagger UI, swagger.json) serves it.
                using var response = await client.GetAsync(example.Path);
                if (response.StatusCode != System.Net.HttpStatusCode.NotFound)
                {
                    continue;
                }
            }

            missing.Add(matching.Length == 0
                ? $"{example.Method} {example.Path}: no route ({example.Line})"
                : $"{example.Method} {example.Path}: route {matching[0].RawText} allows only {string.Join(",", matching.SelectMany(r => r.Methods ?? []))} ({example.Line})");
        }

        Assert.True(missing.Count == 0, "README curl examples without a matching route:\n" + string.Join('\n', missing));
    }

    private static Regex ToRegex(RoutePattern pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        foreach (var segment in pattern.PathSegments)
        {
            var optionalSegment = segment.Parts.All(part => part is RoutePatternParameterPart { IsOptional: true } or RoutePatternParameterPart { IsCatchAll: true });
            regex.Append(optionalSegment ? "(?:/" : "/");
            foreach (var part in segment.Parts)
            {
                regex.Append(part switch
                {
                    RoutePatternLiteralPart literal => Regex.Escape(literal.Content),
                    RoutePatternSeparatorPart separator => Regex.Escape(separator.Content),
                    RoutePatternParameterPart { IsCatchAll: true } => ".*",
                    _ => "[^/]+",
                });
            }

            if (optionalSegment)
            {
                regex.Append(")?");
            }
        }

        regex.Append("/?$");
        return new Regex(regex.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
