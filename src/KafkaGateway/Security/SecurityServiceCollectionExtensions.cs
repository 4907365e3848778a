using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using KafkaGateway.Tls;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Security;

/// <summary>Authentication, authorization, audit, request limits, CORS and HSTS.</summary>
public static class SecurityServiceCollectionExtensions
{
    private static readonly object s_noEvents = new();

    /// <summary>The default scheme: forwards to client certificate, API key or JWT by what the request carries.</summary>
    public const string GatewayScheme = "Gateway";

    /// <summary>
    /// Adds <c>Security</c> (validated at start-up). Every decision is made from the final configuration when the
    /// options are first read, not here.
    /// </summary>
    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>());
        services.TryAddSingleton<AccessPolicy>();
        services.TryAddSingleton<EndpointAccess>();
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<ClientCertificateTrust>();

        services.AddAuthentication(GatewayScheme)
            .AddPolicyScheme(GatewayScheme, GatewayScheme, options => options.ForwardDefaultSelector = SelectScheme)
            // These handlers raise no events; without an events object of their own the framework builds one (and a
            // task) on every request the handler is created for.
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, options => options.Events = s_noEvents)
            .AddScheme<AuthenticationSchemeOptions, ClientCertificateAuthenticationHandler>(ClientCertificateAuthentication.SchemeName, options => options.Events = s_noEvents)
            .AddJwtBearer(JwtBearerSetup.SchemeName);
        services.AddOptions<JwtBearerOptions>(JwtBearerSetup.SchemeName)
            .Configure<IOptions<SecurityOptions>>((jwt, security) => JwtBearerSetup.Configure(jwt, security.Value.Authentication.Jwt));

        // Endpoints declare their requirement ([GatewayAccess], RequireGatewayAccess); the fallback only decides requests
        // no endpoint matched (their 404 is for signed-in principals), and EndpointAccessCheck refuses to start with an
        // endpoint that declares nothing.
        services.AddAuthorization(options =>
        {
            options.FallbackPolicy = new AuthorizationPolicyBuilder().AddRequirements(UndeclaredEndpointRequirement.Instance).Build();
            options.DefaultPolicy = new AuthorizationPolicyBuilder().AddRequirements(GatewayAccessRequirement.Authenticated).Build();
        });
        services.AddOptions<MvcOptions>().Configure(mvc => mvc.Conventions.Add(new EndpointNameConvention()));
        services.TryAddSingleton<GatewayAccessHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, GatewayAccessHandler>(provider => provider.GetRequiredService<GatewayAccessHandler>()));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GatewayAuthorizationResultHandler>();
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, GatewayPolicyEvaluator>());

        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelLimitsSetup>();
        services.TryAddSingleton<ReloadingServerCertificate>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>, GatewayHttpsSetup>());
        services.AddOptions<JsonOptions>()
            .Configure<IOptions<SecurityOptions>>((json, security) => json.JsonSerializerOptions.MaxDepth = security.Value.Limits.MaxJsonDepth);
        services.TryAddSingleton<ClientRateLimits>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<SecurityOptions>>((cors, security) => ConfigureCors(cors, security.Value.Cors));
        services.AddHsts(_ => { });
        services.AddOptions<HstsOptions>().Configure<IOptions<SecurityOptions>>((hsts, security) =>
        {
            hsts.MaxAge = TimeSpan.FromDays(security.Value.HstsMaxAgeDays);
            hsts.IncludeSubDomains = false;
        });
        services.AddOptions<Swashbuckle.AspNetCore.SwaggerGen.SwaggerGenOptions>()
            .Configure<IOptions<SecurityOptions>>((swagger, security) => SwaggerSecurityDefinitions.Configure(swagger, security.Value.Authentication));
        services.AddHostedService<SecurityStartupReport>();
        return builder;
    }

    /// <summary>HSTS outside Development, when <c>Security:HstsMaxAgeDays</c> is above 0.</summary>
    public static WebApplication UseGatewayHsts(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            UseWhenEnabled(app, () => app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.HstsMaxAgeDays > 0, branch => branch.UseHsts());
        }

        return app;
    }

    /// <summary>
    /// CORS (<c>Security:Cors</c>) when origins are configured. Without any the middleware finds no policy for any
    /// request, but on its way there resolves a policy provider from the request's services and marks
    /// <c>HttpContext.Items</c> on every request; no endpoint carries CORS metadata of its own.
    /// </summary>
    public static WebApplication UseGatewayCors(this WebApplication app)
    {
        UseWhenEnabled(app, () => app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.Cors.AllowedOrigins.Count > 0, branch => branch.UseCors());
        return app;
    }

    /// <summary>
    /// Adds <paramref name="configure"/>'s middleware when <paramref name="enabled"/> says so, decided when the pipeline
    /// is built: the host builds it when it starts, after the options were validated and before the server accepts a
    /// request (test hosts have added their settings by then), not here, where the configuration is not final yet. A
    /// feature that is off is then no step at all, instead of a predicate asked on every request (UseWhen).
    /// </summary>
    private static void UseWhenEnabled(WebApplication app, Func<bool> enabled, Action<IApplicationBuilder> configure) =>
        ((IApplicationBuilder)app).Use(next =>
        {
            if (!enabled())
            {
                return next;
            }

            var branch = ((IApplicationBuilder)app).New();
            configure(branch);
            branch.Run(next);
            return branch.Build();
        });

    /// <summary>
    /// Authentication of requests that carry credentials (an <c>Authorization</c> or API-key header, a client
    /// certificate), by the scheme they are for (<see cref="GatewayAuthentication"/>). A request without any would
    /// only run the schemes to learn "no result" (a handler instance per scheme per request): it stays anonymous at no
    /// cost, and authorization decides what anonymous may do.
    /// </summary>
    public static WebApplication UseGatewayAuthentication(this WebApplication app)
    {
        app.UseMiddleware<GatewayAuthentication>();
        // WebApplication adds an unconditional UseAuthentication in front of everything when the authentication
        // services are registered and the app "did not call" it; this is the mark it checks.
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        return app;
    }

    /// <summary><c>Security:Limits:MaxRequestBodyBytes</c>: 413 for a larger declared body, and the server's cut for a chunked one.</summary>
    public static WebApplication UseRequestBodyLimit(this WebApplication app)
    {
        app.UseMiddleware<RequestBodyLimit>();
        return app;
    }

    /// <summary>
    /// <c>Security:Limits:RequestsPerSecondPerClient</c>: 429 with Retry-After beyond a client's token bucket
    /// (<see cref="RequestRateLimiting"/>). After authentication, so a principal is limited by its name.
    /// </summary>
    public static WebApplication UseRequestRateLimits(this WebApplication app)
    {
        // Without a limit no step at all (decided when the pipeline is built, after the options were validated).
        ((IApplicationBuilder)app).Use(next => app.Services.GetRequiredService<ClientRateLimits>() is { Buckets: not null } limits
            ? new RequestRateLimiting(next, limits).InvokeAsync
            : next);
        return app;
    }

    /// <summary>
    /// The audit event of every audited action. Before authorization, so a 401/403 is audited too; after
    /// authentication and rate limiting, so it names the principal and a 429 is not audited as a write.
    /// </summary>
    public static WebApplication UseAudit(this WebApplication app)
    {
        app.UseMiddleware<AuditMiddleware>();
        return app;
    }

    /// <summary>
    /// Authorization of every request (<see cref="GatewayAuthorization"/>): the framework's <c>UseAuthorization</c>
    /// steps with the gateway's evaluator and result handler held instead of resolved per request.
    /// </summary>
    public static WebApplication UseGatewayAuthorization(this WebApplication app)
    {
        // The framework's own check that AddAuthorization ran.
        _ = app.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        app.UseMiddleware<GatewayAuthorization>();
        // WebApplication adds the framework's UseAuthorization behind everything else unless this mark is set (so a
        // pipeline without this call would still authorize every request, through the framework's middleware).
        ((IApplicationBuilder)app).Properties["__AuthorizationMiddlewareSet"] = true;
        return app;
    }

    private static string SelectScheme(HttpContext context) =>
        SelectScheme(context, context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.Authentication);

    /// <summary>The scheme for the credentials the request carries (the default scheme forwards to it).</summary>
    internal static string SelectScheme(HttpContext context, GatewayAuthenticationOptions authentication)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authentication.Jwt.IsEnabled)
        {
            return JwtBearerSetup.SchemeName;
        }

        if (ApiKeyAuthenticationHandler.HasCredentials(context.Request))
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }

        if (authentication.ClientCertificates.IsEnabled && context.Connection.ClientCertificate is not null)
        {
            return ClientCertificateAuthentication.SchemeName;
        }

        // Nothing (or an unconfigured kind): the API key handler answers "no result", i.e. unauthenticated.
        return ApiKeyAuthenticationHandler.SchemeName;
    }

    private static void ConfigureCors(CorsOptions cors, CorsSettings settings)
    {
        if (settings.AllowedOrigins.Count == 0)
        {
            return;
        }

        cors.AddDefaultPolicy(policy =>
        {
            if (settings.AllowedOrigins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins([.. settings.AllowedOrigins]);
            }

            policy.WithMethods(settings.AllowedMethods.Count > 0 ? [.. settings.AllowedMethods] : ["GET", "POST", "PUT", "PATCH", "DELETE"]);
            policy.WithHeaders(settings.AllowedHeaders.Count > 0 ? [.. settings.AllowedHeaders]
                : ["Authorization", "Content-Type", ApiKeyAuthenticationHandler.HeaderName, "Idempotency-Key", "Last-Event-ID", "traceparent", "tracestate"]);
            policy.WithExposedHeaders("Retry-After", "Idempotent-Replayed", "Topic-Created");
            if (settings.AllowCredentials)
            {
                policy.AllowCredentials();
            }
        });
    }

    /// <summary>Kestrel's limits against large and slow requests.</summary>
    private sealed class KestrelLimitsSetup(IOptions<SecurityOptions> options) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            var limits = options.Value.Limits;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.RequestHeadersTimeoutSeconds);
            kestrel.Limits.MinRequestBodyDataRate = limits.MinRequestBodyBytesPerSecond > 0
                ? new MinDataRate(limits.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5))
                : null;
        }
    }

    /// <summary>Logs what is configured, and warns about anonymous access and the absence of rules.</summary>
    private sealed class SecurityStartupReport(IOptions<SecurityOptions> options, ClientCertificateTrust trust, ILogger<SecurityStartupReport> logger)
        : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var security = options.Value;
            var authentication = security.Authentication;
            SecurityLog.Configured(logger, authentication.ClientCertificates.IsEnabled, authentication.ApiKeys.Count, authentication.Jwt.IsEnabled,
                security.Authorization.Rules.Count);
            if (security.AllowAnonymous)
            {
                SecurityLog.AnonymousAllowed(logger);
            }

            if (security.Authorization.Rules.Count == 0)
            {
                SecurityLog.NoRules(logger);
            }

            if (authentication.ClientCertificates.IsEnabled && trust.Revocations is null)
            {
                SecurityLog.NoRevocationCheck(logger);
            }

            if (trust.Revocations?.NextUpdate is { } next && next < DateTimeOffset.UtcNow)
            {
                SecurityLog.CrlStale(logger, next);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// <c>Security:Limits:MaxRequestBodyBytes</c> per request: a declared Content-Length above it is answered 413 before
/// anything is read; a chunked body is cut by the server's <see cref="IHttpMaxRequestBodySizeFeature"/> (413 too).
/// An endpoint that streams its body and bounds what it holds itself says so with <c>[DisableRequestSizeLimit]</c>
/// (NDJSON values, whose lines are bounded one by one).
/// </summary>
internal sealed class RequestBodyLimit(RequestDelegate next, IOptions<SecurityOptions> options)
{
    private readonly long _max = options.Value.Limits.MaxRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is { MaxRequestBodySize: null })
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } unbounded)
            {
                unbounded.MaxRequestBodySize = null;
            }

            return next(context);
        }

        var max = _max;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature && feature.MaxRequestBodySize != max)
        {
            feature.MaxRequestBodySize = max;
        }

        return context.Request.ContentLength > max ? RefuseAsync(context, max) : next(context);
    }

    private static Task RefuseAsync(HttpContext context, long max) =>
        Http.GatewayProblemWriter.WriteAsync(context, Http.GatewayErrors.PayloadTooLarge.ToException(
            $"The body has {context.Request.ContentLength} bytes; the gateway accepts at most {max} (Security:Limits:MaxRequestBodyBytes).")).AsTask();
}

