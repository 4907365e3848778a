using KafkaGateway.Http;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>Where the model-state filters end up in the gateway's real MVC set-up (<see cref="ModelStateFilters"/>).</summary>
public sealed class ModelStateFiltersTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Filters_ActionBindingNothing_HasNoActionFilters_BindingActionsKeepBoth()
    {
        await using var gateway = GatewayFactory.For(cluster);
        var actions = gateway.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<ControllerActionDescriptor>().ToArray();

        var produce = Assert.Single(actions, a => a.ControllerName == "Produce" && a.ActionName == "Produce");
        var binding = actions.Where(a => a.Parameters.Any(p => p.BindingInfo?.BindingSource == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body)).ToArray();

        Assert.Empty(produce.Parameters);
        Assert.DoesNotContain(produce.FilterDescriptors, f => f.Filter is IActionFilter or IAsyncActionFilter || IsModelStateInvalidFilter(f.Filter));
        Assert.NotEmpty(binding);
        Assert.All(binding, action =>
        {
            Assert.Single(action.FilterDescriptors, f => f.Filter is Microsoft.AspNetCore.Mvc.ModelBinding.UnsupportedContentTypeFilter);
            if (action.ControllerTypeInfo.IsDefined(typeof(ApiControllerAttribute), inherit: true))
            {
                Assert.Single(action.FilterDescriptors, f => IsModelStateInvalidFilter(f.Filter));
            }
        });
    }

    private static bool IsModelStateInvalidFilter(IFilterMetadata filter) =>
        filter.GetType().FullName == ModelStateFilters.ModelStateInvalidFilterFactoryName;
}
