using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
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
    /// <summary>
    /// Why the credentials the request carries were refused, or null. The authentication middleware only records
    /// successes; asking the default scheme again is cheap (handlers cache their result per request). A request that
    /// carries no credentials cannot have had them refused, and is not authenticated at all.
    /// </summary>
    public static Task<Exception?> AuthenticationFailureAsync(HttpContext context) =>
        RequestCredentials.Carried(context) ? FailureAsync(context) : Task.FromResult<Exception?>(null);

    private static async Task<Exception?> FailureAsync(HttpContext context) => (await context.AuthenticateAsync()).Failure;

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

        var allowed = access.Kind switch
        {
            AccessKind.Authenticated => true,
            AccessKind.Describe => policy.MayDescribe(user, access.Topic),
            _ => policy.IsAllowed(user, access.Permission!.Value, access.Topic),
        };
        if (allowed)
        {
            context.Succeed(requirement);
        }
        else
        {
            var on = access.Topic is null ? "" : $" on '{access.Topic}'";
            context.Fail(new AuthorizationFailureReason(this, $"'{AccessPolicy.PrincipalName(user)}' lacks the permission '{access.Name}'{on}."));
        }
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

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

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
