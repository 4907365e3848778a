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

        // Written when the response is complete: exceptions thrown by the action (validation, Kafka errors) become
        // their final status in the exception handler further out, and that status is the outcome to audit.
        context.Response.OnCompleted(() =>
        {
            var status = context.Response.StatusCode;
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
            return Task.CompletedTask;
        });
        await next(context);
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
