using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>
/// JWT keys from an OpenID Connect authority: a stand-in identity provider on loopback serves the discovery document
/// and its JWKS (plain HTTP, so RequireHttpsMetadata=false here only).
/// </summary>
public sealed class JwtAuthorityTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Jwt_SignedByTheAuthoritysJwksKey_IsAuthenticated_OtherKeyIsNot()
    {
        using var rsa = RSA.Create(2048);
        using var stranger = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "k1" };
        await using var provider = await StartIdentityProviderAsync(key);
        var issuer = provider.Urls.First();
        await using var gateway = SecureGateway.InProcess(cluster, new Dictionary<string, string?>
        {
            ["Security:Authentication:Jwt:Authority"] = issuer,
            ["Security:Authentication:Jwt:RequireHttpsMetadata"] = "false",
            ["Security:Authentication:Jwt:Audience"] = "kafkagateway",
        });
        using var client = gateway.Client();

        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(key, issuer));
        var accepted = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(new RsaSecurityKey(stranger) { KeyId = "k1" }, issuer));
        var refused = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static async Task<WebApplication> StartIdentityProviderAsync(RsaSecurityKey key)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var parameters = key.Rsa.ExportParameters(false);
        app.MapGet("/.well-known/openid-configuration", (HttpContext context) => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer(context),
            ["jwks_uri"] = Issuer(context) + "/jwks",
        }));
        app.MapGet("/jwks", () => Results.Json(new
        {
            keys = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["kid"] = key.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        }));
        await app.StartAsync();
        return app;
    }

    private static string Issuer(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private static string Token(RsaSecurityKey key, string issuer) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = "kafkagateway",
        Subject = new ClaimsIdentity([new Claim("sub", "jwks-user")]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
    });
}
