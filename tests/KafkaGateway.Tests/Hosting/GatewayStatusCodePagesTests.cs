using KafkaGateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Hosting;

/// <summary>
/// The gateway's status-code pages (run by <see cref="RequestCompletion"/>) against the framework's <see cref="StatusCodePagesMiddleware"/> as the judge: the
/// same request through both must reach the page handler in the same cases (status, body headers, a started response,
/// the feature turned off by the endpoint, skip metadata on the endpoint known before or only after the rest ran),
/// synchronously and asynchronously completing, and exceptions must pass through both without a page.
/// </summary>
public sealed class GatewayStatusCodePagesTests
{
    public enum Case
    {
        NotFoundWithoutBody,
        ServerErrorWithoutBody,
        Ok,
        Status399,
        Status600,
        NotFoundWithContentType,
        NotFoundWithContentLength,
        NotFoundStarted,
        FeatureTurnedOff,
        SkipMetadataOnMatchedEndpoint,
        SkipMetadataOnEndpointFoundLater,
        Throws,
    }

    public static TheoryData<Case, bool> Cases()
    {
        var data = new TheoryData<Case, bool>();
        foreach (var @case in Enum.GetValues<Case>())
        {
            data.Add(@case, false);
            data.Add(@case, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InvokeAsync_AnyAnswer_WritesAPageExactlyWhenTheFrameworksMiddlewareDoes(Case @case, bool completesLater)
    {
        var expected = await RunAsync(@case, completesLater, (next, options) => new StatusCodePagesMiddleware(next, options).Invoke);
        var actual = await RunAsync(@case, completesLater, (next, options) => new RequestCompletion(next, options, Serilog.Core.Logger.None).InvokeAsync);

        Assert.Equal(expected, actual);
        var pageExpected = @case is Case.NotFoundWithoutBody or Case.ServerErrorWithoutBody;
        Assert.Equal(pageExpected, actual.Page);
        Assert.True(actual.FeatureSeen);
        Assert.Equal(@case == Case.Throws, actual.Threw);
    }

    [Fact]
    public void Constructor_NoHandler_Throws()
    {
        var options = Options.Create(new StatusCodePagesOptions { HandleAsync = null! });

        Assert.Throws<ArgumentException>(() => new GatewayStatusCodePages(_ => Task.CompletedTask, options.Value));
    }

    private sealed record Outcome(bool Page, bool FeatureSeen, bool Threw, int Status);

    private static async Task<Outcome> RunAsync(Case @case, bool completesLater,
        Func<RequestDelegate, IOptions<StatusCodePagesOptions>, RequestDelegate> middleware)
    {
        var page = false;
        var options = Options.Create(new StatusCodePagesOptions
        {
            HandleAsync = _ =>
            {
                page = true;
                return Task.CompletedTask;
            },
        });
        var featureSeen = false;
        RequestDelegate endpoint = async context =>
        {
            if (completesLater)
            {
                await Task.Yield();
            }

            var feature = context.Features.Get<IStatusCodePagesFeature>();
            featureSeen = feature is not null;
            Answer(context, @case, feature);
        };

        var context = new DefaultHttpContext();
        if (@case == Case.NotFoundStarted)
        {
            context.Features.Set<IHttpResponseFeature>(new StartedResponse());
        }

        if (@case == Case.SkipMetadataOnMatchedEndpoint)
        {
            context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new SkipPages()), "skip"));
        }

        var threw = false;
        try
        {
            await middleware(endpoint, options)(context);
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        return new Outcome(page, featureSeen, threw, context.Response.StatusCode);
    }

    private static void Answer(HttpContext context, Case @case, IStatusCodePagesFeature? feature)
    {
        var response = context.Response;
        response.StatusCode = @case switch
        {
            Case.Ok => 200,
            Case.Status399 => 399,
            Case.Status600 => 600,
            Case.ServerErrorWithoutBody => 503,
            _ => 404,
        };
        switch (@case)
        {
            case Case.NotFoundWithContentType:
                response.ContentType = "text/plain";
                break;
            case Case.NotFoundWithContentLength:
                response.ContentLength = 0;
                break;
            case Case.FeatureTurnedOff:
                feature!.Enabled = false;
                break;
            case Case.SkipMetadataOnEndpointFoundLater:
                context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new SkipPages()), "skip"));
                break;
            case Case.Throws:
                throw new InvalidOperationException("endpoint failed");
        }
    }

    private sealed class SkipPages : ISkipStatusCodePagesMetadata;

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }
}
