using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Hosting;

/// <summary>
/// The status-code pages of <see cref="HostingExtensions.UseGatewayStatusCodePages"/>: the framework's
/// <c>UseStatusCodePages()</c> middleware step by step — an <see cref="IStatusCodePagesFeature"/> per request (code
/// can turn the page off), off for endpoints with <see cref="ISkipStatusCodePagesMetadata"/> (also when the endpoint is
/// only known after the rest ran), and the configured <see cref="StatusCodePagesOptions.HandleAsync"/> (with
/// <c>AddProblemDetails</c>: a ProblemDetails body) for a 400-599 answer that has not started and has no body, length
/// or content type.
/// </summary>
/// <remarks>
/// Two things the framework's middleware does on every request are left out (allocation profile of the health probe,
/// docs/benchmarks session 7): it always awaits the rest of the pipeline (a state machine boxed for every request that
/// goes asynchronous), and it writes the options' (internal) path format into <c>HttpContext.Items</c>,
/// which creates the request's items dictionary (~260 B, its only other writer being the authorization middleware's
/// mark, which the gateway writes only for endpoints that need it). That entry is read by nothing but Blazor's
/// component endpoints when re-executing a status-code page, which the gateway does not have, and the path format is
/// null without <c>UseStatusCodePagesWithReExecute</c>.
/// </remarks>
internal sealed class GatewayStatusCodePages
{
    private readonly RequestDelegate _next;
    private readonly StatusCodePagesOptions _options;
    private readonly Func<StatusCodeContext, Task> _handle;

    public GatewayStatusCodePages(RequestDelegate next, IOptions<StatusCodePagesOptions> options)
    {
        _next = next;
        _options = options.Value;
        _handle = _options.HandleAsync ?? throw new ArgumentException("Missing options.HandleAsync implementation.", nameof(options));
    }

    public Task InvokeAsync(HttpContext context)
    {
        var feature = new StatusCodePagesFeature();
        context.Features.Set<IStatusCodePagesFeature>(feature);
        var endpoint = context.GetEndpoint();
        if (Skips(endpoint))
        {
            feature.Enabled = false;
        }

        var pending = _next(context);
        return pending.IsCompletedSuccessfully
            ? Completed(context, feature, checkEndpointAgain: endpoint is null)
            : AwaitAsync(pending, context, feature, checkEndpointAgain: endpoint is null);
    }

    private async Task AwaitAsync(Task pending, HttpContext context, StatusCodePagesFeature feature, bool checkEndpointAgain)
    {
        await pending;
        await Completed(context, feature, checkEndpointAgain);
    }

    private Task Completed(HttpContext context, StatusCodePagesFeature feature, bool checkEndpointAgain)
    {
        var response = context.Response;
        if (!feature.Enabled
            || (checkEndpointAgain && Skips(context.GetEndpoint()))
            || response.HasStarted
            || response.StatusCode is < 400 or >= 600
            || response.ContentLength.HasValue
            || !string.IsNullOrEmpty(response.ContentType))
        {
            return Task.CompletedTask;
        }

        return _handle(new StatusCodeContext(context, _options, _next));
    }

    private static bool Skips(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<ISkipStatusCodePagesMetadata>() is not null;
}
