namespace KafkaGateway.ApiDocument;

/// <summary>
/// The request the OpenAPI document is being served for. Swashbuckle's document filters get no HttpContext, and the
/// document is computed per request (its address, the caller's topics). <c>IHttpContextAccessor</c> would answer
/// that, but while it is registered hosting writes an async-local on every request of every route; this one is
/// written only on the Swagger branch (<see cref="ApiDocumentServiceCollectionExtensions.MapSwaggerUi"/>).
/// </summary>
internal static class DocumentRequest
{
    private static readonly AsyncLocal<HttpContext?> s_current = new();

    /// <summary>The Swagger request in flight on this async flow, else null.</summary>
    public static HttpContext? Current => s_current.Value;

    /// <summary>Middleware of the Swagger branch: makes the request <see cref="Current"/> while the document is built.</summary>
    public static async Task Capture(HttpContext context, RequestDelegate next)
    {
        s_current.Value = context;
        try
        {
            await next(context);
        }
        finally
        {
            s_current.Value = null;
        }
    }
}
