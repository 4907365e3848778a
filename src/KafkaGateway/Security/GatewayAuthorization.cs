using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace KafkaGateway.Security;

/// <summary>
/// The authorization middleware of <see cref="SecurityServiceCollectionExtensions.UseGatewayAuthorization"/>: the
/// framework's <c>UseAuthorization</c> step by step — the endpoint's policy (its <see cref="IAuthorizeData"/>,
/// <see cref="AuthorizationPolicy"/> and <see cref="IAuthorizationRequirementData"/> metadata combined with the
/// policy provider's default and fallback policies, cached per endpoint when the provider allows it), the policy
/// evaluator's authentication (its success recorded in the request's features), <see cref="IAllowAnonymous"/>, the
/// evaluator's decision with the <see cref="HttpContext"/> as the resource, and the
/// <see cref="IAuthorizationMiddlewareResultHandler"/> with the result — for every request, matched or not.
/// </summary>
/// <remarks>
/// What differs is only what each request paid for nothing (allocation profile of the health probe, docs/benchmarks
/// session 7): the framework's middleware resolves the evaluator and the result handler from the request's services
/// on every request, which creates the request's service scope (~190 B) for two singletons (the gateway registers both
/// as singletons: <see cref="GatewayPolicyEvaluator"/>, <see cref="GatewayAuthorizationResultHandler"/>); it writes
/// its "authorization ran" mark into <c>HttpContext.Items</c> for every request with an endpoint, although endpoint
/// routing reads the mark only for endpoints with <see cref="IAuthorizeData"/> (<c>[Authorize]</c>), which gateway
/// endpoints do not carry (they declare <see cref="IAuthorizationRequirementData"/>): the mark is written here for
/// those endpoints only, so routing's check still holds for any that appear; and it keeps an async frame around the
/// rest of every request. Here the steps run without awaiting while they complete synchronously (the gateway's
/// evaluator and handler do for allowed requests) and the result handler's task is returned as it is.
/// </remarks>
internal sealed class GatewayAuthorization
{
    /// <summary>The <c>HttpContext.Items</c> key endpoint routing checks on endpoints with <see cref="IAuthorizeData"/>.</summary>
    internal const string InvokedWithEndpointKey = "__AuthorizationMiddlewareWithEndpointInvoked";

    private static readonly object s_invokedWithEndpoint = new();

    private readonly RequestDelegate _next;
    private readonly IAuthorizationPolicyProvider _policies;
    private readonly IPolicyEvaluator _evaluator;
    private readonly IAuthorizationMiddlewareResultHandler _results;
    private readonly ILogger<AuthorizationMiddleware> _logger;
    private readonly bool _endpointIsResource;
    private readonly ConditionalWeakTable<Endpoint, EndpointAuthorization>? _cache;

    public GatewayAuthorization(RequestDelegate next, IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator,
        IAuthorizationMiddlewareResultHandler results, ILogger<AuthorizationMiddleware> logger)
    {
        _next = next;
        _policies = policies;
        _evaluator = evaluator;
        _results = results;
        _logger = logger;
        // The framework's switch, read per request there; AppContext switches are set before the host starts.
        _endpointIsResource = AppContext.TryGetSwitch("Microsoft.AspNetCore.Authorization.SuppressUseHttpContextAsAuthorizationResource", out var set) && set;
        // Keyed by the endpoint object: a changed data source brings new endpoints (the framework's cache is cleared then).
        _cache = policies.AllowsCachingPolicies ? [] : null;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is not null && _cache is not null && _cache.TryGetValue(endpoint, out var known))
        {
            return AuthorizeAsync(context, endpoint, known);
        }

