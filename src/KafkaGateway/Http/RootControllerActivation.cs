using System.Linq.Expressions;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace KafkaGateway.Http;

/// <summary>
/// MVC's <see cref="IControllerActivatorProvider"/> with one difference: a controller whose constructor takes only
/// singletons is built from the root provider instead of <c>HttpContext.RequestServices</c>, so its requests create
/// no service scope (<c>RequestServicesFeature</c>, <c>ServiceProviderEngineScope</c>, its resolved-services
/// dictionary and their disposal: ~190 B of a single-record produce request, docs/benchmarks session 8).
/// </summary>
/// <remarks>
/// <para>A singleton resolved from a request scope is the root provider's instance, so such a controller gets exactly
/// the objects it got before. The decision is made once per action, when MVC builds the action's invoker cache entry,
/// from the registrations (<see cref="ControllerDependencyLifetimes"/>), never per request; the singletons are
/// resolved then, once, and handed to every instance. Any controller with a scoped or transient dependency, a
/// dependency the registrations do not name (<see cref="IServiceProvider"/>, a default-valued parameter), a keyed
/// one, or more than one public constructor is activated by MVC's own provider from the request's services, as
/// before.</para>
/// <para>Releasing (disposing an <see cref="IDisposable"/> controller) is MVC's in every case. When the application
/// replaced MVC's <see cref="IControllerActivator"/> (e.g. <c>AddControllersAsServices</c>), MVC's provider decides
/// everything.</para>
/// <para>Code that reads <c>HttpContext.RequestServices</c> later in the request (a scoped service, ControllerBase's
/// <c>ProblemDetailsFactory</c>, an <c>ObjectResult</c>'s executor) still gets the request's scope: it is created on
/// first use, as it always was.</para>
/// </remarks>
internal sealed class RootControllerActivation : IControllerActivatorProvider
{
    // MVC's own activator type (internal); any other registered activator means the application activates controllers itself.
    internal const string FrameworkActivatorTypeName = "Microsoft.AspNetCore.Mvc.Controllers.DefaultControllerActivator";

    private readonly ControllerActivatorProvider _framework;
    private readonly IServiceProvider _root;
    private readonly ControllerDependencyLifetimes? _lifetimes;

    public RootControllerActivation(IControllerActivator activator, IServiceProvider root, ControllerDependencyLifetimes lifetimes)
    {
        _framework = new ControllerActivatorProvider(activator);
        _root = root;
        _lifetimes = activator.GetType().FullName == FrameworkActivatorTypeName ? lifetimes : null;
    }

    /// <summary>Whether controllers of this type are built from the root provider (no request scope).</summary>
    internal bool ActivatesFromRoot(Type controllerType) => _lifetimes is not null && _lifetimes.TakesOnlySingletons(controllerType);

    public Func<ControllerContext, object> CreateActivator(ControllerActionDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.ControllerTypeInfo?.AsType() is not { } type || !ActivatesFromRoot(type))
        {
            return _framework.CreateActivator(descriptor);
        }

        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)[0];
        var parameters = constructor.GetParameters();
        if (Array.Exists(parameters, p => p.ParameterType.IsConstructedGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(IEnumerable<>)))
        {
            // An enumerable is a new array per resolution (a controller may keep or change it): resolved per request,
            // by the factory MVC builds, from the root provider.
            var factory = ActivatorUtilities.CreateFactory(type, Type.EmptyTypes);
            var root = _root;
            return _ => factory(root, null);
        }

        // Singletons are the same instances on every request: resolved once, here (the action's first request), and
        // passed to the constructor as constants, so a request neither resolves them again nor validates the
        // resolution (scope validation checks every root resolution in Development).
        var arguments = parameters.Select(p => (Expression)Expression.Constant(_root.GetRequiredService(p.ParameterType), p.ParameterType));
        var create = Expression.Lambda<Func<object>>(Expression.Convert(Expression.New(constructor, arguments), typeof(object))).Compile();
        return _ => create();
    }

    public Action<ControllerContext, object>? CreateReleaser(ControllerActionDescriptor descriptor) => _framework.CreateReleaser(descriptor);

    public Func<ControllerContext, object, ValueTask>? CreateAsyncReleaser(ControllerActionDescriptor descriptor) =>
        _framework.CreateAsyncReleaser(descriptor);
}

/// <summary>
/// The lifetimes of the application's registrations, read from its <see cref="IServiceCollection"/> (which the
/// provider cannot tell): whether a controller's constructor takes only singletons.
/// </summary>
/// <remarks>
/// Holds the application's collection; it is read only after the host was built (when MVC builds an action's invoker
/// cache entry), when the collection is complete and read-only. Conservative: anything it cannot prove a singleton
/// counts as not one.
/// </remarks>
internal sealed class ControllerDependencyLifetimes(IServiceCollection services)
{
    /// <summary>True when the type has exactly one public constructor and each of its parameters resolves to a singleton.</summary>
    public bool TakesOnlySingletons(Type controllerType)
    {
        var constructors = controllerType.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (constructors.Length != 1)
        {
            return false;
        }

        foreach (var parameter in constructors[0].GetParameters())
        {
            if (parameter.IsDefined(typeof(FromKeyedServicesAttribute), inherit: true)
                || parameter.IsDefined(typeof(ServiceKeyAttribute), inherit: true)
                || !IsSingleton(parameter.ParameterType))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether resolving the type (not keyed) yields a singleton: the registration the provider uses for it is one.</summary>
    public bool IsSingleton(Type serviceType)
    {
        if (serviceType.IsConstructedGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            // Every registration of the item type (closed and open generic) is part of the enumerable.
            var item = serviceType.GetGenericArguments()[0];
            return Registrations(item).All(d => d.Lifetime == ServiceLifetime.Singleton)
                && (!item.IsConstructedGenericType || Registrations(item.GetGenericTypeDefinition()).All(d => d.Lifetime == ServiceLifetime.Singleton));
        }

        // The provider uses the last closed registration; without one, an open generic one (all of them are required
        // to be singletons, since constraints can make the provider pass over the last).
        if (Registrations(serviceType).LastOrDefault() is { } closed)
        {
            return closed.Lifetime == ServiceLifetime.Singleton;
        }

        if (!serviceType.IsConstructedGenericType)
        {
            return false; // Not registered: IServiceProvider, IServiceScopeFactory, a default-valued parameter...
        }

        var open = Registrations(serviceType.GetGenericTypeDefinition()).ToList();
        return open.Count > 0 && open.TrueForAll(d => d.Lifetime == ServiceLifetime.Singleton);
    }

    private IEnumerable<ServiceDescriptor> Registrations(Type serviceType) =>
        services.Where(d => !d.IsKeyedService && d.ServiceType == serviceType);
}
