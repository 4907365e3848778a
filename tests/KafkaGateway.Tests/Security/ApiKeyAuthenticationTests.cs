using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using KafkaGateway.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Security;

/// <summary>
/// API keys' results are built once per key and shared by the requests presenting that key (<see cref="ApiKeyStore"/>),
/// and <see cref="GatewayAuthentication"/> records them without the framework's handler: what such a cache could get
/// wrong — one key's principal reaching another key's request, a refused key after a known one, a shared principal
/// changed by one request — and that the request still carries the framework's features.
/// </summary>
public sealed class ApiKeyAuthenticationTests
{
    private static readonly ApiKeyStore s_keys = new(Options.Create(Settings()), new NoopClaimsTransformation());

    [Fact]
    public void Authenticated_TwoKeysInTurn_EachRequestGetsItsOwnKeysPrincipal()
    {
        var alice1 = s_keys.Authenticated(Request(KeyOf("alice")))!;
        var bob = s_keys.Authenticated(Request(KeyOf("bob")))!;
        var alice2 = s_keys.Authenticated(Request(KeyOf("alice")))!;

        Assert.Equal("apikey:alice", alice1.Result.Principal!.Identity!.Name);
        Assert.Equal("apikey:bob", bob.Result.Principal!.Identity!.Name);
        Assert.Same(alice1.Result, alice2.Result);
        Assert.NotSame(alice1.Result.Principal, bob.Result.Principal);
        Assert.True(bob.Result.Principal.IsInRole("writers"));
        Assert.False(alice1.Result.Principal.IsInRole("writers"));
    }

    [Theory]
    [InlineData("X-API-Key", "not-a-configured-key")]
    [InlineData("Authorization", "ApiKey not-a-configured-key")]
    [InlineData("Authorization", "Basic bob:key-alice")]
    public async Task AuthenticateAsync_RefusedKeyAfterAKnownOne_FailsAndNamesNoPrincipal(string header, string value)
    {
        Assert.True((await s_keys.AuthenticateAsync(Request(KeyOf("alice")))).Succeeded);
        var request = new DefaultHttpContext().Request;
        request.Headers[header] = value.StartsWith("Basic ", StringComparison.Ordinal)
            ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(value["Basic ".Length..].Replace("key-alice", KeyOf("alice"), StringComparison.Ordinal)))
            : value;

        var result = await s_keys.AuthenticateAsync(request);

