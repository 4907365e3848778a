using System.Net;
using KafkaGateway.Http;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>
/// The gateway's real MVC set-up with <see cref="ApiMetadataFilters"/>: API-description metadata is out of every
/// action's runtime filter list, the executable filters are all there in their order, and the OpenAPI document and
/// the endpoints' metadata are what they are without the removal.
/// </summary>
public sealed class ApiMetadataFiltersTests(GatewayClusterFixture cluster) : IClassFixture<GatewayClusterFixture>
{
    [Fact]
    public void FilterDescriptors_EveryAction_HoldTheDeclaredFiltersWithoutTheMetadataOnlyOnesInOrder()
    {
        var actions = Actions(cluster.Gateway.Services);
        var produce = Assert.Single(actions, a => a.ControllerName == "Produce" && a.ActionName == "Produce");

        Assert.NotEmpty(actions);
        Assert.All(actions, action =>
        {
            var declared = ApiMetadataFilters.DescribedFilters(action) ?? action.FilterDescriptors;
            Assert.DoesNotContain(action.FilterDescriptors, d => ApiMetadataFilters.IsMetadataOnly(d.Filter));
            var selfWriting = action.MethodInfo.IsDefined(typeof(SelfWritingResultsAttribute), inherit: false);
            Assert.Equal(
                declared.Where(d => !ApiMetadataFilters.IsMetadataOnly(d.Filter) && !(selfWriting && ApiMetadataFilters.IsForMvcResultsOnly(d.Filter)))
                    .Select(d => d.Filter),
                action.FilterDescriptors.Select(d => d.Filter),
                ReferenceEqualityComparer.Instance);
        });
        // The produce action was declared with its response types, [ConsumesMetadata], [ApiController] and [Produces];
        // its results write themselves (SelfWritingResults), so the two result filters MVC would run for it
        // ([Produces], [ApiController]'s client-error filter) are out of its runtime list too: nothing is left.
        var declaredProduce = ApiMetadataFilters.DescribedFilters(produce);
        Assert.NotNull(declaredProduce);
        Assert.True(declaredProduce.Count(d => d.Filter is ProducesResponseTypeAttribute) >= 9);
        Assert.Contains(declaredProduce, d => d.Filter is ApiControllerAttribute);
        Assert.Contains(declaredProduce, d => d.Filter is ConsumesMetadataAttribute);
        Assert.Single(declaredProduce, d => d.Filter is ProducesAttribute);
        Assert.Single(declaredProduce, d => d.Filter.GetType().Name == "ClientErrorResultFilterFactory");
        Assert.Empty(produce.FilterDescriptors);
        // Every other action keeps them (none of them is marked).
        Assert.Contains(actions, a => a.FilterDescriptors.Any(d => d.Filter.GetType().Name == "ClientErrorResultFilterFactory"));
    }

