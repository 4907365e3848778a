using System.Text.Json;
using KafkaGateway.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.Tests.Http;

/// <summary>
/// The one ProblemDetails writer on a bare HttpContext with the framework's ProblemDetails service, configured as the
/// gateway configures it (every route's answer goes through this code; the integration tests see it over HTTP).
/// </summary>
public sealed class GatewayProblemWriterTests
{
    private static DefaultHttpContext Context(string accept)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddProblemDetails(options => options.CustomizeProblemDetails = c => GatewayProblemWriter.Complete(c.ProblemDetails, c.HttpContext))
            .BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Headers.Accept = accept;
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static JsonElement Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body).RootElement.Clone();
    }

    [Fact]
    public async Task WriteAsync_CatalogueEntry_StatusCodeTitleRetryAfterHeadersAndExtensions()
    {
        var context = Context("application/json");
        var answer = new GatewayException(GatewayErrors.KafkaUnavailable, "Kafka did not answer.")
        {
            Headers = { ["Idempotent-Replayed"] = "true" },
            Extensions = { ["kafkaError"] = "BrokerNotAvailable" },
        };

        await GatewayProblemWriter.WriteAsync(context, answer);
        var body = Body(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("true", context.Response.Headers["Idempotent-Replayed"].ToString());
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal("kafka_unavailable", body.GetProperty("code").GetString());
        Assert.Equal(GatewayErrors.KafkaUnavailable.Title, body.GetProperty("title").GetString());
        Assert.Equal("Kafka did not answer.", body.GetProperty("detail").GetString());
        Assert.Equal("BrokerNotAvailable", body.GetProperty("kafkaError").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task WriteAsync_AcceptNoWriterMatches_StillAnswersProblemJson()
    {
        var context = Context("text/plain");

        await GatewayProblemWriter.WriteAsync(context, new GatewayException(GatewayErrors.TooManyRequests, "Slow down.") { RetryAfterSeconds = 3 });
        var body = Body(context);

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal("too_many_requests", body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task WriteAsync_Validation_ListsEveryFieldPath()
    {
        var context = Context("*/*");
        var failures = new[]
        {
            new FluentValidation.Results.ValidationFailure("Records[0].Value", "required"),
            new FluentValidation.Results.ValidationFailure("Records[0].Value", "must be an object"),
            new FluentValidation.Results.ValidationFailure("Partitions", "at least 1"),
        };

        await GatewayProblemWriter.WriteAsync(context, ValidationProblems.ToException(failures));
        var body = Body(context);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.Equal(2, body.GetProperty("errors").GetProperty("$.records[0].value").GetArrayLength());
        Assert.Equal("at least 1", body.GetProperty("errors").GetProperty("$.partitions")[0].GetString());
    }
}
