using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace KafkaGateway.Hosting;

/// <summary>
/// The status-code pages, run by <see cref="RequestCompletion"/>: the framework's <c>UseStatusCodePages()</c>
/// middleware step by step — an <see cref="IStatusCodePagesFeature"/> per request (code can turn the page off), off
/// for endpoints with <see cref="ISkipStatusCodePagesMetadata"/> (also when the endpoint is only known after the rest
/// ran), and the configured <see cref="StatusCodePagesOptions.HandleAsync"/> (with <c>AddProblemDetails</c>: a
/// ProblemDetails body) for a 400-599 answer that has not started and has no body, length or content type.
/// </summary>
/// <remarks>
/// Two things the framework's middleware does on every request are left out (allocation profile of the health probe,
/// docs/benchmarks sessions 7 and 8): its own async frame around the rest of the pipeline (boxed for every request
/// that goes asynchronous; <see cref="RequestCompletion"/> awaits the rest once for the page and the log), and it
/// writes the options' (internal) path format into <c>HttpContext.Items</c>, which creates the request's items
/// dictionary (~260 B, its only other writer being the authorization middleware's mark, which the gateway writes only
/// for endpoints that need it). That entry is read by nothing but Blazor's
/// component endpoints when re-executing a status-code page, which the gateway does not have, and the path format is
/// null without <c>UseStatusCodePagesWithReExecute</c>.
/// </remarks>
internal sealed class GatewayStatusCodePages
{
    private readonly RequestDelegate _next;
    private readonly StatusCodePagesOptions _options;
    private readonly Func<StatusCodeContext, Task> _handle;

    /// <param name="next">The rest of the pipeline, as the framework's middleware hands it to the handler.</param>
    /// <param name="options">The status-code pages options (<c>AddProblemDetails</c> sets their handler).</param>
    public GatewayStatusCodePages(RequestDelegate next, StatusCodePagesOptions options)
    {
        _next = next;
        _options = options;
        _handle = _options.HandleAsync ?? throw new ArgumentException("Missing options.HandleAsync implementation.", nameof(options));
    }

    /// <summary>Before the rest runs: the request's <see cref="IStatusCodePagesFeature"/>, off for a skipping endpoint.</summary>
    public static Page Begin(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var page = new Page(checkEndpointAgain: endpoint is null);
        context.Features.Set<IStatusCodePagesFeature>(page);
        if (Skips(endpoint))
        {
            page.Enabled = false;
        }

        return page;
    }

    /// <summary>After the rest ran: the page, when the answer needs one; once per request.</summary>
    public Task CompleteAsync(HttpContext context, Page page)
    {
        if (page.Completed)
        {
            return Task.CompletedTask;
        }

        page.Completed = true;
        var response = context.Response;
        if (!page.Enabled
            || (page.CheckEndpointAgain && Skips(context.GetEndpoint()))
            || response.HasStarted
            || response.StatusCode is < 400 or >= 600
            || response.ContentLength.HasValue
            || !string.IsNullOrEmpty(response.ContentType)
            // The client left (the exception handler answers nobody then): no page either.
            || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        return _handle(new StatusCodeContext(context, _options, _next));
    }

    private static bool Skips(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<ISkipStatusCodePagesMetadata>() is not null;

    /// <summary>The request's feature, with what completing it needs to know (one object per request, as before).</summary>
    internal sealed class Page(bool checkEndpointAgain) : StatusCodePagesFeature
    {
        /// <summary>No endpoint was known before the rest ran: look again for skip metadata afterwards.</summary>
        public bool CheckEndpointAgain { get; } = checkEndpointAgain;

        public bool Completed { get; set; }
    }
}
