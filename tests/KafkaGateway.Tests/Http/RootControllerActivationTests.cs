using System.Reflection;
using KafkaGateway.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Http;

/// <summary>
/// <see cref="RootControllerActivation"/> over MVC's real activator registrations: controllers that take only
/// singletons are built without reading <c>HttpContext.RequestServices</c> (no request scope), every other controller
/// from the request's scope as MVC does it. The gateway's own controllers are checked by the integration tests
/// (<c>RootControllerActivationTests</c> there).
/// </summary>
public sealed class RootControllerActivationTests
{
    [Fact]
    public void CreateActivator_OnlySingletonDependencies_BuildsTheControllerWithoutARequestScope()
    {
        using var root = Services();
        var activation = Activation(root);
        var context = RequestWithScopeFactory(root);

        var controller = (OnlySingletonsController)activation.CreateActivator(Descriptor<OnlySingletonsController>())(context);

        Assert.Same(root.GetRequiredService<SingletonDependency>(), controller.Dependency);
        Assert.Same(root.GetRequiredService<IOptions<MvcOptions>>(), controller.Options);
        Assert.Null(context.HttpContext.Features.Get<IServiceProvidersFeature>());
        // The judge: MVC's provider reads RequestServices for the same controller, which creates the request scope.
        var framework = new ControllerActivatorProvider(root.GetRequiredService<IControllerActivator>());
        var judged = RequestWithScopeFactory(root);
        var built = (OnlySingletonsController)framework.CreateActivator(Descriptor<OnlySingletonsController>())(judged);
        Assert.Same(controller.Dependency, built.Dependency);
        Assert.NotNull(judged.HttpContext.Features.Get<IServiceProvidersFeature>());
    }

    [Fact]
    public void CreateActivator_SingletonsOrSingletonEnumerable_EveryRequestGetsTheRootsInstancesWithoutAScope()
    {
        using var root = Services();
        var activation = Activation(root);
        var first = RequestWithScopeFactory(root);
        var second = RequestWithScopeFactory(root);
        var parts = RequestWithScopeFactory(root);

        var one = (OnlySingletonsController)activation.CreateActivator(Descriptor<OnlySingletonsController>())(first);
        var two = (OnlySingletonsController)activation.CreateActivator(Descriptor<OnlySingletonsController>())(second);
        var withParts = (SingletonEnumerableController)activation.CreateActivator(Descriptor<SingletonEnumerableController>())(parts);

        Assert.NotSame(one, two);
        Assert.Same(one.Dependency, two.Dependency);
        Assert.Same(root.GetRequiredService<ILogger<OnlySingletonsController>>(), two.Logger);
        Assert.Equal(root.GetServices<IPart>(), withParts.Parts);
        Assert.All(new[] { first, second, parts }, c => Assert.Null(c.HttpContext.Features.Get<IServiceProvidersFeature>()));
    }

    [Fact]
    public async Task CreateActivator_ScopedDependency_EachRequestGetsItsScopesInstanceDisposedWithTheScope()
    {
        await using var root = Services();
        var activate = Activation(root).CreateActivator(Descriptor<ScopedDependencyController>());
        var first = RequestWithScopeFactory(root);
        var second = RequestWithScopeFactory(root);

        var one = (ScopedDependencyController)activate(first);
        var two = (ScopedDependencyController)activate(second);

        Assert.NotSame(one.Scoped, two.Scoped);
        Assert.Same(first.HttpContext.RequestServices.GetRequiredService<ScopedDependency>(), one.Scoped);
        Assert.Same(second.HttpContext.RequestServices.GetRequiredService<ScopedDependency>(), two.Scoped);
        Assert.Same(root.GetRequiredService<SingletonDependency>(), one.Singleton);
        // The request's scope goes when the request does (hosting disposes the feature), and its instance with it.
        await ((IAsyncDisposable)first.HttpContext.Features.Get<IServiceProvidersFeature>()!).DisposeAsync();
        Assert.True(one.Scoped.Disposed);
        Assert.False(two.Scoped.Disposed);
    }