    [Fact]
    public async Task RuntimeFilters_ProduceRequest_AreTheActionsExecutableFiltersInTheirOrder()
    {
        // A global result filter sees the invoker's runtime filter list (context.Filters) of a real request.
        var recorder = new FilterListRecorder();
        await using var gateway = GatewayFactory.For(cluster).WithWebHostBuilder(builder => builder.ConfigureTestServices(
            services => services.Configure<MvcOptions>(options => options.Filters.Add(recorder))));
        using var client = gateway.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        var produce = Assert.Single(Actions(gateway.Services), a => a.ControllerName == "Produce" && a.ActionName == "Produce");

        using var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Producing.ProduceTests.Json("""{"value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The answer declares its length (JsonAnswer) and keeps MVC's content type.
        Assert.Equal((await response.Content.ReadAsByteArrayAsync()).Length, response.Content.Headers.ContentLength);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var filters = Assert.Single(recorder.Lists, l => l.Action == produce).Filters;
        Assert.DoesNotContain(filters, ApiMetadataFilters.IsMetadataOnly);
        Assert.Equal(produce.FilterDescriptors.Count, filters.Count);
        // The produce action's results write themselves: only the test's global filter is left to run.
        Assert.Same(recorder, Assert.Single(filters));
    }

    [Fact]
    public async Task SwaggerDocument_WithAndWithoutTheRemoval_IsTheSameDocument()
    {
        await using var without = GatewayFactory.For(cluster).WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            var registration = Assert.Single(services, s => s.ImplementationType == typeof(ApiMetadataFilters));
            services.Remove(registration);
        }));
        using var withClient = cluster.Gateway.CreateClient();
        using var withoutClient = without.CreateClient();
        // Precondition: the removal is really off in the second gateway.
        Assert.Contains(Actions(without.Services).SelectMany(a => a.FilterDescriptors), d => d.Filter is ProducesResponseTypeAttribute);
        Assert.DoesNotContain(Actions(cluster.Gateway.Services).SelectMany(a => a.FilterDescriptors), d => d.Filter is ProducesResponseTypeAttribute);

        var withDocument = await withClient.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        var withoutDocument = await withoutClient.GetStringAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        Assert.Contains("\"422\"", withDocument, StringComparison.Ordinal);
        Assert.Equal(withoutDocument, withDocument);
    }

    [Fact]
    public void ApiExplorer_EveryAction_DescribesEveryResponseTypeItDeclares()
    {
        var descriptions = cluster.Gateway.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>()
            .ApiDescriptionGroups.Items.SelectMany(g => g.Items).ToArray();

        Assert.NotEmpty(descriptions);
        Assert.All(descriptions.Where(d => d.ActionDescriptor is ControllerActionDescriptor), description =>
        {
            var action = (ControllerActionDescriptor)description.ActionDescriptor;
            var declared = action.MethodInfo.GetCustomAttributes(typeof(ProducesResponseTypeAttribute), inherit: true)
                .Concat(action.ControllerTypeInfo.GetCustomAttributes(typeof(ProducesResponseTypeAttribute), inherit: true))
                .Cast<ProducesResponseTypeAttribute>().Select(a => a.StatusCode).Distinct();
            Assert.Superset(declared.ToHashSet(), description.SupportedResponseTypes.Select(r => r.StatusCode).ToHashSet());
        });
        var produce = Assert.Single(descriptions, d => d.ActionDescriptor is ControllerActionDescriptor { ControllerName: "Produce", ActionName: "Produce" });
        Assert.Equal(["application/json"], produce.SupportedRequestFormats.Select(f => f.MediaType));
        Assert.Equal(
            [200, 403, 404, 409, 413, 422, 500, 503, 504],
            produce.SupportedResponseTypes.Select(r => r.StatusCode).Order());
    }

    [Fact]
    public void EndpointMetadata_EveryRemovedFilter_IsStillOnItsEndpoint()
    {
        var endpoints = cluster.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var checkedAny = false;

        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ControllerActionDescriptor>() is not { } action
                || ApiMetadataFilters.DescribedFilters(action) is not { } declared)
            {
                continue;
            }

            foreach (var removed in declared.Select(d => d.Filter).Where(ApiMetadataFilters.IsMetadataOnly))
            {
                Assert.Contains(removed, endpoint.Metadata);
                checkedAny = true;
            }

            if (declared.Any(d => d.Filter is IApiBehaviorMetadata))
            {
                // What ProblemDetails writing asks the endpoint ([ApiController] answers).
                Assert.NotNull(endpoint.Metadata.GetMetadata<IApiBehaviorMetadata>());
            }
        }

        Assert.True(checkedAny);
    }

    private static ControllerActionDescriptor[] Actions(IServiceProvider services) =>
        services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items.OfType<ControllerActionDescriptor>().ToArray();

    /// <summary>Records each request's runtime filter list; a result filter of its own, so it runs on every action.</summary>
    private sealed class FilterListRecorder : IResultFilter
    {
        private readonly List<(ActionDescriptor Action, List<IFilterMetadata> Filters)> _lists = [];

        public IReadOnlyList<(ActionDescriptor Action, List<IFilterMetadata> Filters)> Lists
        {
            get
            {
                lock (_lists)
                {
                    return [.. _lists];
                }
            }
        }

        public void OnResultExecuting(ResultExecutingContext context)
        {
            lock (_lists)
            {
                _lists.Add((context.ActionDescriptor, [.. context.Filters]));
            }
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
        }
    }
}
