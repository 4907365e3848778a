using System.Security.Claims;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.Tests.Security;

/// <summary>
/// <see cref="GatewayAuthorization"/> against the framework's <c>UseAuthorization</c> as the judge: for each kind of
/// endpoint (none, no metadata, [Authorize], [Authorize] with [AllowAnonymous], a policy object, requirement data as
/// gateway endpoints declare it) and each answer of the evaluator (authenticated or not, allowed, challenged, forbidden;
/// synchronously or later), both must hand the result handler the same policy and result, give the evaluator the same
/// resource, record the same authentication and call the rest of the pipeline in the same cases. The framework writes
/// its routing mark for every endpoint; the gateway only where routing reads it (endpoints with IAuthorizeData).
/// </summary>
public sealed class GatewayAuthorizationTests
{
    private static readonly IAuthorizationRequirement s_fallback = new NamedRequirement("fallback");
    private static readonly IAuthorizationRequirement s_default = new NamedRequirement("default");
    private static readonly IAuthorizationRequirement s_declared = new NamedRequirement("declared");
    private static readonly IAuthorizationRequirement s_policyObject = new NamedRequirement("policy-object");

    public enum EndpointKind { None, NoMetadata, Authorize, AuthorizeAllowAnonymous, PolicyObject, RequirementData }

    public enum Answer { AuthenticatedAllowed, AnonymousAllowed, Challenged, AuthenticatedForbidden }