/// <summary>
/// The authentication middleware of <see cref="SecurityServiceCollectionExtensions.UseGatewayAuthentication"/>: for a
/// request that carries credentials, what the framework's middleware does with the default scheme (the user and the
/// authentication features on success), but asking the scheme the default policy scheme would forward to directly.
/// Through the policy scheme each request built a forwarding handler of its own and went through the authentication
/// service and the claims transformation twice (allocation profile, docs/benchmarks). The default scheme stays the
/// policy scheme for everyone else asking (<c>HttpContext.AuthenticateAsync()</c>). None of the gateway's schemes
/// handles requests itself (remote sign-in callbacks), the part of the framework's middleware left out.
/// <para>
/// API keys are looked up in <see cref="ApiKeyStore"/> directly, the store the scheme's handler asks too: the
/// authentication service would only add a request service scope entry, a handler provider, a handler instance and its
/// initialisation, tasks, a ticket copy and the claims transformation's bookkeeping around the same answer (~2.3 KB per
/// request, docs/benchmarks session 6). The result is the key's own, built once (<see cref="ApiKeyMatch"/>). Only a
/// known key takes this path: a refused or unreadable one goes through the authentication service as before (the
/// handler's failure and its log line; authorization answers 401 invalid_credentials). It is taken only while nothing
/// could make the framework's answer differ: the default (no-op) claims transformation and no forwarding configured
/// for the scheme; otherwise API keys go through the authentication service like the other schemes.
/// </para>
/// </summary>
internal sealed class GatewayAuthentication
{
    private readonly RequestDelegate _next;
    private readonly IOptions<SecurityOptions> _options;
    private readonly ApiKeyStore _keys;
    private readonly bool _apiKeysDirect;

