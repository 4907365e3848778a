using System.Diagnostics;
using KafkaGateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Hosting;

namespace KafkaGateway.Tests.Hosting;

/// <summary>
/// The gateway's request log (<see cref="RequestCompletion"/>) against Serilog's <c>UseSerilogRequestLogging</c> (default options, the host's logger)
/// as the judge: the same request through both must give the same event, apart from the elapsed time and timestamp.
/// </summary>
public sealed class RequestCompletionLogTests
{
    public static TheoryData<string, string, int, bool, bool> Requests => new()
    {
        { "GET", "/health/live", 200, false, false },
        { "POST", "/topics/sensors/records", 404, false, true },
        { "DELETE", "/topics/t%20x", 503, false, false },
        { "POST", "/topics/sensors/records", 200, true, false },
        { "POST", "/topics/sensors/records", 200, true, true },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task InvokeAsync_AnyOutcome_WritesSerilogsRequestEvent(string method, string path, int status, bool throws, bool completesLater)
    {
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        // Completing now, a throw is synchronous (no task); completing later, the task faults.
        RequestDelegate endpoint = completesLater
            ? async context =>
            {
                await Task.Yield();
                Respond(context, status, throws);
            }
            : context =>
            {
                Respond(context, status, throws);
                return Task.CompletedTask;
            };

        var (expected, _) = await RunAsync(method, path, endpoint, (logger, next) =>
        {
            var services = new ServiceCollection().AddSingleton(new DiagnosticContext(logger)).BuildServiceProvider();
            var app = new ApplicationBuilder(services);
            app.UseSerilogRequestLogging(options => options.Logger = logger);
            app.Run(next);
            return app.Build();
        });
        var (actual, context) = await RunAsync(method, path, endpoint, (logger, next) => Completion(next, logger).InvokeAsync);

        Assert.Equal(expected.Level, actual.Level);
        Assert.Equal(expected.MessageTemplate.Text, actual.MessageTemplate.Text);
        Assert.Equal(expected.Exception?.Message, actual.Exception?.Message);
        Assert.Equal(throws, actual.Exception is InvalidOperationException);
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(activity.TraceId, actual.TraceId);
        Assert.Equal(expected.SpanId, actual.SpanId);
        // Serilog's event gets RequestId from hosting's request scope (not begun in this test), which the gateway's
        // loggers do not begin: the request log adds it itself.
        Assert.Equal(expected.Properties.Keys.Append("RequestId").Order(), actual.Properties.Keys.Order());
        Assert.Equal(context.TraceIdentifier, ((ScalarValue)actual.Properties["RequestId"]).Value);
        foreach (var (name, value) in expected.Properties.Where(p => p.Key != "Elapsed"))
        {
            Assert.Equal(value.ToString(), actual.Properties[name].ToString());
        }

        Assert.IsType<double>(Assert.IsType<ScalarValue>(actual.Properties["Elapsed"]).Value);
        Assert.Equal(RequestCompletion.SourceContext, ((ScalarValue)actual.Properties[Constants.SourceContextPropertyName]).Value);
    }

    [Fact]
    public async Task InvokeAsync_LevelBelowMinimum_WritesNothingAndStillRunsTheRequest()
    {
        var events = new EventSink();
        using var logger = new LoggerConfiguration().MinimumLevel.Warning().WriteTo.Sink(events).CreateLogger();
        var ran = false;
        var middleware = Completion(_ => { ran = true; return Task.CompletedTask; }, logger);

        await middleware.InvokeAsync(new DefaultHttpContext());

        Assert.True(ran);
        Assert.Empty(events.Events);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvokeAsync_PageCompletesLater_WritesThePageOnceAndThenTheEvent(bool restCompletesLater)
    {
        var events = new EventSink();
        using var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(events).CreateLogger();
        // The test completes the page (and the rest) itself, so the asynchronous path is taken every time.
        var pageWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pages = 0;
        var options = Options.Create(new StatusCodePagesOptions
        {
            HandleAsync = _ =>
            {
                pages++;
                return pageWritten.Task;
            },
        });
        RequestDelegate rest = restCompletesLater
            ? async context =>
            {
                await restDone.Task;
                context.Response.StatusCode = 404;
            }
            : context =>
            {
                context.Response.StatusCode = 404;
                return Task.CompletedTask;
            };
        var completion = new RequestCompletion(rest, options, logger);

        var invocation = completion.InvokeAsync(new DefaultHttpContext());
        restDone.SetResult();
        await WaitUntil(() => pages > 0);
        Assert.False(invocation.IsCompleted);
        Assert.Empty(events.Events);
        pageWritten.SetResult();
        await invocation;

        Assert.Equal(1, pages);
        Assert.Equal(404, ((ScalarValue)Assert.Single(events.Events).Properties["StatusCode"]).Value);
    }

    [Fact]
    public async Task InvokeAsync_ClientGone_WritesNoPageAndStillTheEvent()
    {
        // The exception handler answers nobody when the client left (status 500, no body): the page, outside the
        // handler, must not answer either.
        var events = new EventSink();
        using var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(events).CreateLogger();
        var pages = 0;
        var options = Options.Create(new StatusCodePagesOptions { HandleAsync = _ => { pages++; return Task.CompletedTask; } });
        var context = new DefaultHttpContext { RequestAborted = new CancellationToken(canceled: true) };

        await new RequestCompletion(c => { c.Response.StatusCode = 500; return Task.CompletedTask; }, options, logger).InvokeAsync(context);

        Assert.Equal(0, pages);
        Assert.Equal(500, ((ScalarValue)Assert.Single(events.Events).Properties["StatusCode"]).Value);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(5);
        }
    }

    /// <summary>The request completion with a status-code page handler that writes nothing (pages have their own tests).</summary>
    private static RequestCompletion Completion(RequestDelegate next, Serilog.ILogger logger) =>
        new(next, Options.Create(new StatusCodePagesOptions { HandleAsync = _ => Task.CompletedTask }), logger);

    private static void Respond(HttpContext context, int status, bool throws)
    {
        context.Response.StatusCode = status;
        if (throws)
        {
            throw new InvalidOperationException("boom");
        }
    }

    private static async Task<(LogEvent Event, HttpContext Context)> RunAsync(
        string method, string path, RequestDelegate endpoint, Func<Serilog.ILogger, RequestDelegate, RequestDelegate> build)
    {
        var events = new EventSink();
        using var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(events).CreateLogger();
        var pipeline = build(logger, endpoint);
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = PathString.FromUriComponent(path);

        try
        {
            await pipeline(context);
        }
        catch (InvalidOperationException)
        {
            // The endpoint's exception goes on past the request log, as it does past Serilog's.
        }

        return (Assert.Single(events.Events), context);
    }

    private sealed class EventSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
