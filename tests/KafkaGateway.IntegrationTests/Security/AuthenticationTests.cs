using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>API keys (three presentations) and JWT bearer tokens, positive and negative, plus start-up refusals.</summary>
public sealed class AuthenticationTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private const string Secret = "a-symmetric-test-secret-of-at-least-32-bytes";
    private const string Issuer = "https://issuer.test";
    private const string Audience = "kafkagateway";

    [Fact]
    public async Task NoCredentials_ProtectedEndpoint_401WithChallengesAndProblemDetails()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenges = response.Headers.WwwAuthenticate.Select(h => h.Scheme).ToArray();
        Assert.Contains("Bearer", challenges);
        Assert.Contains("ApiKey", challenges);
        Assert.Contains("Basic", challenges);
        Assert.Equal("unauthorized", body.GetProperty("code").GetString());
        Assert.True(body.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task NoCredentials_Health_IsAnonymous()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();

        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Swagger_IsAnonymous_AndOffersTheConfiguredSchemes()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();

        var document = await client.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-API-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
    }

    [Theory]
    [InlineData("x-api-key")]
    [InlineData("authorization-apikey")]
    [InlineData("basic")]
    public async Task ApiKey_Valid_IsAuthenticated(string presentation)
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cluster");
        var key = SecureGateway.KeyOf("alice");
        switch (presentation)
        {
            case "x-api-key":
                request.Headers.Add("X-API-Key", key);
                break;
            case "authorization-apikey":
                request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
                break;
            default:
                request.Headers.Authorization = SecureGateway.Basic("alice", key);
                break;
        }

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("unknown-key")]
    [InlineData("basic-wrong-key")]
    [InlineData("basic-wrong-name")]
    public async Task ApiKey_Invalid_401InvalidCredentials(string variant)
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cluster");
        switch (variant)
        {
            case "unknown-key":
                request.Headers.Add("X-API-Key", "not-a-configured-key");
                break;
            case "basic-wrong-key":
                request.Headers.Authorization = SecureGateway.Basic("alice", "wrong");
                break;
            default:
                request.Headers.Authorization = SecureGateway.Basic("mallory", SecureGateway.KeyOf("alice"));
                break;
        }

        var response = await client.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_credentials", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ApiKey_InvalidEvenWithAnonymousAllowed_Is401()
    {
        var settings = Settings();
        settings["Security:AllowAnonymous"] = "true";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client();
        client.DefaultRequestHeaders.Add("X-API-Key", "wrong");

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// Each API key's principal is built once and shared by the requests presenting it: requests alternating between
    /// keys, refused keys and Basic with another key's name, one after the other and concurrently, must each act as
    /// their own key (decision, 403 detail, audit), and a refused key after a known one must still be 401.
    /// </summary>
    [Fact]
    public async Task ApiKey_SeveralKeysAndRefusedOnesInTurn_EachRequestActsAsItsOwnKey()
    {
        var settings = SecureGateway.ApiKeys(("alice", null), ("ops", "operators"));
        settings["Security:Authorization:Rules:0:Role"] = "operators";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "cluster";
        settings["Security:Authorization:Rules:1:Principal"] = "apikey:alice";
        settings["Security:Authorization:Rules:1:Topics:0"] = "alice-*";
        settings["Security:Authorization:Rules:1:Permissions:0"] = "produce";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client();

        var sequence = new[] { "ops", "alice", "ops", "unknown", "ops", "basic-alice-as-ops", "alice", "ops" };
        foreach (var who in sequence)
        {
            using var response = await client.SendAsync(ClusterRequest(who));
            await AssertActsAs(who, response);
        }

        var concurrent = Enumerable.Range(0, 60).Select(i => sequence[i % sequence.Length]).ToArray();
        var answers = await Task.WhenAll(concurrent.Select(who => client.SendAsync(ClusterRequest(who))));
        for (var i = 0; i < concurrent.Length; i++)
        {
            using var response = answers[i];
            await AssertActsAs(concurrent[i], response);
        }

        // Audited writes name the key that made them (POST /topics needs admin, which neither key holds).
        foreach (var who in new[] { "alice", "ops", "alice" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/topics") { Content = JsonContent.Create(new { name = "alice-audit", partitions = 1 }) };
            request.Headers.Add("X-API-Key", SecureGateway.KeyOf(who));
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        var audits = await gateway.Logs.AuditsAsync(lines => lines.Length >= 3);

        Assert.True(audits.Length == 3, string.Join(" | ", audits));
        Assert.True(audits.Count(m => m.StartsWith("Audit: apikey:alice POST topics ", StringComparison.Ordinal) && m.EndsWith("denied (403)", StringComparison.Ordinal)) == 2,
            string.Join(" | ", audits));
        Assert.True(audits.Count(m => m.StartsWith("Audit: apikey:ops POST topics ", StringComparison.Ordinal) && m.EndsWith("denied (403)", StringComparison.Ordinal)) == 1,
            string.Join(" | ", audits));

        static HttpRequestMessage ClusterRequest(string who)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/cluster");
            switch (who)
            {
                case "unknown":
                    request.Headers.Add("X-API-Key", "not-a-configured-key");
                    break;
                case "basic-alice-as-ops":
                    request.Headers.Authorization = SecureGateway.Basic("ops", SecureGateway.KeyOf("alice"));
                    break;
                default:
                    request.Headers.Add("X-API-Key", SecureGateway.KeyOf(who));
                    break;
            }

            return request;
        }

        static async Task AssertActsAs(string who, HttpResponseMessage response)
        {
            var body = await response.Content.ReadAsStringAsync();
            switch (who)
            {
                case "ops":
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{who}: {(int)response.StatusCode} {body}");
                    break;
                case "alice":
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{who}: {(int)response.StatusCode} {body}");
                    Assert.Contains("'apikey:alice' lacks the permission 'cluster'", body, StringComparison.Ordinal);
                    break;
                default:
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{who}: {(int)response.StatusCode} {body}");
                    Assert.Contains("invalid_credentials", body, StringComparison.Ordinal);
                    Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "ApiKey");
                    Assert.DoesNotContain("apikey:", body, StringComparison.Ordinal);
                    break;
            }
        }
    }

    [Fact]
    public async Task Jwt_ValidSymmetricToken_IsAuthenticated()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(SymmetricKey(Secret)));

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Jwt_ValidRsaTokenWithPublicKeyPem_IsAuthenticated()
    {
        using var rsa = RSA.Create(2048);
        var settings = Settings(jwt: false);
        settings["Security:Authentication:Jwt:PublicKeyPem"] = rsa.ExportSubjectPublicKeyInfoPem();
        settings["Security:Authentication:Jwt:Issuer"] = Issuer;
        settings["Security:Authentication:Jwt:Audience"] = Audience;
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256)));

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("issuer")]
    [InlineData("audience")]
    [InlineData("expired")]
    [InlineData("garbage")]
    public async Task Jwt_Invalid_401WithInvalidTokenChallenge(string defect)
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var client = gateway.Client();
        var token = defect switch
        {
            "signature" => Token(SymmetricKey("another-secret-that-is-also-32-bytes-long!")),
            "issuer" => Token(SymmetricKey(Secret), issuer: "https://someone-else.test"),
            "audience" => Token(SymmetricKey(Secret), audience: "another-service"),
            "expired" => Token(SymmetricKey(Secret), expires: DateTime.UtcNow.AddMinutes(-5)),
            _ => "not.a.jwt",
        };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter == "error=\"invalid_token\"");
    }

    /// <summary>Issue 12 row 11: a valid token that names nobody must not become <c>anonymous</c>.</summary>
    [Fact]
    public async Task Jwt_ValidTokenWithoutTheNameClaim_401InvalidCredentials()
    {
        var settings = Settings();
        settings["Security:Authorization:Rules:0:Principal"] = "anonymous";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "cluster";
        settings["Security:AllowAnonymous"] = "true";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(SymmetricKey(Secret), claims: [new Claim("scope", "everything")]));

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_credentials", body.GetProperty("code").GetString());
    }

    /// <summary>Issue 12 row 11: a token's subject equal to an API key's name (or naming itself a gateway principal) is still <c>jwt:</c>.</summary>
    [Fact]
    public async Task Jwt_SubjectEqualsAnApiKeyName_DoesNotInheritTheKeysRules()
    {
        var settings = Settings();
        settings["Security:Authorization:Rules:0:Principal"] = "apikey:alice";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "cluster";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var tokenClient = gateway.Client();
        tokenClient.DefaultRequestHeaders.Authorization = new("Bearer",
            Token(SymmetricKey(Secret), claims: [new Claim("sub", "alice"), new Claim("kafkagateway:principal", "apikey:alice")]));
        using var keyClient = gateway.Client("alice");

        var asToken = await tokenClient.GetAsync(new Uri("/cluster", UriKind.Relative));
        var asKey = await keyClient.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, asToken.StatusCode);
        Assert.Contains("'jwt:alice'", await asToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, asKey.StatusCode);
    }

    [Fact]
    public void Start_NoAuthenticationAndNoAnonymous_FailsNamingTheKeys()
    {
        using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { ["Security:AllowAnonymous"] = "false" });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Security:Authentication", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Security:AllowAnonymous", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Security:Authentication:ApiKeys:0:Sha256", "not-hex", "Security:Authentication:ApiKeys:0:Sha256")]
    [InlineData("Security:Authentication:Jwt:SigningKey", "short", "Security:Authentication:Jwt:SigningKey")]
    [InlineData("Security:Authorization:Rules:0:Permissions:0", "fly", "Security:Authorization:Rules:0:Permissions")]
    [InlineData("Security:Authentication:ClientCertificates:CaLocation", "/nonexistent/ca.pem", "Security:Authentication:ClientCertificates:CaLocation")]
    [InlineData("Security:Limits:MaxRequestBodyBytes", "5", "Security:Limits:MaxRequestBodyBytes")]
    [InlineData("Security:Authorization:Routes:0:Pattern", "/swagger/{**rest}", "Security:Authorization:Routes")]
    [InlineData("Security:Authorization:Endpoints:metrics", "everyone", "Security:Authorization:Endpoints:metrics")]
    public void Start_BadSetting_FailsNamingTheKey(string key, string value, string named)
    {
        var settings = Settings();
        settings["Security:Authorization:Rules:0:Principal"] = "apikey:alice";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
        settings[key] = value;
        settings["Security:AllowAnonymous"] = "false";
        using var gateway = GatewayFactory.For(cluster, settings);

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(bool jwt = true)
    {
        var settings = SecureGateway.ApiKeys(("alice", null));
        if (jwt)
        {
            settings["Security:Authentication:Jwt:SigningKey"] = Secret;
            settings["Security:Authentication:Jwt:Issuer"] = Issuer;
            settings["Security:Authentication:Jwt:Audience"] = Audience;
            settings["Security:Authentication:Jwt:ClockSkewSeconds"] = "0";
        }

        return settings;
    }

    private static SigningCredentials SymmetricKey(string secret) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256);

    private static string Token(SigningCredentials credentials, string issuer = Issuer, string audience = Audience, DateTime? expires = null, Claim[]? claims = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims ?? [new Claim("sub", "jwt-user")]),
            NotBefore = expiry.AddMinutes(-20),
            IssuedAt = expiry.AddMinutes(-20),
            Expires = expiry,
            SigningCredentials = credentials,
        });
    }
}