    public GatewayAuthentication(RequestDelegate next, IOptions<SecurityOptions> options, ApiKeyStore keys,
        IOptionsMonitor<AuthenticationSchemeOptions> schemes)
    {
        _next = next;
        _options = options;
        _keys = keys;
        var apiKey = schemes.Get(ApiKeyAuthenticationHandler.SchemeName);
        _apiKeysDirect = keys.SharesResults
            && apiKey.ForwardDefault is null && apiKey.ForwardAuthenticate is null && apiKey.ForwardDefaultSelector is null;
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (!RequestCredentials.Carried(context))
        {
            return _next(context);
        }

        var scheme = SecurityServiceCollectionExtensions.SelectScheme(context, _options.Value.Authentication);
        if (_apiKeysDirect && scheme == ApiKeyAuthenticationHandler.SchemeName && _keys.Authenticated(context.Request) is { } key)
        {
            Authenticated(context, key.Result, key.ResultTask);
            return _next(context);
        }

        // The schemes answer synchronously (API key, certificate; a JWT with a static key): then the rest of the
        // request runs without an async frame of this middleware around it.
        var authenticated = AuthenticateAsync(context, scheme);
        return authenticated.IsCompletedSuccessfully ? _next(context) : ContinueAsync(authenticated, context);
    }

