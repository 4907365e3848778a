using KafkaGateway.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace KafkaGateway.Tests.Hosting;

/// <summary>The gateway's logger factory over Serilog's, as the host registers it.</summary>
public sealed class CachingLoggerFactoryTests
{
    private static readonly Action<Microsoft.Extensions.Logging.ILogger, string, Exception?> s_write =
        LoggerMessage.Define<string>(LogLevel.Warning, default, "{Text}");

    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics")]
    [InlineData("Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker")]
    public void BeginScope_PerRequestFrameworkCategory_BeginsNoScopeAndStillWrites(string category)
    {
        var (factory, events) = Create();

        var framework = factory.CreateLogger(category);
        using (framework.BeginScope(new Dictionary<string, object> { ["RequestId"] = "r-1" }))
        {
            s_write(framework, "from the framework", null);
            s_write(factory.CreateLogger("KafkaGateway.Producing.ProduceAuthorization"), "from the gateway", null);
        }

        Assert.Equal(["\"from the framework\"", "\"from the gateway\""], events.Select(e => e.Properties["Text"].ToString()));
        Assert.All(events, e => Assert.False(e.Properties.ContainsKey("RequestId")));
    }

    [Fact]
    public void BeginScope_OtherCategory_EnrichesEventsInsideIt()
    {
        var (factory, events) = Create();

        var kestrel = factory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        using (kestrel.BeginScope(new Dictionary<string, object> { ["ConnectionId"] = "c-1" }))
        {
            s_write(factory.CreateLogger("KafkaGateway.Producing.ProduceAuthorization"), "inside", null);
        }

        Assert.Equal("\"c-1\"", Assert.Single(events).Properties["ConnectionId"].ToString());
    }

    [Fact]
    public void CreateLogger_SameCategory_SameLogger()
    {
        var (factory, _) = Create();

        Assert.Same(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics"), factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics"));
        Assert.Same(factory.CreateLogger("KafkaGateway.X"), factory.CreateLogger("KafkaGateway.X"));
    }

    private static (CachingLoggerFactory Factory, List<LogEvent> Events) Create()
    {
        var sink = new EventSink();
        var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        return (new CachingLoggerFactory(new SerilogLoggerFactory(logger, dispose: true)), sink.Events);
    }

    private sealed class EventSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
