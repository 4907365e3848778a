using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Http;

/// <summary>
/// On an action without parameters that reads its request itself: names a static method of the same controller whose
/// parameters (binding attributes, XML <c>param</c> docs) describe that request. ApiExplorer, and so the OpenAPI
/// document and Swagger UI, show them as if they were the action's own. An action with parameters pays MVC's model
/// binding on every request (binding contexts, value providers, model state, an argument dictionary); for the
/// single-record produce route that was the largest MVC cost in the allocation profile (docs/benchmarks, session 5).
/// </summary>
/// <param name="methodName">The describing method (<c>nameof</c>); it is never called.</param>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ParametersDescribedByAttribute(string methodName) : Attribute
{
    /// <summary>The describing method's name.</summary>
    public string MethodName { get; } = methodName;
}

/// <summary>
/// Describes actions marked <see cref="ParametersDescribedByAttribute"/>, and actions whose metadata-only filters
/// <see cref="ApiMetadataFilters"/> took out of the runtime filter list, with MVC's own description provider, run on
/// a copy of the action whose parameters are the describing method's and whose filters are the declared ones, so the
/// description is the one MVC would give the action had it those parameters and filters; the copy's description then
/// replaces the action's. Also gives an action marked
/// <see cref="ConsumesMetadataAttribute"/> exactly its media types as request formats: Swashbuckle takes the request body's
/// media types from a <c>[Consumes]</c> attribute itself and from ApiExplorer's formats (every input formatter type the
/// declared one matches) only without one, so this keeps the document what it was with <c>[Consumes]</c>.
/// </summary>
internal sealed class DescribedParametersProvider(
    IOptions<MvcOptions> mvcOptions,
    IInlineConstraintResolver constraintResolver,
    IModelMetadataProvider metadataProvider,
    IActionResultTypeMapper resultTypeMapper,
    IOptions<RouteOptions> routeOptions) : IApiDescriptionProvider
{
    private readonly DefaultApiDescriptionProvider _describer = new(mvcOptions, constraintResolver, metadataProvider, resultTypeMapper, routeOptions);

    /// <summary>After MVC's provider (-1000), which has described every action by now.</summary>
    public int Order => 0;

    /// <inheritdoc />
    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        for (var i = 0; i < context.Results.Count; i++)
        {
            if (context.Results[i].ActionDescriptor is not ControllerActionDescriptor action)
            {
                continue;
            }

            var described = action.MethodInfo.GetCustomAttribute<ParametersDescribedByAttribute>();
            var filters = ApiMetadataFilters.DescribedFilters(action);
            if (described is null && filters is null)
            {
                continue;
            }

            var inner = new ApiDescriptionProviderContext([DescribedCopy(
                action,
                described is null ? null : DescribingMethod(action, described.MethodName),
                filters ?? action.FilterDescriptors)]);
            _describer.OnProvidersExecuting(inner);
            var description = inner.Results.Single(d => string.Equals(d.HttpMethod, context.Results[i].HttpMethod, StringComparison.Ordinal));
            description.ActionDescriptor = action;
            context.Results[i] = description;
        }

        foreach (var description in context.Results)
        {
            if (description.ActionDescriptor is ControllerActionDescriptor action
                && action.MethodInfo.GetCustomAttribute<ConsumesMetadataAttribute>() is { } consumes)
            {
                RestrictRequestFormats(description, consumes.ContentTypes);
            }
        }
    }

    private static void RestrictRequestFormats(ApiDescription description, IReadOnlyList<string> contentTypes)
    {
        var formats = description.SupportedRequestFormats;
        var kept = new List<ApiRequestFormat>();
        foreach (var contentType in contentTypes)
        {
            kept.Add(formats.FirstOrDefault(f => string.Equals(f.MediaType, contentType, StringComparison.OrdinalIgnoreCase))
                ?? new ApiRequestFormat { MediaType = contentType });
        }

        formats.Clear();
        foreach (var format in kept)
        {
            formats.Add(format);
        }
    }

    /// <inheritdoc />
    public void OnProvidersExecuted(ApiDescriptionProviderContext context)
    {
    }

    private static MethodInfo DescribingMethod(ControllerActionDescriptor action, string name) =>
        action.ControllerTypeInfo.GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new InvalidOperationException($"{action.DisplayName}: [ParametersDescribedBy] names no static method '{name}'.");

    /// <summary>
    /// A copy of <paramref name="action"/> as ApiExplorer should see it: with the parameters of the describing method
    /// (when there is one) and with the filters the action was declared with, metadata-only ones included (see
    /// <see cref="ApiMetadataFilters"/>).
    /// </summary>
    private ControllerActionDescriptor DescribedCopy(ControllerActionDescriptor action, MethodInfo? describing, IList<Microsoft.AspNetCore.Mvc.Filters.FilterDescriptor> filters) => new()
    {
        ActionName = action.ActionName,
        ControllerName = action.ControllerName,
        ControllerTypeInfo = action.ControllerTypeInfo,
        MethodInfo = action.MethodInfo,
        AttributeRouteInfo = action.AttributeRouteInfo,
        ActionConstraints = action.ActionConstraints,
        EndpointMetadata = action.EndpointMetadata,
        FilterDescriptors = filters,
        Properties = action.Properties,
        RouteValues = action.RouteValues,
        DisplayName = action.DisplayName,
        BoundProperties = action.BoundProperties,
        Parameters = describing is null ? action.Parameters : [.. describing.GetParameters().Select(parameter => (Microsoft.AspNetCore.Mvc.Abstractions.ParameterDescriptor)new ControllerParameterDescriptor
        {
            Name = parameter.Name!,
            ParameterType = parameter.ParameterType,
            ParameterInfo = parameter,
            BindingInfo = BindingInfo.GetBindingInfo(parameter.GetCustomAttributes(), metadataProvider is ModelMetadataProvider provider
                ? provider.GetMetadataForParameter(parameter)
                : metadataProvider.GetMetadataForType(parameter.ParameterType)),
        })],
    };
}
