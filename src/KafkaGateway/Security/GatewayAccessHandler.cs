using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>The gateway's one authorization requirement: what <see cref="RouteAccessTable"/> says the request needs.</summary>
internal sealed class GatewayAccessRequirement : IAuthorizationRequirement;

/// <summary>
/// Checks every request (the fallback policy) against its <see cref="AccessRequirement"/> before any controller
/// runs, so a refused caller never makes the gateway touch Kafka and cannot learn whether a topic exists.
/// </summary>
internal sealed class GatewayAccessHandler(RouteAccessTable table, AccessPolicy policy, IOptions<SecurityOptions> options)
    : AuthorizationHandler<GatewayAccessRequirement>
{
    private static readonly object s_requirementKey = new();

    /// <summary>The request's requirement, resolved once per request.</summary>
    public static AccessRequirement RequirementOf(HttpContext context, RouteAccessTable table)
    {
        if (context.Items.TryGetValue(s_requirementKey, out var cached) && cached is AccessRequirement requirement)
        {
            return requirement;
        }

        requirement = table.Resolve(context);
        context.Items[s_requirementKey] = requirement;
        return requirement;
    }

    /// <summary>
    /// Why the credentials the request carries were refused, or null. The authentication middleware only records
    /// successes; asking the default scheme again is cheap (handlers cache their result per request).
    /// </summary>
    public static async Task<Exception?> AuthenticationFailureAsync(HttpContext context) =>
        (await context.AuthenticateAsync()).Failure;

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, GatewayAccessRequirement requirement)
    {
        if (context.Resource is not HttpContext http)
        {
            context.Fail(new AuthorizationFailureReason(this, "The request could not be classified."));
            return;
        }

        var access = RequirementOf(http, table);
        if (access.Kind == AccessKind.Anonymous)
        {
            context.Succeed(requirement);
            return;
        }

        if (await AuthenticationFailureAsync(http) is { } failure)
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
            var what = access.Kind == AccessKind.Describe ? "describe" : GatewayPermissions.Name(access.Permission!.Value);
            var on = access.Topic is null ? "" : $" on '{access.Topic}'";
            context.Fail(new AuthorizationFailureReason(this, $"'{AccessPolicy.PrincipalName(user)}' lacks the permission '{what}'{on}."));
        }
    }
}

/// <summary>
/// Refusals as RFC 9457 ProblemDetails: 401 with a <c>WWW-Authenticate</c> challenge for every configured scheme when
/// the caller is not (validly) authenticated, 403 when it is but lacks the permission.
/// </summary>
internal sealed class GatewayAuthorizationResultHandler(IProblemDetailsService problemDetails, IOptions<SecurityOptions> options)
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
        ProblemDetails problem;
        if (authorizeResult.Forbidden)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = reason ?? "The principal lacks the permission for this request.",
                Extensions = { ["code"] = "forbidden" },
            };
        }
        else
        {
            var failure = await GatewayAccessHandler.AuthenticationFailureAsync(context);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            foreach (var challenge in Challenges(options.Value.Authentication, failure is not null))
            {
                context.Response.Headers.Append("WWW-Authenticate", challenge);
            }

            problem = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = failure is null ? "Authentication required" : "Invalid credentials",
                Detail = reason ?? "Authenticate with a client certificate, an API key or a bearer token.",
                Extensions = { ["code"] = failure is null ? "unauthorized" : "invalid_credentials" },
            };
        }

        await problemDetails.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
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