    public static TheoryData<EndpointKind, Answer, bool> Cases()
    {
        var data = new TheoryData<EndpointKind, Answer, bool>();
        foreach (var endpoint in Enum.GetValues<EndpointKind>())
        {
            foreach (var answer in Enum.GetValues<Answer>())
            {
                data.Add(endpoint, answer, false);
                data.Add(endpoint, answer, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InvokeAsync_AnyEndpointAndAnswer_DecidesAsTheFrameworksMiddleware(EndpointKind kind, Answer answer, bool completesLater)
    {
        var expected = await RunTwiceAsync(kind, answer, completesLater, app => app.UseAuthorization());
        var actual = await RunTwiceAsync(kind, answer, completesLater, app => app.UseMiddleware<GatewayAuthorization>());

        Assert.Equal(expected.Requirements, actual.Requirements);
        Assert.Equal(expected.Decision, actual.Decision);
        Assert.Equal(expected.ResourceIsContext, actual.ResourceIsContext);
        Assert.Equal(expected.NextCalls, actual.NextCalls);
        Assert.Equal(expected.RecordedResult, actual.RecordedResult);
        Assert.Equal(expected.User, actual.User);
        // The mark: everywhere the framework has an endpoint, here only where routing checks it.
        Assert.Equal(kind != EndpointKind.None, expected.Marked);
        Assert.Equal(kind is EndpointKind.Authorize or EndpointKind.AuthorizeAllowAnonymous, actual.Marked);
    }

    [Fact]
    public async Task InvokeAsync_CachingProvider_CombinesAnEndpointsPolicyOnce()
    {
        var provider = new CountingPolicyProvider(allowsCaching: true);
        var run = Pipeline(provider, EvaluatorAnswers(Answer.AuthenticatedAllowed, completesLater: false), out _);
        var endpoint = EndpointOf(EndpointKind.Authorize);

        for (var i = 0; i < 3; i++)
        {
            await run(ContextFor(endpoint));
        }

        Assert.Equal(1, provider.DefaultPolicyCalls);
    }

    [Fact]
    public async Task InvokeAsync_ProviderWithoutCaching_CombinesThePolicyForEveryRequest()
    {
        var provider = new CountingPolicyProvider(allowsCaching: false);
        var run = Pipeline(provider, EvaluatorAnswers(Answer.AuthenticatedAllowed, completesLater: false), out _);
        var endpoint = EndpointOf(EndpointKind.Authorize);

        for (var i = 0; i < 3; i++)
        {
            await run(ContextFor(endpoint));
        }

        Assert.Equal(3, provider.DefaultPolicyCalls);
    }

    [Fact]
    public async Task InvokeAsync_AllowedRequest_TouchesNeitherRequestServicesNorItems()
    {
        var run = Pipeline(new CountingPolicyProvider(allowsCaching: true), EvaluatorAnswers(Answer.AnonymousAllowed, completesLater: false), out var handler);
        var context = ContextFor(EndpointOf(EndpointKind.RequirementData));

        await run(context);

        Assert.Equal(1, handler.Calls);
        Assert.Null(context.Features.Get<IServiceProvidersFeature>()?.RequestServices);
        Assert.Null(context.Features.Get<IItemsFeature>());
    }

    [Fact]
    public async Task RoutingPipeline_AuthorizeEndpointBehindTheGatewayMiddleware_PassesRoutingsCheckAndRunsTheEndpoint()
    {
        var ran = 0;
        var run = RoutedPipeline(app => app.UseMiddleware<GatewayAuthorization>(), () => ran++);

        await run(Get("/guarded"));
        await run(Get("/declared"));

        Assert.Equal(2, ran);
    }

    [Fact]
    public async Task RoutingPipeline_AuthorizeEndpointWithoutAuthorizationMiddleware_RoutingRefusesIt()
    {
        // The judge of the test above: routing's check is live, and only the mark satisfies it.
        var ran = 0;
        var run = RoutedPipeline(_ => { }, () => ran++);

        await Assert.ThrowsAsync<InvalidOperationException>(() => run(Get("/guarded")));
        await run(Get("/declared"));

        Assert.Equal(1, ran);
    }

    /// <summary>Routing, then <paramref name="authorization"/>, then an [Authorize] endpoint and a requirement-data one.</summary>
    private static RequestDelegate RoutedPipeline(Action<IApplicationBuilder> authorization, Action ran)
    {
        var services = Services(new CountingPolicyProvider(allowsCaching: true), EvaluatorAnswers(Answer.AuthenticatedAllowed, completesLater: false), out _);
        services.AddRouting();
        services.AddSingleton(new System.Diagnostics.DiagnosticListener("test"));
        var app = new ApplicationBuilder(services.BuildServiceProvider());
        app.UseRouting();
        authorization(app);
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapGet("/guarded", _ => { ran(); return Task.CompletedTask; }).RequireAuthorization();
            endpoints.MapGet("/declared", _ => { ran(); return Task.CompletedTask; }).WithMetadata(new RequirementData(s_declared));
        });
        var run = app.Build();
        return context =>
        {
            context.RequestServices = app.ApplicationServices;
            return run(context);
        };
    }

    private static DefaultHttpContext Get(string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = path;
        return context;
    }

    private sealed record Outcome(string Requirements, string Decision, bool ResourceIsContext, int NextCalls, bool RecordedResult, string? User, bool Marked);

    /// <summary>Two requests to the same endpoint object (the second one takes the cached policy where there is one).</summary>
    private static async Task<Outcome> RunTwiceAsync(EndpointKind kind, Answer answer, bool completesLater, Action<IApplicationBuilder> authorization)
    {
        var evaluator = EvaluatorAnswers(answer, completesLater);
        var services = Services(new CountingPolicyProvider(allowsCaching: true), evaluator, out var handler).BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        authorization(app);
        var next = 0;
        app.Run(_ => { next++; return Task.CompletedTask; });
        var run = app.Build();
        var endpoint = EndpointOf(kind);

        Outcome? first = null;
        for (var i = 0; i < 2; i++)
        {
            next = 0;
            var context = ContextFor(endpoint);
            context.RequestServices = services;
            await run(context);
            var recorded = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult;
            var outcome = new Outcome(
                string.Join(",", handler.LastPolicy?.Requirements.Select(r => r.ToString()) ?? []),
                handler.LastResult is null ? "none" : $"{handler.LastResult.Succeeded}/{handler.LastResult.Challenged}/{handler.LastResult.Forbidden}",
                ReferenceEquals(evaluator.LastResource, context),
                next,
                recorded is not null && ReferenceEquals(recorded, evaluator.Result),
                context.Features.Get<IHttpAuthenticationFeature>()?.User?.Identity?.Name,
                context.Features.Get<IItemsFeature>()?.Items.ContainsKey(GatewayAuthorization.InvokedWithEndpointKey) == true);
            if (first is not null)
            {
                Assert.Equal(first, outcome);
            }

            first = outcome;
            handler.LastPolicy = null;
            handler.LastResult = null;
            evaluator.LastResource = null;
        }

        return first!;
    }

    private static RequestDelegate Pipeline(CountingPolicyProvider provider, AnsweringEvaluator evaluator, out RecordingResultHandler handler)
    {
        var app = new ApplicationBuilder(Services(provider, evaluator, out handler).BuildServiceProvider());
        app.UseMiddleware<GatewayAuthorization>();
        app.Run(_ => Task.CompletedTask);
        return app.Build();
    }

    private static ServiceCollection Services(CountingPolicyProvider provider, AnsweringEvaluator evaluator, out RecordingResultHandler handler)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<EndpointDataSource>(new DefaultEndpointDataSource());
        services.AddAuthorization(options =>
        {
            options.FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(s_fallback).Build();
            options.DefaultPolicy = new AuthorizationPolicyBuilder().AddRequirements(s_default).Build();
        });
        provider.Options = Microsoft.Extensions.Options.Options.Create(new AuthorizationOptions
        {
            FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(s_fallback).Build(),
            DefaultPolicy = new AuthorizationPolicyBuilder().AddRequirements(s_default).Build(),
        });
        services.AddSingleton<IAuthorizationPolicyProvider>(provider);
        services.AddSingleton<IPolicyEvaluator>(evaluator);
        var recording = new RecordingResultHandler();
        handler = recording;
        services.AddSingleton<IAuthorizationMiddlewareResultHandler>(recording);
        return services;
    }

    private static DefaultHttpContext ContextFor(Endpoint? endpoint)
    {
        var context = new DefaultHttpContext();
        if (endpoint is not null)
        {
            context.SetEndpoint(endpoint);
        }

        return context;
    }

    private static Endpoint? EndpointOf(EndpointKind kind) => kind switch
    {
        EndpointKind.None => null,
        EndpointKind.NoMetadata => new Endpoint(null, EndpointMetadataCollection.Empty, "plain"),
        EndpointKind.Authorize => new Endpoint(null, new EndpointMetadataCollection(new AuthorizeAttribute()), "authorize"),
        EndpointKind.AuthorizeAllowAnonymous => new Endpoint(null, new EndpointMetadataCollection(new AuthorizeAttribute(), new AllowAnonymousAttribute()), "anonymous"),
        EndpointKind.PolicyObject => new Endpoint(null, new EndpointMetadataCollection(new AuthorizationPolicyBuilder().AddRequirements(s_policyObject).Build()), "policy"),
        _ => new Endpoint(null, new EndpointMetadataCollection(new RequirementData(s_declared)), "declared"),
    };

    private static AnsweringEvaluator EvaluatorAnswers(Answer answer, bool completesLater) => new(answer, completesLater);

    private sealed class NamedRequirement(string name) : IAuthorizationRequirement
    {
        public override string ToString() => name;
    }

    private sealed class RequirementData(IAuthorizationRequirement requirement) : IAuthorizationRequirementData
    {
        public IEnumerable<IAuthorizationRequirement> GetRequirements() => [requirement];
    }

    private sealed class AnsweringEvaluator(Answer answer, bool completesLater) : IPolicyEvaluator
    {
        public AuthenticateResult Result { get; } = answer is Answer.AuthenticatedAllowed or Answer.AuthenticatedForbidden
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "alice")], "test")), "test"))
            : AuthenticateResult.NoResult();

        public object? LastResource { get; set; }

        public async Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
        {
            if (completesLater)
            {
                await Task.Yield();
            }

            return Result;
        }

        public async Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
        {
            LastResource = resource;
            if (completesLater)
            {
                await Task.Yield();
            }

            return answer switch
            {
                Answer.Challenged => PolicyAuthorizationResult.Challenge(),
                Answer.AuthenticatedForbidden => PolicyAuthorizationResult.Forbid(),
                _ => PolicyAuthorizationResult.Success(),
            };
        }
    }

    private sealed class RecordingResultHandler : IAuthorizationMiddlewareResultHandler
    {
        public AuthorizationPolicy? LastPolicy { get; set; }

        public PolicyAuthorizationResult? LastResult { get; set; }

        public int Calls { get; private set; }

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            Calls++;
            LastPolicy = policy;
            LastResult = authorizeResult;
            return authorizeResult.Succeeded ? next(context) : Task.CompletedTask;
        }
    }

    /// <summary>The default provider, counting how often a policy is asked for, with caching allowed or not.</summary>
    private sealed class CountingPolicyProvider(bool allowsCaching) : IAuthorizationPolicyProvider
    {
        public Microsoft.Extensions.Options.IOptions<AuthorizationOptions> Options { get; set; } = null!;

        public int DefaultPolicyCalls { get; private set; }

        public bool AllowsCachingPolicies => allowsCaching;

        public Task<AuthorizationPolicy> GetDefaultPolicyAsync()
        {
            DefaultPolicyCalls++;
            return Task.FromResult(Options.Value.DefaultPolicy);
        }

        public Task<AuthorizationPolicy?> GetFallbackPolicyAsync() => Task.FromResult(Options.Value.FallbackPolicy);

        public Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) => Task.FromResult(Options.Value.GetPolicy(policyName));
    }
}
