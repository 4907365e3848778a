using System.Net;
using System.Reflection;
using System.Text.Json;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// With <c>SchemaRegistry:Url</c> set, <c>/registry/{**path}</c> is one endpoint (name <c>registry.forward</c>)
/// that forwards to that registry with YARP's <see cref="IHttpForwarder"/>, behind the same authentication,
/// authorization, rate limiting and audit as every other endpoint. The connection applies <c>SchemaRegistry:Tls</c>
/// and the registry credentials (<c>BasicAuth*</c>/<c>BearerToken</c>), never the caller's. Failures answer
/// Confluent-style bodies registry clients parse: 502 with error_code 50003 when the registry cannot be reached,
/// 504 with 50002 when it does not answer in time.
/// </summary>
public static partial class RegistryForwarding
{
    /// <summary>The name of the forwarder's HTTP handler (the registry client's TLS set-up, no redirects, no cookies).</summary>
    public const string HandlerName = "KafkaGateway.Schemas.RegistryForwarder";

    /// <summary>The forwarding endpoint's name.</summary>
    public const string EndpointName = "registry.forward";

    /// <summary>Maps <c>/registry/{**path}</c> when an external registry is configured; nothing otherwise.</summary>
    public static WebApplication MapRegistryForwarding(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;
        if (!options.UsesExternalRegistry)
        {
            return app;
        }

        app.Map("/registry/{**path}", ForwardAsync)
            .WithName(EndpointName)
            .RequireGatewayAccess(ForwardedRegistryAccess.Instance)
            .ExcludeFromDescription();
        return app;
    }

    internal static void AddRegistryForwarding(IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddHttpClient(HandlerName)
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var created = SchemaRegistryHttpHandler.Create(
                    provider.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value.Tls,
                    provider.GetService<TimeProvider>() ?? TimeProvider.System);
                if (created is SocketsHttpHandler handler)
                {
                    // What a proxy needs (YARP's guidance): the caller sees the registry's answers as they are.
                    handler.AllowAutoRedirect = false;
                    handler.UseCookies = false;
                    handler.UseProxy = false;
                    handler.AutomaticDecompression = DecompressionMethods.None;
                }

                // Otherwise TLS material that does not load: every forwarded call fails with that reason (502).
                return created;
            })
            .RedactLoggedHeaders(_ => true);
        services.AddOptions<MvcOptions>().Configure<IOptions<SchemaRegistryOptions>>((mvc, registry) =>
            mvc.Conventions.Add(new BuiltInRegistryOnlyConvention(registry.Value)));
    }

    private static async Task ForwardAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var registry = services.GetRequiredService<IOptions<SchemaRegistryOptions>>().Value;
        // The handler factory rotates handlers, so rotated certificate files are picked up without a restart.
        using var invoker = new HttpMessageInvoker(services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(HandlerName), disposeHandler: false);
        // Failover between several URLs is the registry client's; forwarded calls go to the first.
        var destination = registry.BaseUrls[0].ToString().TrimEnd('/');
        var error = await services.GetRequiredService<IHttpForwarder>().SendAsync(
            context, destination, invoker,
            new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(registry.ForwardTimeoutSeconds) },
            new RegistryTransformer(SchemaRegistryClientServiceCollectionExtensions.AuthorizationHeader(registry)?.ToString()));
        if (error == ForwarderError.None && IsSuccessStatusCode(context.Response.StatusCode)
            && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
            && ForwardedRegistryAccess.Instance.SubjectOf(context) is { } changed)
        {
            // A registration or deletion made through the forwarder changes the subject's latest version past the
            // gateway's cache: forget it, so this gateway's next produce sees the change at once.
            services.GetService<CachingSchemaRegistry>()?.Invalidate(changed);
        }

        if (error == ForwarderError.None || context.Response.HasStarted)
        {
            return;
        }

        var exception = context.GetForwarderErrorFeature()?.Exception;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RegistryForwarding));
        switch (error)
        {
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled:
                return; // The caller left.
            case ForwarderError.RequestBodyClient:
                return; // YARP answered 400: the caller's body broke off.
            case ForwarderError.RequestTimedOut:
                LogForwardFailed(logger, exception, context.Request.Method, context.Request.Path, "timed out");
                await WriteErrorAsync(context, StatusCodes.Status504GatewayTimeout, RegistryErrors.OperationTimeout,
                    $"The schema registry at {destination} did not answer within {registry.ForwardTimeoutSeconds}s (SchemaRegistry:ForwardTimeoutSeconds).");
                return;
            default:
                LogForwardFailed(logger, exception, context.Request.Method, context.Request.Path, exception?.Message ?? error.ToString());
                await WriteErrorAsync(context, StatusCodes.Status502BadGateway, RegistryErrors.ForwardingError,
                    $"Error while forwarding the request to the schema registry at {destination}: {exception?.Message ?? error.ToString()}");
                return;
        }
    }

    private static bool IsSuccessStatusCode(int status) => status is >= 200 and < 300;

    private static Task WriteErrorAsync(HttpContext context, int status, int errorCode, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = RegistryMediaTypes.Negotiate(context.Request);
        return JsonSerializer.SerializeAsync(context.Response.Body, new RegistryError(errorCode, message), RegistryMediaTypes.SerializerOptions);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Method} {Path} to the schema registry failed: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, Exception? exception, string method, string path, string reason);

    /// <summary>
    /// The path after <c>/registry</c> and the query go to the registry; the caller's credentials (they
    /// authenticate it to the gateway) are replaced by the registry's.
    /// </summary>
    private sealed class RegistryTransformer(string? authorization) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            httpContext.Request.Path.StartsWithSegments("/registry", out var rest);
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, rest, httpContext.Request.QueryString);
            proxyRequest.Headers.Remove("Authorization");
            proxyRequest.Headers.Remove("Cookie");
            proxyRequest.Headers.Remove(ApiKeyAuthenticationHandler.HeaderName);
            if (authorization is not null)
            {
                proxyRequest.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
        }
    }

    /// <summary>In external mode the built-in registry's controller is not mapped: the forwarder answers all of <c>/registry</c>.</summary>
    private sealed class BuiltInRegistryOnlyConvention(SchemaRegistryOptions registry) : IApplicationModelConvention
    {
        public void Apply(ApplicationModel application)
        {
            if (!registry.UsesExternalRegistry)
            {
                return;
            }

            foreach (var controller in application.Controllers.Where(c => c.ControllerType == typeof(RegistryController)).ToList())
            {
                application.Controllers.Remove(controller);
            }
        }
    }
}