    private async Task ContinueAsync(Task authenticated, HttpContext context)
    {
        await authenticated;
        await _next(context);
    }

    private static async Task AuthenticateAsync(HttpContext context, string scheme)
    {
        var result = await context.AuthenticateAsync(scheme);
        if (result.Succeeded)
        {
            Authenticated(context, result, completed: null);
        }
        else if (result.Principal is { } principal)
        {
            context.User = principal;
        }
    }

    private static void Authenticated(HttpContext context, AuthenticateResult result, Task<AuthenticateResult>? completed) =>
        AuthenticatedRequest.Record(context, result, completed);
}

/// <summary>
/// The request's user and the result it came from; setting the user forgets the result, as the framework's feature
/// does. Carries the result as a completed task too when one exists already (an API key's), for the policy evaluator.
/// </summary>
internal sealed class AuthenticatedRequest(AuthenticateResult result, Task<AuthenticateResult>? completed)
    : IHttpAuthenticationFeature, IAuthenticateResultFeature
{
    private AuthenticateResult? _result = result;
    private ClaimsPrincipal? _user = result.Principal;
    private Task<AuthenticateResult>? _completed = completed;

    public AuthenticateResult? AuthenticateResult
    {
        get => _result;
        set
        {
            _result = value;
            _user = value?.Principal;
            _completed = null;
        }
    }

    public ClaimsPrincipal? User
    {
        get => _user;
        set
        {
            _user = value;
            _result = null;
            _completed = null;
        }
    }

    /// <summary>The user and the result, as the framework's middlewares record a success (one feature object for both).</summary>
    public static void Record(HttpContext context, AuthenticateResult result, Task<AuthenticateResult>? completed)
    {
        var authenticated = new AuthenticatedRequest(result, completed);
        context.Features.Set<IHttpAuthenticationFeature>(authenticated);
        context.Features.Set<IAuthenticateResultFeature>(authenticated);
    }

    /// <summary>The result as a completed task, when it is still the request's and one was given.</summary>
    public Task<AuthenticateResult>? Completed => _completed is { } task && ReferenceEquals(task.Result, _result) ? task : null;
}

