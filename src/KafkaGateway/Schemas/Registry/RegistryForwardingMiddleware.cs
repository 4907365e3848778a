using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// When <c>SchemaRegistry:Url</c> is set, answers every <c>/registry/…</c> request by forwarding it to that
/// registry: method, path after <c>/registry</c>, query, body and content type go there; status, content type and
/// body come back unchanged. The caller's Authorization header is not forwarded (it authenticates the caller to the
/// gateway, not to the registry). Failures answer Confluent-style bodies, which registry clients parse:
/// 502 with error_code 50003 when the registry cannot be reached, 504 with 50002 when it does not answer in time.
/// </summary>
internal sealed partial class RegistryForwardingMiddleware(
    RequestDelegate next,
    IHttpClientFactory clients,
    IOptions<BuiltInRegistryOptions> options,
    ILogger<RegistryForwardingMiddleware> logger)
{
    /// <summary>The name of the forwarder's HttpClient (tests and deployments may configure its handler).</summary>
    public const string ClientName = "KafkaGateway.Schemas.RegistryForwarder";

    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.Value;
        // Not async on this path: every request passes through here, and an async method costs each one a state
        // machine box (about 430 B in the produce benchmark's allocation profile) only to await the next middleware.
        return settings.IsBuiltIn || !context.Request.Path.StartsWithSegments("/registry", out var rest)
            ? next(context)
            : ForwardAsync(context, settings, rest);
    }

    private async Task ForwardAsync(HttpContext context, BuiltInRegistryOptions settings, PathString rest)
    {
        var target = new Uri(settings.Url!.Trim().TrimEnd('/') + rest.Value + context.Request.QueryString.Value);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            request.Content.Headers.ContentLength = context.Request.ContentLength;
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }

        foreach (var accept in context.Request.Headers.Accept)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        try
        {
            var client = clients.CreateClient(ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } answerType)
            {
                context.Response.ContentType = answerType.ToString();
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller left.
        }
        catch (OperationCanceledException ex) when (!context.Response.HasStarted)
        {
            LogForwardFailed(logger, ex, context.Request.Method, target.GetLeftPart(UriPartial.Path), "timed out");
            await WriteErrorAsync(context, StatusCodes.Status504GatewayTimeout, RegistryErrors.OperationTimeout,
                $"The schema registry at {settings.Url} did not answer within {settings.ForwardTimeoutSeconds}s (SchemaRegistry:ForwardTimeoutSeconds).");
        }
        catch (HttpRequestException ex) when (!context.Response.HasStarted)
        {
            LogForwardFailed(logger, ex, context.Request.Method, target.GetLeftPart(UriPartial.Path), ex.Message);
            await WriteErrorAsync(context, StatusCodes.Status502BadGateway, RegistryErrors.ForwardingError,
                $"Error while forwarding the request to the schema registry at {settings.Url}: {ex.Message}");
        }
    }

    private static Task WriteErrorAsync(HttpContext context, int status, int errorCode, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = RegistryMediaTypes.Negotiate(context.Request);
        return JsonSerializer.SerializeAsync(context.Response.Body, new RegistryError(errorCode, message), RegistryMediaTypes.SerializerOptions);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Method} {Target} to the schema registry failed: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, Exception exception, string method, string target, string reason);
}