/// <summary>
/// What a forwarded registry call needs: exactly what the built-in registry's action for the same method and path
/// declares (read from <see cref="RegistryController"/>'s <see cref="GatewayAccessAttribute"/>s, so both modes
/// follow one declaration). Calls the built-in registry does not serve (e.g. <c>/mode</c>, <c>/contexts</c>) need
/// nothing beyond sign-in to read and <c>schemas:write</c> to change anything: on the subject's topic when the path
/// names a subject (<c>subjects/{subject}</c>, <c>config/{subject}</c>, <c>mode/{subject}</c>), else on <c>*</c>.
/// </summary>
internal sealed class ForwardedRegistryAccess : IGatewayAccessRequirement
{
    private static readonly string[] s_subjectPaths = ["subjects/{subject}/{**rest}", "config/{subject}/{**rest}", "mode/{subject}/{**rest}"];

    private readonly (TemplateMatcher Matcher, HashSet<string> Methods, GatewayAccessRequirement Requirement)[] _declared;
    private readonly TemplateMatcher[] _subjectPaths;

    private ForwardedRegistryAccess()
    {
        var controllerAccess = typeof(RegistryController).GetCustomAttribute<GatewayAccessAttribute>();
        _declared =
        [
            .. from method in typeof(RegistryController).GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
               from http in method.GetCustomAttributes<HttpMethodAttribute>()
               let access = method.GetCustomAttribute<GatewayAccessAttribute>() ?? controllerAccess
                   ?? throw new InvalidOperationException($"RegistryController.{method.Name} declares no access.")
               select (Matcher(http.Template ?? ""), http.HttpMethods.ToHashSet(StringComparer.OrdinalIgnoreCase), access.Requirement),
        ];
        _subjectPaths = [.. s_subjectPaths.Select(Matcher)];
    }

    public static ForwardedRegistryAccess Instance { get; } = new();

    public ResolvedAccess Resolve(object? resource)
    {
        if (resource is TopicResource topic)
        {
            return new ResolvedAccess(AccessKind.Permission, GatewayPermission.SchemasWrite, topic.Topic);
        }

        if (resource is not HttpContext http)
        {
            return new ResolvedAccess(AccessKind.Permission, GatewayPermission.SchemasWrite, null);
        }

        var method = http.Request.Method;
        var path = PathOf(http);
        foreach (var (matcher, methods, requirement) in _declared)
        {
            var values = new RouteValueDictionary();
            if (methods.Contains(method) && matcher.TryMatch(path, values))
            {
                return new ResolvedAccess(requirement.Kind, requirement.Permission,
                    requirement.TopicFrom is { } from ? GatewayAccessRequirement.TopicOf(from, values[from] as string) : null);
            }
        }

        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            return new ResolvedAccess(AccessKind.Authenticated, null, null);
        }

        foreach (var matcher in _subjectPaths)
        {
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values) && values["subject"] is string subject)
            {
                return new ResolvedAccess(AccessKind.Permission, GatewayPermission.SchemasWrite, GatewayAccessRequirement.TopicOf("subject", subject));
            }
        }

        return new ResolvedAccess(AccessKind.Permission, GatewayPermission.SchemasWrite, null);
    }

    /// <summary>The subject a forwarded call's path names (<c>subjects/{subject}</c>...), or null.</summary>
    public string? SubjectOf(HttpContext http)
    {
        var values = new RouteValueDictionary();
        return _subjectPaths[0].TryMatch(PathOf(http), values) && values["subject"] is string subject && subject.Length > 0 ? subject : null;
    }

    public override string ToString() => "as the built-in registry declares; other writes schemas:write";

    private static PathString PathOf(HttpContext http) => new("/" + ((http.GetRouteValue("path") as string) ?? "").Trim('/'));

    private static TemplateMatcher Matcher(string template) => new(TemplateParser.Parse(template.Trim('/')), []);
}
