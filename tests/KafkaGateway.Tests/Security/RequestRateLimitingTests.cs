using System.Diagnostics;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Security;

/// <summary>
/// <see cref="RequestRateLimiting"/> over <see cref="ClientRateLimits"/>: a client gets its burst and then 429 with
/// Retry-After, other clients and health probes are unaffected, no limit when none is configured. (Token buckets
/// refill with time, so the checks allow what a refill during the test may add instead of relying on a fast machine.)
/// </summary>
public sealed class RequestRateLimitingTests
{
    [Fact]
    public async Task InvokeAsync_BeyondTheBurst_Answers429WithRetryAfter_AndPassesNoMoreThanTheBucketHolds()
    {
        using var limits = Limits(rate: 1, burst: 3);
        var passed = 0;
        var middleware = new RequestRateLimiting(_ => { passed++; return Task.CompletedTask; }, limits);
        var clock = Stopwatch.StartNew();
        var refused = new List<HttpContext>();

        for (var i = 0; i < 10; i++)
        {
            var context = Context("apikey:alice");
            await middleware.InvokeAsync(context);
            if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                refused.Add(context);
            }
        }

        // The burst, plus at most one token per second that passed (the bucket refills once per second).
        Assert.InRange(passed, 3, 3 + (int)Math.Ceiling(clock.Elapsed.TotalSeconds));
        Assert.Equal(10 - passed, refused.Count);
        var first = refused[0];
        Assert.True(int.Parse(first.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("too_many_requests", Body(first).GetProperty("code").GetString());
    }

    [Fact]
    public async Task InvokeAsync_OneClientLimited_OtherClientsAndHealthProbesPass()
    {
        using var limits = Limits(rate: 1, burst: 1);
        var middleware = new RequestRateLimiting(_ => Task.CompletedTask, limits);
        for (var i = 0; i < 3; i++)
        {
            await middleware.InvokeAsync(Context("apikey:alice"));
        }

        var bob = Context("apikey:bob");
        var health = Context("apikey:alice", "/health/live");
        var anonymous = Context(principal: null);
        await middleware.InvokeAsync(bob);
        await middleware.InvokeAsync(health);
        await middleware.InvokeAsync(anonymous);
        var alice = Context("apikey:alice");
        await middleware.InvokeAsync(alice);

        Assert.Equal(StatusCodes.Status200OK, bob.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, health.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, anonymous.Response.StatusCode);
        Assert.Equal(StatusCodes.Status429TooManyRequests, alice.Response.StatusCode);
    }

    [Fact]
    public async Task InvokeAsync_NoLimitConfigured_EveryRequestPasses()
    {
        using var limits = Limits(rate: 0, burst: null);
        var passed = 0;
        var middleware = new RequestRateLimiting(_ => { passed++; return Task.CompletedTask; }, limits);

        for (var i = 0; i < 50; i++)
        {
            await middleware.InvokeAsync(Context("apikey:alice"));
        }

        Assert.Null(limits.Buckets);
        Assert.Equal(50, passed);
    }

    private static ClientRateLimits Limits(int rate, int? burst) =>
        new(Options.Create(new SecurityOptions { Limits = new RequestLimitOptions { RequestsPerSecondPerClient = rate, RequestBurstPerClient = burst } }));

    private static DefaultHttpContext Context(string? principal, string path = "/topics/t/records")
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Response.Body = new MemoryStream();
        if (principal is not null)
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, principal)], "test", ClaimTypes.Name, ClaimTypes.Role));
        }

        return context;
    }

    private static JsonElement Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body).RootElement.Clone();
    }
}
