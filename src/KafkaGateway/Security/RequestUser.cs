using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace KafkaGateway.Security;

/// <summary>
/// The request's principal without building one for a request nobody authenticated: <c>HttpContext.User</c> of such a
/// request allocates an empty principal, identity and identity list on first read (~250 B per anonymous request). The
/// shared stand-in is equivalent (not authenticated, no claims) and must only be read, never given identities or
/// claims; nothing in the gateway adds them outside the authentication handlers, which build their own.
/// </summary>
internal static class RequestUser
{
    /// <summary>An unauthenticated principal with no claims, shared by every anonymous request.</summary>
    internal static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    /// <summary>The principal authentication set, or <see cref="Anonymous"/>.</summary>
    public static ClaimsPrincipal Of(HttpContext context) =>
        context.Features.Get<IHttpAuthenticationFeature>()?.User ?? Anonymous;
}
