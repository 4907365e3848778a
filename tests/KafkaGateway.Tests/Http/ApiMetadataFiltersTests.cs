using System.Reflection;
using KafkaGateway.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Authorization;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Formatters;

namespace KafkaGateway.Tests.Http;

/// <summary>
/// Which filters <see cref="ApiMetadataFilters"/> takes out of an action's runtime filter list. The gateway's real
/// actions, their runtime filters and the unchanged OpenAPI document are checked end to end by
/// <c>ApiMetadataFiltersTests</c> in the integration tests.
/// </summary>
public sealed class ApiMetadataFiltersTests
{
    [Fact]
    public void IsMetadataOnly_ApiExplorerMetadata_True()
    {
        Assert.True(ApiMetadataFilters.IsMetadataOnly(new ProducesResponseTypeAttribute(404)));
        Assert.True(ApiMetadataFilters.IsMetadataOnly(new ProducesResponseTypeAttribute<ProblemDetails>(422)));
        Assert.True(ApiMetadataFilters.IsMetadataOnly(new ProducesDefaultResponseTypeAttribute()));
        Assert.True(ApiMetadataFilters.IsMetadataOnly(new ConsumesMetadataAttribute("application/json")));
        Assert.True(ApiMetadataFilters.IsMetadataOnly(new ApiControllerAttribute()));
    }

    [Fact]
    public void IsMetadataOnly_MetadataThatMvcAlsoExecutes_False()
    {
        // [Produces] is a result filter, [Consumes] a resource filter: both describe the API and run.
        Assert.False(ApiMetadataFilters.IsMetadataOnly(new ProducesAttribute("application/json")));
        Assert.False(ApiMetadataFilters.IsMetadataOnly(new ConsumesAttribute("application/json")));
        // A factory's product is not known before a request, so a factory counts as executable.
        Assert.False(ApiMetadataFilters.IsMetadataOnly(new DescribingFilterFactory()));
    }

    [Fact]
    public void IsMetadataOnly_OtherNonExecutableFilters_False()
    {
        // Read from the runtime list by other filters (AuthorizeFilter looks for IAllowAnonymousFilter): kept.
        Assert.False(ApiMetadataFilters.IsMetadataOnly(new AllowAnonymousFilter()));
        Assert.False(ApiMetadataFilters.IsMetadataOnly(new PlainMetadata()));
    }

    [Fact]
    public void OnProvidersExecuting_MixedFilters_KeepsTheOthersInOrderAndRemembersTheDeclaredList()
    {
        var produces = new ProducesAttribute("application/json");
        var authorize = new AuthorizeFilter();
        var anonymous = new AllowAnonymousFilter();
        var action = Action(
            new FilterDescriptor(new ProducesResponseTypeAttribute(200), FilterScope.Action),
            new FilterDescriptor(authorize, FilterScope.Action),
            new FilterDescriptor(new ConsumesMetadataAttribute("application/json"), FilterScope.Action),
            new FilterDescriptor(anonymous, FilterScope.Action),
            new FilterDescriptor(new ApiControllerAttribute(), FilterScope.Controller),
            new FilterDescriptor(produces, FilterScope.Controller));
        var declared = action.FilterDescriptors;

        Run(action);

        Assert.Equal([authorize, anonymous, produces], action.FilterDescriptors.Select(d => d.Filter));
        Assert.Same(declared, ApiMetadataFilters.DescribedFilters(action));
    }

    [Fact]
    public void OnProvidersExecuting_NoMetadataOnlyFilter_LeavesTheActionAlone()
    {
        var action = Action(new FilterDescriptor(new ProducesAttribute("application/json"), FilterScope.Controller));
        var declared = action.FilterDescriptors;

        Run(action);

        Assert.Same(declared, action.FilterDescriptors);
        Assert.Null(ApiMetadataFilters.DescribedFilters(action));
    }

