using System.Collections.Concurrent;

namespace KafkaGateway.Hosting;

/// <summary>
/// One logger per category, as Microsoft's own <see cref="LoggerFactory"/> keeps. Serilog's factory builds a new
/// logger (with its own enricher chain and event-id cache) on every <c>CreateLogger</c>, and ASP.NET Core creates
/// authentication handlers per request, each asking for its logger: that was ~13 % of the bytes a single-record
/// produce allocated (allocation profile in docs/benchmarks/README.md).
/// </summary>
/// <remarks>
/// The loggers of <see cref="ScopelessCategories"/> begin no scopes: hosting opens one around every request
/// (<c>RequestId</c>, <c>RequestPath</c>, <c>ConnectionId</c>) and MVC one around every action (<c>ActionId</c>,
/// <c>ActionName</c>), whatever the log level, and each costs Serilog a scope object and two execution-context writes
/// (~430 B of a single-record produce request together, docs/benchmarks session 8). An event logged during a request
/// is joined to it by the trace and span ids Serilog takes from the request's activity (and <c>ConnectionId</c>, from
/// Kestrel's scope, begun once per connection); the request log event (<see cref="RequestCompletion"/>) carries
/// <c>RequestId</c> itself.
/// </remarks>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>Framework categories that open a scope per request, which the gateway's logs do without.</summary>
    internal static readonly IReadOnlySet<string> ScopelessCategories = new HashSet<string>(StringComparer.Ordinal)
    {
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker",
    };

    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.TryGetValue(categoryName, out var logger) ? logger : _loggers.GetOrAdd(categoryName, Create(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    private ILogger Create(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return ScopelessCategories.Contains(categoryName) ? new ScopelessLogger(logger) : logger;
    }

    public void Dispose() => inner.Dispose();

    /// <summary>Wraps the <see cref="ILoggerFactory"/> registered last (Serilog's) in the cache.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService);
        if (registered is null)
        {
            return;
        }

        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(provider => new CachingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(provider),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        }));
    }
}

/// <summary>A logger that writes like the one it wraps and begins no scopes.</summary>
internal sealed class ScopelessLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        inner.Log(logLevel, eventId, state, exception, formatter);
}
