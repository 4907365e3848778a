namespace KafkaGateway.Security;

/// <summary>
/// One structured audit event (EventId 4200) per admin or registry write: principal, action, target and outcome, refusals included. Sits before authorization so a 401/403 is
/// audited too; what is audited follows from the endpoint's declared access (<see cref="EndpointAccess"/>).
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, EndpointAccess access, ILogger<AuditMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (access.AuditActionOf(context, out var resolved) is { } action)
        {
            AuditWhenCompleted(context, action, resolved);
        }

        return next(context);
    }

    /// <summary>
    /// Written when the response is complete: exceptions thrown by the action (validation, Kafka errors) become their
    /// final status in the exception handler further out, and that status is the outcome to audit. (A method of its
    /// own so the callback's closure is only allocated for audited requests, not on every request.)
    /// </summary>
    private void AuditWhenCompleted(HttpContext context, string action, ResolvedAccess resolved) =>
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
            var principal = AccessPolicy.PrincipalName(RequestUser.Of(context));
            var target = Target(context, resolved);
            SecurityLog.Audit(logger, principal, action, target, outcome, status);
            return Task.CompletedTask;
        });

    private static string Target(HttpContext context, ResolvedAccess access)
    {
        var values = context.Request.RouteValues
            .Where(v => v.Key is not ("controller" or "action") && v.Value is not null)
            .Select(v => $"{v.Key}={v.Value}")
            .ToArray();
        return values.Length > 0 ? string.Join(' ', values) : access.Topic ?? context.Request.Path.Value ?? "/";
    }
}
