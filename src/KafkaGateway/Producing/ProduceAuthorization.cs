using System.Security.Claims;
using KafkaGateway.Security;

namespace KafkaGateway.Producing;

/// <summary>
/// The permission checks the produce path makes itself, beyond the route's own <c>produce</c>: whether a request may
/// register a schema (<c>schemas:write</c>) or have a missing topic created (<c>admin</c>), and the audit events of
/// what it did. One seam over the gateway's authorization, so the produce path names what it needs, not how rules
/// are evaluated.
/// </summary>
public sealed class ProduceAuthorization(AccessPolicy policy, ILogger<ProduceAuthorization> logger)
{
    /// <summary>The principal's name for messages and audit.</summary>
    public static string NameOf(ClaimsPrincipal user) => AccessPolicy.PrincipalName(user);

    /// <summary>Whether <paramref name="user"/> may register schemas for <paramref name="topic"/>'s subjects.</summary>
    public bool MayWriteSchemas(ClaimsPrincipal user, string topic) => policy.IsAllowed(user, GatewayPermission.SchemasWrite, topic);

    /// <summary>Whether <paramref name="user"/> administers <paramref name="topic"/> (and so may have it created).</summary>
    public bool MayAdminister(ClaimsPrincipal user, string topic) => policy.IsAllowed(user, GatewayPermission.Admin, topic);

    /// <summary>Writes an audit event (EventId 4200, like every audited endpoint) for something the produce path did.</summary>
    public void Audit(ClaimsPrincipal user, string action, string target, bool succeeded, int status)
    {
        var principal = NameOf(user);
        var outcome = succeeded ? "succeeded" : status >= 500 ? "failed" : "rejected";
        SecurityLog.Audit(logger, principal, action, target, outcome, status);
    }
}