    [Fact]
    public void OnProvidersExecuting_ActionWithFormatFilter_KeepsEverything()
    {
        // The format filter reads the response metadata from the runtime list at every request.
        var action = Action(
            new FilterDescriptor(new ProducesResponseTypeAttribute(200), FilterScope.Action),
            new FilterDescriptor(new FormatFilterAttribute(), FilterScope.Action));
        var declared = action.FilterDescriptors.ToList();

        Run(action);

        Assert.Equal(declared, action.FilterDescriptors);
        Assert.Null(ApiMetadataFilters.DescribedFilters(action));
    }

    [Fact]
    public void OnProvidersExecuting_SelfWritingResultsAction_AlsoLosesProducesOnly_AndOtherResultFiltersStay()
    {
        var produces = new ProducesAttribute("application/json");
        var other = new RecordingResultFilter();
        var action = Action(
            new FilterDescriptor(produces, FilterScope.Controller),
            new FilterDescriptor(other, FilterScope.Global));
        action.MethodInfo = typeof(ApiMetadataFiltersTests).GetMethod(nameof(SelfWriting), BindingFlags.NonPublic | BindingFlags.Static)!;
        var declared = action.FilterDescriptors;

        Run(action);

        Assert.Equal([other], action.FilterDescriptors.Select(d => d.Filter));
        Assert.Same(declared, ApiMetadataFilters.DescribedFilters(action));
        // Unmarked, the same list is left alone ([Produces] runs for object results).
        var unmarked = Action(new FilterDescriptor(produces, FilterScope.Controller), new FilterDescriptor(other, FilterScope.Global));
        Run(unmarked);
        Assert.Equal([produces, other], unmarked.FilterDescriptors.Select(d => d.Filter));
    }

    [Fact]
    public void IsForMvcResultsOnly_ProducesExactlyAndTheClientErrorFactory_True()
    {
        var clientErrors = typeof(ControllerBase).Assembly.GetType("Microsoft.AspNetCore.Mvc.Infrastructure.ClientErrorResultFilterFactory", throwOnError: true)!;

        Assert.True(ApiMetadataFilters.IsForMvcResultsOnly(new ProducesAttribute("application/json")));
        Assert.True(ApiMetadataFilters.IsForMvcResultsOnly((IFilterMetadata)Activator.CreateInstance(clientErrors)!));
        Assert.False(ApiMetadataFilters.IsForMvcResultsOnly(new DerivedProduces()));
        Assert.False(ApiMetadataFilters.IsForMvcResultsOnly(new RecordingResultFilter()));
    }

    [SelfWritingResults]
    private static void SelfWriting()
    {
    }

    private static ControllerActionDescriptor Action(params FilterDescriptor[] filters) => new()
    {
        MethodInfo = typeof(ApiMetadataFiltersTests).GetMethod(nameof(Action), BindingFlags.NonPublic | BindingFlags.Static)!,
        ControllerTypeInfo = typeof(ApiMetadataFiltersTests).GetTypeInfo(),
        FilterDescriptors = [.. filters],
    };

    private static void Run(ActionDescriptor action)
    {
        var context = new ActionDescriptorProviderContext();
        context.Results.Add(action);
        new ApiMetadataFilters().OnProvidersExecuting(context);
    }

    private sealed class PlainMetadata : IFilterMetadata;

    private sealed class DerivedProduces() : ProducesAttribute("application/json");

    private sealed class RecordingResultFilter : IResultFilter
    {
        public void OnResultExecuting(ResultExecutingContext context)
        {
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
        }
    }

    private sealed class DescribingFilterFactory : IFilterFactory, IApiResponseMetadataProvider
    {
        public bool IsReusable => true;

        public Type? Type => null;

        public int StatusCode => 200;

        public IFilterMetadata CreateInstance(IServiceProvider serviceProvider) => new PlainMetadata();

        public void SetContentTypes(MediaTypeCollection contentTypes)
        {
        }
    }
}
