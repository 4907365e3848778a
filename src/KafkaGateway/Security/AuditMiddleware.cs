using KafkaGateway.Http;

namespace KafkaGateway.Security;

/// <summary>
/// One structured audit event (EventId 4200) per admin or registry write, or per <see cref="AuditedAttribute"/>
/// action: principal, action, target and outcome, refusals included. Sits before authorization so a 401/403 is
/// audited too.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, RouteAccessTable table, ILogger<AuditMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var requirement = GatewayAccessHandler.RequirementOf(context, table);
        if (requirement.AuditAction is null)
        {
            await next(context);
            return;
        }

        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (GatewayException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            var outcome = status switch
            {
                < 400 => "succeeded",
                401 or 403 => "denied",
                < 500 => "rejected",
                _ => "failed",
            };
            var principal = AccessPolicy.PrincipalName(context.User);
            var target = Target(context, requirement);
            SecurityLog.Audit(logger, principal, requirement.AuditAction, target, outcome, status);
        }
    }

    private static string Target(HttpContext context, AccessRequirement requirement)
    {
        var values = context.Request.RouteValues
            .Where(v => v.Key is not ("controller" or "action") && v.Value is not null)
            .Select(v => $"{v.Key}={v.Value}")
            .ToArray();
        return values.Length > 0 ? string.Join(' ', values) : requirement.Topic ?? context.Request.Path.Value ?? "/";
    }
}
