using System.Net;
using System.Reflection;
using KafkaGateway.Http;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Producing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Foundation;

/// <summary>
/// The gateway's real MVC set-up with <see cref="RootControllerActivation"/>: the produce controller is built without
/// a request service scope, every controller built from the root provider really takes only singletons (each of its
/// dependencies is one instance in the root and in any two scopes), and every other one has a dependency of its own
/// per scope.
/// </summary>
public sealed class RootControllerActivationTests(GatewayClusterFixture cluster) : IClassFixture<GatewayClusterFixture>
{
    [Fact]
    public void ActivatesFromRoot_GatewayControllers_ExactlyThoseWhoseDependenciesAreTheSameInstanceInEveryScope()
    {
        var services = cluster.Gateway.Services;
        var activation = Assert.IsType<RootControllerActivation>(services.GetRequiredService<IControllerActivatorProvider>());
        var controllers = services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<ControllerActionDescriptor>().Select(a => a.ControllerTypeInfo.AsType()).Distinct().ToArray();

        Assert.True(activation.ActivatesFromRoot(typeof(ProduceController)));
        // Some gateway controllers take scoped services (FluentValidation registers validators as scoped).
        Assert.Contains(controllers, c => !activation.ActivatesFromRoot(c));
        Assert.Contains(controllers, c => c == typeof(ProduceController));
        using var one = services.CreateScope();
        using var two = services.CreateScope();
        Assert.All(controllers.Where(activation.ActivatesFromRoot), controller =>
        {
            foreach (var parameter in Assert.Single(controller.GetConstructors(BindingFlags.Public | BindingFlags.Instance)).GetParameters())
            {
                var fromRoot = services.GetRequiredService(parameter.ParameterType);
                Assert.Same(fromRoot, one.ServiceProvider.GetRequiredService(parameter.ParameterType));
                Assert.Same(fromRoot, two.ServiceProvider.GetRequiredService(parameter.ParameterType));
            }
        });
        // And none is left on the request scope needlessly: each of the others has a dependency that differs per scope.
        Assert.All(controllers.Where(c => !activation.ActivatesFromRoot(c)), controller =>
            Assert.Contains(Assert.Single(controller.GetConstructors(BindingFlags.Public | BindingFlags.Instance)).GetParameters(),
                parameter => !ReferenceEquals(one.ServiceProvider.GetService(parameter.ParameterType), two.ServiceProvider.GetService(parameter.ParameterType))));
    }

    [Fact]
    public async Task Produce_AfterTheFirstRequest_AnswersWithoutCreatingARequestServiceScope()
    {
        // A global result filter looks at the request's features after the answer was written.
        var recorder = new ScopeRecorder();
        await using var gateway = GatewayFactory.For(cluster).WithWebHostBuilder(builder => builder.ConfigureTestServices(
            services => services.Configure<MvcOptions>(options => options.Filters.Add(recorder))));
        using var client = gateway.CreateClient();
        var topic = cluster.CreateTopic(partitions: 1);
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
                Producing.ProduceTests.Json("""{"value": {"id": "s-1", "timestamp": 1732270000000, "value": 21.5}}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The first request of an action builds MVC's filter cache from the request's services; later ones do not.
        var scopes = recorder.Produce;
        Assert.Equal(3, scopes.Count);
        Assert.Equal([false, false], scopes.Skip(1));
    }

    /// <summary>Records, per produce request, whether the request's service scope exists once the answer is written.</summary>
    private sealed class ScopeRecorder : IResultFilter
    {
        private readonly List<bool> _produce = [];

        public IReadOnlyList<bool> Produce
        {
            get
            {
                lock (_produce)
                {
                    return [.. _produce];
                }
            }
        }

        public void OnResultExecuting(ResultExecutingContext context)
        {
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
            if (context.Controller is ProduceController)
            {
                lock (_produce)
                {
                    _produce.Add(context.HttpContext.Features.Get<IServiceProvidersFeature>() is not null);
                }
            }
        }
    }
}
