using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>
/// What a request needs: the <see cref="IGatewayAccessRequirement"/> its endpoint declares, unless
/// <c>Security:Authorization:Endpoints:&lt;endpoint name&gt;</c> overrides the kind (the topic still comes from
/// where the endpoint says). Also decides which calls are audited.
/// </summary>
public sealed class EndpointAccess(IOptions<SecurityOptions> options)
{
    private readonly Dictionary<string, (AccessKind Kind, GatewayPermission? Permission)> _overrides = Parse(options.Value.Authorization.Endpoints);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Endpoint, Declared> s_declared = [];

    /// <summary>The requirement an endpoint declares, or null when it declares none (looked up once per endpoint).</summary>
    public static IGatewayAccessRequirement? DeclaredBy(Endpoint? endpoint) =>
        endpoint is null ? null : s_declared.GetValue(endpoint, static e => new Declared(
            e.Metadata.GetOrderedMetadata<IAuthorizationRequirementData>()
                .SelectMany(data => data.GetRequirements())
                .OfType<IGatewayAccessRequirement>()
                .FirstOrDefault(r => r is not UndeclaredEndpointRequirement))).Requirement;

    /// <summary>The endpoint's name (<c>Topics.CreateTopic</c>, <c>health.ready</c>, ...), which overrides bind to.</summary>
    public static string? NameOf(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;

    /// <summary>The names overrides are configured for.</summary>
    public IReadOnlyCollection<string> OverriddenNames => _overrides.Keys;

    /// <summary>What <paramref name="requirement"/> needs for <paramref name="resource"/>, with the override applied.</summary>
    public ResolvedAccess Resolve(IGatewayAccessRequirement requirement, object? resource)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        var access = requirement.Resolve(resource);
        if (_overrides.Count > 0 && requirement is not UndeclaredEndpointRequirement && resource is HttpContext http && NameOf(http.GetEndpoint()) is { } name
            && _overrides.TryGetValue(name, out var replaced))
        {
            access = new ResolvedAccess(replaced.Kind, replaced.Permission, access.Topic);
        }

        return access;
    }

    /// <summary>The audit action of the request (null: not audited): every call needing admin or schemas:write, named by method and route.</summary>
    public string? AuditActionOf(HttpContext context, out ResolvedAccess access)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.GetEndpoint();
        access = DeclaredBy(endpoint) is { } requirement ? Resolve(requirement, context) : default;
        return access.Permission is GatewayPermission.Admin or GatewayPermission.SchemasWrite
            ? $"{context.Request.Method} {(endpoint as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value}"
            : null;
    }

    private sealed record Declared(IGatewayAccessRequirement? Requirement);

    private static Dictionary<string, (AccessKind, GatewayPermission?)> Parse(IDictionary<string, string> configured)
    {
        var parsed = new Dictionary<string, (AccessKind, GatewayPermission?)>(StringComparer.Ordinal);
        foreach (var (name, value) in configured)
        {
            // The options validator has refused unknown access names already.
            if (GatewayAccessRequirement.TryParseAccess(value, out var kind, out var permission))
            {
                parsed[name] = (kind, permission);
            }
        }

        return parsed;
    }
}

/// <summary>
/// Evaluates every <see cref="IGatewayAccessRequirement"/>: the ones endpoints declare (resource: the
/// <see cref="HttpContext"/>, run by the authorization middleware before any endpoint, so a refused caller never makes
/// the gateway touch Kafka and cannot learn whether a topic exists) and imperative checks (resource:
/// <see cref="TopicResource"/>).
/// </summary>
internal sealed class GatewayAccessHandler(EndpointAccess endpoints, AccessPolicy policy, IOptions<SecurityOptions> options)
    : AuthorizationHandler<IGatewayAccessRequirement>
{
    private static readonly Task<Exception?> s_noFailure = Task.FromResult<Exception?>(null);

    /// <summary>
    /// Why the credentials the request carries were refused, or null. The authentication middleware only records
    /// successes; asking the default scheme again is cheap (handlers cache their result per request). A request that
    /// carries no credentials cannot have had them refused, and one whose authentication succeeded was not refused.
    /// </summary>
    public static Task<Exception?> AuthenticationFailureAsync(HttpContext context) =>
        RequestCredentials.Carried(context) && !AuthenticationSucceeded(context) ? FailureAsync(context) : s_noFailure;

    private static async Task<Exception?> FailureAsync(HttpContext context) => (await context.AuthenticateAsync()).Failure;

    /// <summary>Whether the authentication middleware recorded a successful authentication of this request.</summary>
    private static bool AuthenticationSucceeded(HttpContext context) =>
        context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is { Succeeded: true };

    /// <summary>
    /// The decision for a request without awaiting anything: true when <paramref name="requirement"/> is met, false
    /// when it is not, null when the request carried credentials that did not authenticate (only the handler, which
    /// asks the scheme why, may refuse those). The same steps as <see cref="HandleRequirementAsync"/>.
    /// </summary>
    public bool? Allows(HttpContext context, ClaimsPrincipal user, IGatewayAccessRequirement requirement)
    {
        var access = endpoints.Resolve(requirement, context);
        if (access.Kind == AccessKind.Anonymous)
        {
            return true;
        }

        if (RequestCredentials.Carried(context) && !AuthenticationSucceeded(context))
        {
            return null;
        }

        return (user.Identity?.IsAuthenticated == true || options.Value.AllowAnonymous) && Permits(user, access);
    }

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, IGatewayAccessRequirement requirement)
    {
        var access = endpoints.Resolve(requirement, context.Resource);
        if (access.Kind == AccessKind.Anonymous)
        {
            context.Succeed(requirement);
            return;
        }

        if (context.Resource is HttpContext http && await AuthenticationFailureAsync(http) is { } failure)
        {
            // Wrong credentials are refused even where anonymous access would do: the client meant to be someone.
            context.Fail(new AuthorizationFailureReason(this, $"The credentials were refused: {failure.Message}."));
            return;
        }

        var user = context.User;
        if (user.Identity?.IsAuthenticated != true && !options.Value.AllowAnonymous)
        {
            context.Fail(new AuthorizationFailureReason(this, "Authentication is required."));
            return;
        }

        if (Permits(user, access))
        {
            context.Succeed(requirement);
        }
        else
        {
            var on = access.Topic is null ? "" : $" on '{access.Topic}'";
            context.Fail(new AuthorizationFailureReason(this, $"'{AccessPolicy.PrincipalName(user)}' lacks the permission '{access.Name}'{on}."));
        }
    }

    private bool Permits(ClaimsPrincipal user, ResolvedAccess access) => access.Kind switch
    {
        AccessKind.Anonymous or AccessKind.Authenticated => true,
        AccessKind.Describe => policy.MayDescribe(user, access.Topic),
        _ => policy.IsAllowed(user, access.Permission!.Value, access.Topic),
    };
}

