using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace KafkaGateway.Http;

/// <summary>
/// The two action filters that act on model-state errors — MVC's <see cref="UnsupportedContentTypeFilter"/> (415 for a
/// body no input formatter reads) and <c>[ApiController]</c>'s model-state-invalid filter (the 400 of
/// <c>InvalidModelStateResponseFactory</c>) — only on actions that bind something. An action without parameters or
/// bound properties (the produce action reads its request itself) never has a model-state error, so on it they only
/// cost MVC's action-filter stage on every request: the executing/executed contexts and an async frame (~300 B per
/// single-record request, docs/benchmarks session 6). Actions that bind keep both, in the same order.
/// </summary>
internal sealed class ModelStateFilters : IApplicationModelProvider
{
    /// <summary>The framework's internal factory of the model-state-invalid filter, added per action by [ApiController].</summary>
    internal const string ModelStateInvalidFilterFactoryName = "Microsoft.AspNetCore.Mvc.Infrastructure.ModelStateInvalidFilterFactory";

    /// <summary>After the framework's providers (the API-behaviour provider adds its filter at -1000 + 100).</summary>
    public int Order => 1000;

    /// <summary>Takes the global 415 filter out of <paramref name="options"/>: it is added per action instead.</summary>
    public static void Configure(MvcOptions options)
    {
        for (var i = options.Filters.Count - 1; i >= 0; i--)
        {
            if (options.Filters[i] is UnsupportedContentTypeFilter)
            {
                options.Filters.RemoveAt(i);
            }
        }
    }

    public void OnProvidersExecuting(ApplicationModelProviderContext context)
    {
    }

    public void OnProvidersExecuted(ApplicationModelProviderContext context)
    {
        foreach (var controller in context.Result.Controllers)
        {
            var controllerBinds = controller.ControllerProperties.Any(property => property.BindingInfo is not null);
            foreach (var action in controller.Actions)
            {
                if (controllerBinds || action.Parameters.Count > 0)
                {
                    action.Filters.Add(new UnsupportedContentTypeFilter());
                }
                else
                {
                    RemoveModelStateInvalidFilter(action.Filters);
                }
            }
        }
    }

    private static void RemoveModelStateInvalidFilter(IList<IFilterMetadata> filters)
    {
        for (var i = filters.Count - 1; i >= 0; i--)
        {
            if (filters[i].GetType().FullName == ModelStateInvalidFilterFactoryName)
            {
                filters.RemoveAt(i);
            }
        }
    }
}