    [Fact]
    public async Task CreateActivator_TransientDisposableDependency_ComesFromTheRequestScopeAndGoesWithIt()
    {
        await using var root = Services();
        var context = RequestWithScopeFactory(root);

        var controller = (TransientDependencyController)Activation(root).CreateActivator(Descriptor<TransientDependencyController>())(context);

        // From the root it would live (tracked by the root provider) until the application stops.
        await ((IAsyncDisposable)context.HttpContext.Features.Get<IServiceProvidersFeature>()!).DisposeAsync();
        Assert.True(controller.Transient.Disposed);
    }

    [Fact]
    public void ActivatesFromRoot_CustomControllerActivator_LeavesEveryControllerToMvc()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddControllers();
        services.AddSingleton<SingletonDependency>();
        services.Replace(ServiceDescriptor.Singleton<IControllerActivator, CustomActivator>());
        using var root = services.BuildServiceProvider();

        var activation = new RootControllerActivation(root.GetRequiredService<IControllerActivator>(), root, new ControllerDependencyLifetimes(services));

        Assert.False(activation.ActivatesFromRoot(typeof(OnlySingletonsController)));
        Assert.Same(CustomActivator.Built, activation.CreateActivator(Descriptor<OnlySingletonsController>())(RequestWithScopeFactory(root)));
    }

    [Fact]
    public void CreateReleaser_DisposableController_IsMvcsReleaser()
    {
        using var root = Services();
        var activation = Activation(root);
        var context = RequestWithScopeFactory(root);
        var controller = (DisposableController)activation.CreateActivator(Descriptor<DisposableController>())(context);

        activation.CreateReleaser(Descriptor<DisposableController>())!(context, controller);

        Assert.True(activation.ActivatesFromRoot(typeof(DisposableController)));
        Assert.True(controller.Disposed);
        Assert.NotNull(activation.CreateAsyncReleaser(Descriptor<DisposableController>()));
        Assert.Null(activation.CreateReleaser(Descriptor<OnlySingletonsController>()));
    }

    [Theory]
    [InlineData(typeof(OnlySingletonsController), true)]
    [InlineData(typeof(DisposableController), true)]
    [InlineData(typeof(ScopedDependencyController), false)]
    [InlineData(typeof(TransientDependencyController), false)]
    [InlineData(typeof(ServiceProviderController), false)]
    [InlineData(typeof(UnregisteredDefaultController), false)]
    [InlineData(typeof(KeyedDependencyController), false)]
    [InlineData(typeof(TwoConstructorsController), false)]
    [InlineData(typeof(OptionsSnapshotController), false)]
    [InlineData(typeof(SingletonEnumerableController), true)]
    [InlineData(typeof(MixedEnumerableController), false)]
    [InlineData(typeof(ReRegisteredAsScopedController), false)]
    [InlineData(typeof(ReRegisteredAsSingletonController), true)]
    public void TakesOnlySingletons_Controller_DecidedByTheRegistrationTheProviderUses(Type controller, bool expected)
    {
        var services = Registrations();

        Assert.Equal(expected, new ControllerDependencyLifetimes(services).TakesOnlySingletons(controller));
    }

    private static ServiceCollection Registrations()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddControllers();
        services.AddSingleton<SingletonDependency>();
        services.AddScoped<ScopedDependency>();
        services.AddTransient<TransientDependency>();
        services.AddKeyedSingleton<SingletonDependency>("key");
        services.AddSingleton<IPart, PartA>();
        services.AddSingleton<IPart, PartB>();
        services.AddSingleton<IMixedPart, MixedA>();
        services.AddScoped<IMixedPart, MixedB>();
        // The provider uses the last registration.
        services.AddSingleton<ReRegistered>();
        services.AddScoped<ReRegistered>();
        services.AddScoped<ReRegisteredBack>();
        services.AddSingleton<ReRegisteredBack>();
        return services;
    }

    private static ServiceProvider Services() =>
        Registrations().BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

    private static RootControllerActivation Activation(ServiceProvider root) =>
        new(root.GetRequiredService<IControllerActivator>(), root, new ControllerDependencyLifetimes(Registrations()));

    private static ControllerContext RequestWithScopeFactory(IServiceProvider root) =>
        new() { HttpContext = new DefaultHttpContext { ServiceScopeFactory = root.GetRequiredService<IServiceScopeFactory>() } };

    private static ControllerActionDescriptor Descriptor<T>() => new() { ControllerTypeInfo = typeof(T).GetTypeInfo() };

    public sealed class SingletonDependency;

    public sealed class ScopedDependency : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public sealed class TransientDependency : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public interface IPart;

    public sealed class PartA : IPart;

    public sealed class PartB : IPart;

    public interface IMixedPart;

    public sealed class MixedA : IMixedPart;

    public sealed class MixedB : IMixedPart;

    public sealed class ReRegistered;

    public sealed class ReRegisteredBack;

    public sealed class OnlySingletonsController(SingletonDependency dependency, IOptions<MvcOptions> options, ILogger<OnlySingletonsController> logger) : ControllerBase
    {
        public SingletonDependency Dependency { get; } = dependency;

        public IOptions<MvcOptions> Options { get; } = options;

        public ILogger Logger { get; } = logger;
    }

    public sealed class ScopedDependencyController(SingletonDependency singleton, ScopedDependency scoped) : ControllerBase
    {
        public SingletonDependency Singleton { get; } = singleton;

        public ScopedDependency Scoped { get; } = scoped;
    }

    public sealed class TransientDependencyController(TransientDependency transient) : ControllerBase
    {
        public TransientDependency Transient { get; } = transient;
    }

    public sealed class DisposableController(SingletonDependency dependency) : ControllerBase, IDisposable
    {
        public SingletonDependency Dependency { get; } = dependency;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    public sealed class ServiceProviderController(IServiceProvider services) : ControllerBase
    {
        public IServiceProvider Services { get; } = services;
    }

    public sealed class UnregisteredDefaultController(SingletonDependency dependency, string? name = null) : ControllerBase
    {
        public string? Name { get; } = name ?? dependency.ToString();
    }

    public sealed class KeyedDependencyController([FromKeyedServices("key")] SingletonDependency dependency) : ControllerBase
    {
        public SingletonDependency Dependency { get; } = dependency;
    }

    public sealed class TwoConstructorsController : ControllerBase
    {
        public TwoConstructorsController(SingletonDependency dependency) => Dependency = dependency;

        public TwoConstructorsController() => Dependency = new SingletonDependency();

        public SingletonDependency Dependency { get; }
    }

    public sealed class OptionsSnapshotController(IOptionsSnapshot<MvcOptions> options) : ControllerBase
    {
        public IOptionsSnapshot<MvcOptions> Options { get; } = options;
    }

    public sealed class SingletonEnumerableController(IEnumerable<IPart> parts) : ControllerBase
    {
        public IEnumerable<IPart> Parts { get; } = parts;
    }

    public sealed class MixedEnumerableController(IEnumerable<IMixedPart> parts) : ControllerBase
    {
        public IEnumerable<IMixedPart> Parts { get; } = parts;
    }

    public sealed class ReRegisteredAsScopedController(ReRegistered dependency) : ControllerBase
    {
        public ReRegistered Dependency { get; } = dependency;
    }

    public sealed class ReRegisteredAsSingletonController(ReRegisteredBack dependency) : ControllerBase
    {
        public ReRegisteredBack Dependency { get; } = dependency;
    }

    private sealed class CustomActivator : IControllerActivator
    {
        public static readonly object Built = new();

        public object Create(ControllerContext context) => Built;

        public void Release(ControllerContext context, object controller)
        {
        }
    }
}