/// <summary>
/// The authorization middleware's evaluator. Every gateway endpoint's policy consists of
/// <see cref="IGatewayAccessRequirement"/>s, and nearly every request is allowed: for those the decision is made
/// here, by <see cref="GatewayAccessHandler.Allows"/>, and answered with cached results instead of the framework's
/// per-request authorization service, handler context, requirement set and tasks (~1 KB and a dozen objects per
/// request in the allocation profile, docs/benchmarks). Anything else — another requirement type, a policy naming
/// schemes, a refusal, credentials that did not authenticate — goes through the framework's
/// <see cref="PolicyEvaluator"/> and the same handler, so refusals and their reasons are the framework's.
/// </summary>
internal sealed class GatewayPolicyEvaluator(IAuthorizationService authorization, GatewayAccessHandler access) : IPolicyEvaluator
{
    private static readonly Task<AuthenticateResult> s_noResult = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<PolicyAuthorizationResult> s_success = Task.FromResult(PolicyAuthorizationResult.Success());

    private readonly PolicyEvaluator _framework = new(authorization);

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (policy.AuthenticationSchemes.Count == 0)
        {
            // What the framework answers (the request's own user), without a new ticket per request.
            if (context.Features.Get<IHttpAuthenticationFeature>()?.User is not { } user)
            {
                return s_noResult;
            }

            var feature = context.Features.Get<IAuthenticateResultFeature>();
            if (feature?.AuthenticateResult is { Succeeded: true } result && ReferenceEquals(result.Principal, user))
            {
                // An API key's result comes with its completed task (built once per key).
                return (feature as AuthenticatedRequest)?.Completed ?? Task.FromResult(result);
            }
        }

        return _framework.AuthenticateAsync(policy, context);
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        if (ReferenceEquals(resource, context) && AllowsAll(policy.Requirements, context))
        {
            return s_success;
        }

        return _framework.AuthorizeAsync(policy, authenticationResult, context, resource);
    }

    private bool AllowsAll(IReadOnlyList<IAuthorizationRequirement> requirements, HttpContext context)
    {
        var user = RequestUser.Of(context);
        for (var i = 0; i < requirements.Count; i++)
        {
            if (requirements[i] is not IGatewayAccessRequirement requirement || access.Allows(context, user, requirement) != true)
            {
                return false;
            }
        }

        return requirements.Count > 0;
    }
}

/// <summary>
/// Refusals as RFC 9457 ProblemDetails: 401 with a <c>WWW-Authenticate</c> challenge for every configured scheme when
/// the caller is not (validly) authenticated, 403 when it is but lacks the permission.
/// </summary>
internal sealed class GatewayAuthorizationResultHandler(IOptions<SecurityOptions> options)
    : IAuthorizationMiddlewareResultHandler
{
    private const string Realm = "realm=\"KafkaGateway\"";

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
        // Allowed requests (nearly all) go on without an async frame of their own.
        authorizeResult.Succeeded ? next(context) : RefuseAsync(context, authorizeResult);

    private async Task RefuseAsync(HttpContext context, PolicyAuthorizationResult authorizeResult)
    {
        var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message;
        Http.GatewayException answer;
        if (authorizeResult.Forbidden)
        {
            answer = Http.GatewayErrors.Forbidden.ToException(reason ?? "The principal lacks the permission for this request.");
        }
        else
        {
            var failure = await GatewayAccessHandler.AuthenticationFailureAsync(context);
            foreach (var challenge in Challenges(options.Value.Authentication, failure is not null))
            {
                context.Response.Headers.Append("WWW-Authenticate", challenge);
            }

            answer = (failure is null ? Http.GatewayErrors.Unauthorized : Http.GatewayErrors.InvalidCredentials)
                .ToException(reason ?? "Authenticate with a client certificate, an API key or a bearer token.");
        }

        await Http.GatewayProblemWriter.WriteAsync(context, answer);
    }

    private static IEnumerable<string> Challenges(GatewayAuthenticationOptions authentication, bool failed)
    {
        if (authentication.Jwt.IsEnabled)
        {
            yield return failed ? "Bearer error=\"invalid_token\"" : "Bearer";
        }

        if (authentication.ApiKeys.Count > 0)
        {
            yield return $"ApiKey {Realm}";
            yield return $"Basic {Realm}, charset=\"UTF-8\"";
        }

        if (authentication.ClientCertificates.IsEnabled || !authentication.AnyConfigured)
        {
            // No standard scheme exists for TLS client certificates; the token tells the client what is expected.
            yield return $"ClientCertificate {Realm}";
        }
    }
}
