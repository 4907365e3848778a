using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaGateway.Hosting;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every readiness check), both anonymous so
/// probes need no credentials. Without the <c>cluster</c> permission the answer is only the overall status
/// (<c>Healthy</c>, <c>Degraded</c>, <c>Unhealthy</c>): the checks' details name brokers, certificates and the last
/// client error, which are for operators.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        // Liveness runs no check, so its answer never changes: written from fixed bytes, with the health-check
        // middleware's no-cache headers, instead of building a report and serializing it on every probe.
        // GET and HEAD only: a probe reads; DELETE /health/live answered 200 as if it had done something. Any other
        // method is routing's 405 with Allow (ProblemDetails method_not_allowed), like every other route.
        app.MapMethods("/health/live", s_probeMethods, (RequestDelegate)WriteLive).WithName("health.live").RequireGatewayAccess(AccessKind.Anonymous);
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = WriteJson,
        }).WithMetadata(new HttpMethodMetadata(s_probeMethods)).WithName("health.ready").RequireGatewayAccess(AccessKind.Anonymous);
    }

    private static readonly string[] s_probeMethods = [HttpMethods.Get, HttpMethods.Head];

    private static readonly byte[] s_healthy = "{\"status\":\"Healthy\"}"u8.ToArray();

    private static Task WriteLive(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = s_healthy.Length;
        var headers = response.Headers;
        headers.CacheControl = "no-store, no-cache";
        headers.Pragma = "no-cache";
        headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
        return response.Body.WriteAsync(s_healthy, context.RequestAborted).AsTask();
    }

    private static async Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        var details = report.Entries.Count > 0
            && (await authorization.AuthorizeAsync(context.User, new TopicResource(null), GatewayAccessRequirement.For(GatewayPermission.Cluster))).Succeeded;
        object body = details
            ? new
            {
                status = report.Status.ToString(),
                durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
                checks = report.Entries.Select(entry => new
                {
                    name = entry.Key,
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description,
                    durationMs = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                    data = entry.Value.Data,
                }),
            }
            : new { status = report.Status.ToString() };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, JsonSerializerOptions.Web, context.RequestAborted);
    }
}
