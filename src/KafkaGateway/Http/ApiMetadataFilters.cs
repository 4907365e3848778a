using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.AspNetCore.Mvc.Infrastructure;

namespace KafkaGateway.Http;

/// <summary>
/// Takes the filters that are only API-description metadata — <c>[ProducesResponseType]</c>,
/// <see cref="ConsumesMetadataAttribute"/>, <c>[ApiController]</c> — out of each controller action's filter list, so
/// MVC's invoker no longer walks them. The invoker looks for the next filter of a stage by testing every item of the
/// action's filter list against that stage's two interfaces, at every stage of every request: on the produce action
/// 11 of its 13 items were such metadata, and those tests were ~2 % of a single-record request's CPU
/// (docs/benchmarks, session 7). ApiExplorer still sees them: the action keeps its complete list in
/// <see cref="ActionDescriptor.Properties"/> and <see cref="DescribedParametersProvider"/> describes the action with it,
/// so the OpenAPI document does not change. Endpoint metadata keeps them too: they are the action's and controller's
/// attributes, which MVC adds to the endpoint's metadata anyway (the filter list only added them a second time).
/// </summary>
/// <remarks>
/// Why not an <see cref="IFilterProvider"/> that drops them per request: with any provider besides MVC's default one,
/// MVC no longer caches an action's filter array and rebuilds it (a list, an item per filter, a context) on every
/// request. Removed are only filters that implement one of ApiExplorer's metadata interfaces and none of the
/// interfaces MVC executes (a filter factory counts as executable: what it creates is unknown here). Other
/// non-executable filters stay, since filters read them from the runtime list (<c>[AllowAnonymous]</c> for
/// <c>AuthorizeFilter</c>); on an action with a format filter nothing is removed, because the format filter reads
/// the response metadata from the runtime list. An action marked <see cref="SelfWritingResultsAttribute"/> also loses
/// the two result filters that act only on MVC's object and client-error results.
/// </remarks>
internal sealed class ApiMetadataFilters : IActionDescriptorProvider
{
    private static readonly object s_describedFiltersKey = new();

    /// <summary>After MVC's controller provider (-1000), which has built every controller action by now.</summary>
    public int Order => 0;

    /// <summary>
    /// The filter list ApiExplorer should describe <paramref name="action"/> with: the complete one when metadata
    /// filters were taken out of its runtime list, else <c>null</c>.
    /// </summary>
    public static IList<FilterDescriptor>? DescribedFilters(ActionDescriptor action) =>
        action.Properties.TryGetValue(s_describedFiltersKey, out var filters) ? (IList<FilterDescriptor>?)filters : null;

    /// <summary>Whether <paramref name="filter"/> only describes the API and MVC never executes it.</summary>
    public static bool IsMetadataOnly(IFilterMetadata filter) =>
        filter is IApiResponseMetadataProvider or IApiRequestMetadataProvider or IApiBehaviorMetadata
        && !IsExecutable(filter);

    /// <inheritdoc />
    public void OnProvidersExecuting(ActionDescriptorProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var action in context.Results)
        {
            if (action is not ControllerActionDescriptor { FilterDescriptors: { Count: > 0 } filters } controllerAction)
            {
                continue;
            }

            var selfWriting = controllerAction.MethodInfo.IsDefined(typeof(SelfWritingResultsAttribute), inherit: false);
            if (!Removable(filters, selfWriting))
            {
                continue;
            }

            var kept = new List<FilterDescriptor>(filters.Count);
            foreach (var descriptor in filters)
            {
                if (!IsMetadataOnly(descriptor.Filter) && !(selfWriting && IsForMvcResultsOnly(descriptor.Filter)))
                {
                    kept.Add(descriptor);
                }
            }

            action.Properties[s_describedFiltersKey] = filters;
            action.FilterDescriptors = kept;
        }
    }

    /// <inheritdoc />
    public void OnProvidersExecuted(ActionDescriptorProviderContext context)
    {
    }

    /// <summary>
    /// Whether <paramref name="filter"/> acts only on results a <see cref="SelfWritingResultsAttribute"/> action never
    /// returns: <c>[Produces]</c> itself (on an <see cref="ObjectResult"/>) and the factory of <c>[ApiController]</c>'s
    /// client-error filter (on an <see cref="IClientErrorActionResult"/>; the factory is internal to MVC, so it is
    /// known by name, and a test checks the produce action loses exactly these two).
    /// </summary>
    public static bool IsForMvcResultsOnly(IFilterMetadata filter) =>
        filter.GetType() == typeof(ProducesAttribute)
        || filter.GetType().FullName == "Microsoft.AspNetCore.Mvc.Infrastructure.ClientErrorResultFilterFactory";

    private static bool Removable(IList<FilterDescriptor> filters, bool selfWriting)
    {
        var any = false;
        foreach (var descriptor in filters)
        {
            if (descriptor.Filter is FormatFilterAttribute or FormatFilter)
            {
                return false;
            }

            any |= IsMetadataOnly(descriptor.Filter) || (selfWriting && IsForMvcResultsOnly(descriptor.Filter));
        }

        return any;
    }

    // The interfaces MVC's invoker runs (IAlwaysRunResultFilter and its async twin derive from the result filters).
    private static bool IsExecutable(IFilterMetadata filter) =>
        filter is IFilterFactory
            or IAuthorizationFilter or IAsyncAuthorizationFilter
            or IResourceFilter or IAsyncResourceFilter
            or IActionFilter or IAsyncActionFilter
            or IExceptionFilter or IAsyncExceptionFilter
            or IResultFilter or IAsyncResultFilter;
}