        return ComputeThenAuthorizeAsync(context, endpoint);
    }

    private async Task ComputeThenAuthorizeAsync(HttpContext context, Endpoint? endpoint)
    {
        var computed = await EndpointAuthorization.ComputeAsync(_policies, endpoint);
        if (endpoint is not null && _cache is not null)
        {
            _cache.AddOrUpdate(endpoint, computed);
        }

        await AuthorizeAsync(context, endpoint, computed);
    }

    private Task AuthorizeAsync(HttpContext context, Endpoint? endpoint, EndpointAuthorization authorization)
    {
        if (authorization.MarksInvoked)
        {
            context.Items[InvokedWithEndpointKey] = s_invokedWithEndpoint;
        }

        if (authorization.Policy is not { } policy)
        {
            return _next(context);
        }

        var authenticating = _evaluator.AuthenticateAsync(policy, context);
        return authenticating.IsCompletedSuccessfully
            ? Authenticated(context, endpoint, authorization, policy, authenticating.Result)
            : AwaitAuthenticationAsync(authenticating, context, endpoint, authorization, policy);
    }

    private async Task AwaitAuthenticationAsync(Task<AuthenticateResult> authenticating, HttpContext context, Endpoint? endpoint,
        EndpointAuthorization authorization, AuthorizationPolicy policy) =>
        await Authenticated(context, endpoint, authorization, policy, await authenticating);

    private Task Authenticated(HttpContext context, Endpoint? endpoint, EndpointAuthorization authorization, AuthorizationPolicy policy,
        AuthenticateResult? result)
    {
        if (result is { Succeeded: true })
        {
            Record(context, result);
        }

        // [AllowAnonymous] still authenticates (to set the user) but skips the decision and its refusals.
        if (authorization.AllowsAnonymous)
        {
            return _next(context);
        }

        if (result is { Succeeded: false })
        {
            // The list renders as the framework's comma-separated names.
            SecurityLog.PolicySchemesFailed(_logger, policy.AuthenticationSchemes);
        }

        var resource = _endpointIsResource ? (object?)endpoint : context;
        var authorizing = _evaluator.AuthorizeAsync(policy, result!, context, resource);
        return authorizing.IsCompletedSuccessfully
            ? _results.HandleAsync(_next, context, policy, authorizing.Result)
            : AwaitDecisionAsync(authorizing, context, policy);
    }

    private async Task AwaitDecisionAsync(Task<PolicyAuthorizationResult> authorizing, HttpContext context, AuthorizationPolicy policy) =>
        await _results.HandleAsync(_next, context, policy, await authorizing);

    /// <summary>What the framework records for a successful authentication (the existing feature's result, or new features).</summary>
    private static void Record(HttpContext context, AuthenticateResult result)
    {
        if (context.Features.Get<IAuthenticateResultFeature>() is { } feature)
        {
            // Setting the result it holds already changes nothing (the user is that result's principal either way).
            if (!ReferenceEquals(feature.AuthenticateResult, result))
            {
                feature.AuthenticateResult = result;
            }
        }
        else
        {
            AuthenticatedRequest.Record(context, result, completed: null);
        }
    }

    /// <summary>What an endpoint's metadata decides, computed once per endpoint (when the policy provider allows caching).</summary>
    /// <param name="Policy">The combined policy; null: nothing to authorize (no metadata and no fallback policy).</param>
    /// <param name="MarksInvoked">Whether endpoint routing checks for the mark (the endpoint has <see cref="IAuthorizeData"/>).</param>
    /// <param name="AllowsAnonymous">Whether the endpoint has <see cref="IAllowAnonymous"/>.</param>
    internal sealed record EndpointAuthorization(AuthorizationPolicy? Policy, bool MarksInvoked, bool AllowsAnonymous)
    {
        /// <summary>The framework middleware's combination of the endpoint's metadata with the provider's policies.</summary>
        public static async Task<EndpointAuthorization> ComputeAsync(IAuthorizationPolicyProvider policies, Endpoint? endpoint)
        {
            var metadata = endpoint?.Metadata;
            var authorizeData = metadata?.GetOrderedMetadata<IAuthorizeData>() ?? [];
            var policy = await AuthorizationPolicy.CombineAsync(policies, authorizeData,
                metadata?.GetOrderedMetadata<AuthorizationPolicy>() ?? []);
            var requirementData = metadata?.GetOrderedMetadata<IAuthorizationRequirementData>() ?? [];
            if (requirementData.Count > 0)
            {
                var requirements = new AuthorizationPolicyBuilder();
                foreach (var data in requirementData)
                {
                    foreach (var requirement in data.GetRequirements())
                    {
                        requirements.AddRequirements(requirement);
                    }
                }

                policy = policy is null ? requirements.Build() : AuthorizationPolicy.Combine(policy, requirements.Build());
            }

            return new EndpointAuthorization(policy, endpoint is not null && authorizeData.Count > 0, metadata?.GetMetadata<IAllowAnonymous>() is not null);
        }
    }
}