        Assert.False(result.Succeeded);
        Assert.NotNull(result.Failure);
        Assert.Null(result.Principal);
        Assert.Null(s_keys.Authenticated(request));
    }

    [Fact]
    public async Task AuthenticateAsync_KnownKey_IsTheResultTheMiddlewareRecords()
    {
        var request = Request(KeyOf("bob"));

        var result = await s_keys.AuthenticateAsync(request);

        Assert.Same(s_keys.Authenticated(request)!.Result, result);
        Assert.Equal(ApiKeyAuthenticationHandler.SchemeName, result.Ticket!.AuthenticationScheme);
    }

    [Fact]
    public void SharedPrincipal_AddingClaimsOrIdentities_Throws()
    {
        var principal = s_keys.Authenticated(Request(KeyOf("alice")))!.Result.Principal!;
        var identity = (ClaimsIdentity)principal.Identity!;

        Assert.Throws<InvalidOperationException>(() => identity.AddClaim(new Claim(ClaimTypes.Role, "writers")));
        Assert.Throws<InvalidOperationException>(() => identity.AddClaims([new Claim(ClaimTypes.Role, "writers")]));
        Assert.Throws<InvalidOperationException>(() => identity.RemoveClaim(identity.FindFirst(ClaimTypes.Name)));
        Assert.Throws<InvalidOperationException>(() => principal.AddIdentity(new ClaimsIdentity([new Claim(ClaimTypes.Role, "writers")], "x")));
        Assert.Throws<NotSupportedException>(() => s_keys.Authenticated(Request(KeyOf("alice")))!.Result.Properties!.Items["x"] = "y");
        Assert.False(principal.IsInRole("writers"));
        Assert.Single(principal.Identities);
    }

    [Fact]
    public async Task AuthenticateAsync_ClaimsTransformationRegistered_EveryRequestGetsAPrincipalOfItsOwn()
    {
        var keys = new ApiKeyStore(Options.Create(Settings()), new AddingTransformation());

        var first = (await keys.AuthenticateAsync(Request(KeyOf("bob")))).Principal!;
        var second = (await keys.AuthenticateAsync(Request(KeyOf("bob")))).Principal!;
        ((ClaimsIdentity)first.Identity!).AddClaim(new Claim(ClaimTypes.Role, "extra"));

        Assert.False(keys.SharesResults);
        Assert.Equal("apikey:bob", second.Identity!.Name);
        Assert.True(second.IsInRole("writers"));
        Assert.False(second.IsInRole("extra"));
        Assert.True(s_keys.SharesResults);
    }

    [Fact]
    public async Task Middleware_KnownKey_SetsTheUserAndTheAuthenticateResultFeature()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-API-Key"] = KeyOf("bob");
        HttpContext? seen = null;

        await Middleware(next: c => { seen = c; return Task.CompletedTask; }).InvokeAsync(context);

        Assert.NotNull(seen);
        Assert.Equal("apikey:bob", context.User.Identity!.Name);
        Assert.True(context.User.Identity.IsAuthenticated);
        var result = context.Features.Get<IAuthenticateResultFeature>()!.AuthenticateResult!;
        Assert.True(result.Succeeded);
        Assert.Same(context.User, result.Principal);
        Assert.Same(context.User, context.Features.Get<IHttpAuthenticationFeature>()!.User);
    }

    [Fact]
    public async Task Middleware_UnknownKeyAfterAKnownOne_LeavesTheRequestUnauthenticated()
    {
        var middleware = Middleware(next: _ => Task.CompletedTask);
        var known = new DefaultHttpContext();
        known.Request.Headers["X-API-Key"] = KeyOf("alice");
        await middleware.InvokeAsync(known);
        // A refused key goes through the authentication service and the scheme's handler, as before.
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(s_keys)
            .AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { })
            .Services.BuildServiceProvider();
        var unknown = new DefaultHttpContext { RequestServices = services };
        unknown.Request.Headers["X-API-Key"] = "not-a-configured-key";

        await middleware.InvokeAsync(unknown);

        Assert.Same(RequestUser.Anonymous, RequestUser.Of(unknown));
        Assert.Null(unknown.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult);
        Assert.Equal("unknown API key", (await unknown.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName)).Failure?.Message);
        Assert.Equal("apikey:alice", known.User.Identity!.Name);
        Assert.False(unknown.User.Identity?.IsAuthenticated ?? false);
    }

    [Fact]
    public void ResultFeature_UserReplaced_ForgetsTheResultAndItsTask()
    {
        var key = s_keys.Authenticated(Request(KeyOf("alice")))!;
        var feature = new AuthenticatedRequest(key.Result, key.ResultTask);
        Assert.Same(key.ResultTask, feature.Completed);

        feature.User = new ClaimsPrincipal(new ClaimsIdentity());

        Assert.Null(feature.AuthenticateResult);
        Assert.Null(feature.Completed);
    }

    private static GatewayAuthentication Middleware(RequestDelegate next) =>
        new(next, Options.Create(Settings()), s_keys, new SchemeOptions());

    private static HttpRequest Request(string key)
    {
        var request = new DefaultHttpContext().Request;
        request.Headers["X-API-Key"] = key;
        return request;
    }

    private static string KeyOf(string name) => "key-" + name + "-0123456789abcdef";

    private static SecurityOptions Settings() => new()
    {
        Authentication = new GatewayAuthenticationOptions
        {
            ApiKeys =
            [
                new ApiKeySettings { Name = "alice", Sha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(KeyOf("alice")))) },
                new ApiKeySettings { Name = "bob", Sha256 = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(KeyOf("bob")))), Roles = ["writers"] },
            ],
        },
    };

    /// <summary>A claims transformation of the documentation's kind: adds a claim to the principal it is given.</summary>
    private sealed class AddingTransformation : IClaimsTransformation
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("transformed", "yes"));
            return Task.FromResult(principal);
        }
    }

    /// <summary>The scheme options as AddSecurity leaves them for the API key scheme: nothing forwarded.</summary>
    private sealed class SchemeOptions : IOptionsMonitor<AuthenticationSchemeOptions>
    {
        public AuthenticationSchemeOptions CurrentValue { get; } = new();

        public AuthenticationSchemeOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<AuthenticationSchemeOptions, string?> listener) => null;
    }
}
