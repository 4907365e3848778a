using System.Collections.Concurrent;
using KafkaGateway.Schemas;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaGateway.Tests.Schemas;

/// <summary>The services <c>AddSchemaRegistryClient</c> registers, built the way the gateway builds them.</summary>
internal static class RegistryClientTestServices
{
    /// <summary>
    /// Fast retries, and a per-attempt timeout no loaded machine reaches: tests count the registry's requests, and a
    /// 2 s timeout turned one slow attempt into an attempt plus a retry (CachingSchemaRegistryTests in session 9,
    /// HttpSchemaRegistryClientTests' 429 test in session 10). A test of the timeout itself sets a short one.
    /// </summary>
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        ["SchemaRegistry:RequestTimeoutSeconds"] = "60",
        ["SchemaRegistry:RetryBackoffMilliseconds"] = "10",
    };

    public static ServiceProvider Build(
        string? url, IDictionary<string, string?>? settings = null, CapturedLogs? logs = null, TimeProvider? timeProvider = null)
    {
        var values = new Dictionary<string, string?>(s_defaults) { ["SchemaRegistry:Url"] = url };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // null removes a default of this helper, so the options class default applies.
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddSchemaRegistryClient(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}

/// <summary>Collects every log line (message, exception text and structured values) for assertions.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Text)> Entries { get; } = new();

    public string AllText => string.Join('\n', Entries.Select(e => e.Text));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            owner.Entries.Enqueue((category, logLevel, $"{formatter(state, exception)} | {values} | {exception}"));
        }
    }
}

/// <summary>A clock tests move by hand; timers stay real (retry backoff is real time, but short).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _elapsedTicks;

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _elapsedTicks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _elapsedTicks, by.Ticks);
}