/// <summary>Whether a request carries anything an authentication scheme could read.</summary>
internal static class RequestCredentials
{
    public static bool Carried(HttpContext context)
    {
        var headers = context.Request.Headers;
        return headers.Authorization.Count > 0
            || headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
            // The feature itself: Connection.ClientCertificate creates an empty TLS feature for a plain-HTTP request.
            || context.Features.Get<ITlsConnectionFeature>()?.ClientCertificate is not null;
    }
}

/// <summary>
/// Requests per second per principal (per IP address when anonymous): a <see cref="TokenBucketRateLimiter"/> per
/// client in <see cref="ClientBuckets"/>, which replenishes them and drops idle ones, built once from
/// <c>Security:Limits</c>. <see cref="Buckets"/> is null when the limit is off.
/// </summary>
internal sealed class ClientRateLimits : IDisposable
{
    private static readonly object s_unknownAddress = new();

    public ClientRateLimits(IOptions<SecurityOptions> options)
    {
        var limits = options.Value.Limits;
        Rate = limits.RequestsPerSecondPerClient;
        Burst = limits.RequestBurstPerClient ?? Rate * 2;
        if (Rate <= 0)
        {
            return;
        }

        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = Burst,
            TokensPerPeriod = Rate,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            // The table replenishes its buckets itself (one timer, not one per client).
            AutoReplenishment = false,
        };
        // The framework's partitioned limiter's timer interval and idle limit.
        Buckets = new ClientBuckets(bucket, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
    }

    /// <summary>Tokens per second per client; 0 or less: no limit.</summary>
    public int Rate { get; }

    /// <summary>The bucket size.</summary>
    public int Burst { get; }

    /// <summary>The buckets, or null when no limit is configured.</summary>
    public ClientBuckets? Buckets { get; }

    /// <summary>One token of the request's client's bucket (<see cref="Buckets"/> must not be null).</summary>
    public RateLimitLease AttemptAcquire(HttpContext context) => Buckets!.AttemptAcquire(ClientKey(context));

    /// <summary>The 429 answer, with the wait the refused lease names (at least 1 s).</summary>
    public Task RejectAsync(HttpContext context, int retryAfter) =>
        Http.GatewayProblemWriter.WriteAsync(context, new Http.GatewayException(Http.GatewayErrors.TooManyRequests,
            $"At most {Rate} requests per second (bursts of {Burst}) per client (Security:Limits:RequestsPerSecondPerClient); retry after {retryAfter} s.")
        {
            RetryAfterSeconds = retryAfter,
        }).AsTask();

    public void Dispose() => Buckets?.Dispose();

    /// <summary>
    /// The principal's name (a string) or, when anonymous, the remote address (an <see cref="System.Net.IPAddress"/>,
    /// compared by value): two key types that can never collide, and no string built per request.
    /// </summary>
    private static object ClientKey(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? name
            : context.Connection.RemoteIpAddress ?? s_unknownAddress;
}

/// <summary>
/// The middleware of <see cref="ClientRateLimits"/>; health probes are never limited. The gateway's own instead of
/// the framework's <c>UseRateLimiter</c>, over the same buckets: that one combines the global lease with an endpoint
/// limiter's (no endpoint declares a policy) in a lease object of its own per request, asks that endpoint limiter
/// (a partition closure per call) and keeps an async frame around the rest of every request to dispose the lease at
/// its end (~350 B per single-record request with an API key, docs/benchmarks session 6). A token bucket's lease holds
/// nothing (a granted token is spent, never returned), so it is disposed at once here and the rest of the request runs
/// without a frame of this middleware; the decision, the buckets and the 429 answer are the same.
/// </summary>
internal sealed class RequestRateLimiting(RequestDelegate next, ClientRateLimits limits)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (limits.Buckets is null || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        using var lease = limits.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return next(context);
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        return limits.RejectAsync(context, retryAfter);
    }
}
