using System.Security.Claims;
using KafkaGateway.Security;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Security;

/// <summary>The permission matrix: principals and roles against topic patterns, for every permission.</summary>
public sealed class AccessPolicyTests
{
    private static readonly AccessPolicy s_policy = new(Options.Create(new SecurityOptions
    {
        Authorization = new GatewayAuthorizationOptions
        {
            Rules =
            [
                new AccessRuleSettings { Principal = "alice", Topics = ["sensors", "orders.*"], Permissions = ["produce", "consume"] },
                new AccessRuleSettings { Role = "readers", Topics = ["*"], Permissions = ["consume"] },
                new AccessRuleSettings { Principal = "ops", Permissions = ["admin", "cluster"] },
                new AccessRuleSettings { Principal = "registrar", Topics = ["orders.*"], Permissions = ["schemas:write"] },
                new AccessRuleSettings { Principal = "*", Topics = ["public"], Permissions = ["consume"] },
                new AccessRuleSettings { Principal = "anonymous", Topics = ["demo"], Permissions = ["consume"] },
                new AccessRuleSettings { Principal = "topic-admin", Topics = ["orders.*"], Permissions = ["admin"] },
            ],
        },
    }));

    [Theory]
    [InlineData("alice", null, GatewayPermission.Produce, "sensors", true)]
    [InlineData("alice", null, GatewayPermission.Produce, "orders.eu", true)]
    [InlineData("alice", null, GatewayPermission.Produce, "orders", false)]
    [InlineData("alice", null, GatewayPermission.Produce, "sensors2", false)]
    [InlineData("alice", null, GatewayPermission.Consume, "orders.us", true)]
    [InlineData("alice", null, GatewayPermission.Admin, "sensors", false)]
    [InlineData("alice", null, GatewayPermission.SchemasWrite, "sensors", false)]
    [InlineData("alice", null, GatewayPermission.Cluster, null, false)]
    [InlineData("bob", "readers", GatewayPermission.Consume, "anything", true)]
    [InlineData("bob", "readers", GatewayPermission.Produce, "anything", false)]
    [InlineData("bob", "writers", GatewayPermission.Consume, "anything", false)]
    [InlineData("bob", null, GatewayPermission.Consume, "public", true)]
    [InlineData("ops", null, GatewayPermission.Admin, "anything", true)]
    [InlineData("ops", null, GatewayPermission.Admin, null, true)]
    [InlineData("ops", null, GatewayPermission.Cluster, null, true)]
    [InlineData("ops", null, GatewayPermission.Produce, "anything", false)]
    [InlineData("registrar", null, GatewayPermission.SchemasWrite, "orders.eu", true)]
    [InlineData("registrar", null, GatewayPermission.SchemasWrite, "sensors", false)]
    [InlineData("registrar", null, GatewayPermission.SchemasWrite, null, false)]
    [InlineData("topic-admin", null, GatewayPermission.Admin, "orders.eu", true)]
    [InlineData("topic-admin", null, GatewayPermission.Admin, null, false)]
    [InlineData("topic-admin", null, GatewayPermission.Cluster, null, false)]
    public void IsAllowed_Matrix(string name, string? role, GatewayPermission permission, string? topic, bool allowed)
    {
        Assert.Equal(allowed, s_policy.IsAllowed(User(name, role), permission, topic));
    }

    [Fact]
    public void IsAllowed_Anonymous_OnlyWhatAnonymousIsGranted_NotStarRules()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());

        Assert.True(s_policy.IsAllowed(anonymous, GatewayPermission.Consume, "demo"));
        Assert.False(s_policy.IsAllowed(anonymous, GatewayPermission.Consume, "public"));
        Assert.False(s_policy.IsAllowed(anonymous, GatewayPermission.Produce, "demo"));
    }

    [Fact]
    public void EnsureAllowed_Lacking_Throws403GatewayException()
    {
        var error = Assert.Throws<KafkaGateway.Http.GatewayException>(() => s_policy.EnsureAllowed(User("alice", null), GatewayPermission.Admin, "orders.eu"));

        Assert.Equal(403, error.StatusCode);
        Assert.Equal("forbidden", error.Code);
        s_policy.EnsureAllowed(User("topic-admin", null), GatewayPermission.Admin, "orders.eu");
    }

    [Fact]
    public void MayDescribe_AnyTopicPermission()
    {
        Assert.True(s_policy.MayDescribe(User("alice", null), "sensors"));
        Assert.False(s_policy.MayDescribe(User("alice", null), "secret"));
    }

    [Fact]
    public void IsAllowed_NoRules_EverythingAllowed()
    {
        var open = new AccessPolicy(Options.Create(new SecurityOptions()));

        Assert.True(open.IsAllowed(User("anyone", null), GatewayPermission.Admin, "x"));
    }

    [Theory]
    [InlineData("apikey:alice", "apikey:alice", false, true)]
    [InlineData("apikey:alice", "cert:alice", false, false)]
    [InlineData("apikey:alice", "cert:alice", true, false)]
    [InlineData("alice", "apikey:alice", true, true)]
    [InlineData("alice", "cert:alice", true, true)]
    [InlineData("alice", "apikey:alice", false, false)]
    [InlineData("alice", "apikey:alice2", true, false)]
    [InlineData("cert:urn:x:y", "cert:urn:x:y", false, true)]
    [InlineData("urn:x:y", "cert:urn:x:y", true, true)]
    [InlineData("jwt:alice", "jwt:alice", false, true)]
    [InlineData("apikey:alice", "apikey:alic", false, false)]
    [InlineData("apikey:alice", "apikey:alicex", false, false)]
    [InlineData("apikey:alice", "apikey-alice", false, false)]
    [InlineData("apikey:alice", "APIKEY:alice", false, false)]
    [InlineData("apikey:alice", "jwt:apikey:alice", true, false)]
    [InlineData("alice", "alice", true, false)]
    [InlineData("alice", ":alice", true, false)]
    public void PrincipalNames_Matches(string configured, string principal, bool bareNamesAllowed, bool expected) =>
        Assert.Equal(expected, PrincipalNames.Matches(configured, principal, bareNamesAllowed));

    [Theory]
    [InlineData("apikey.alice", "apikey:alice", true)]
    [InlineData("apikey.alice", "cert:alice", false)]
    [InlineData("cert.gateway.example.com", "cert:gateway.example.com", true)]
    [InlineData("apikey.alice", "apikey.alice", false)]
    [InlineData("apikey.alice", "apikey:alice.", false)]
    public void PrincipalNames_MatchesConfigurationKeySpelling(string configured, string principal, bool expected) =>
        Assert.Equal(expected, PrincipalNames.Matches(configured, principal, bareNamesAllowed: false, separator: '.'));

    [Fact]
    public void IsAllowed_SeveralSchemesAndQualifiedRule_OnlyThatSchemesPrincipal()
    {
        var policy = new AccessPolicy(Options.Create(new SecurityOptions
        {
            Authentication = new GatewayAuthenticationOptions
            {
                ApiKeys = [new ApiKeySettings { Name = "alice", Sha256 = new string('a', 64) }],
                Jwt = new JwtSettings { SigningKey = new string('k', 32), Issuer = "i", Audience = "a" },
            },
            Authorization = new GatewayAuthorizationOptions
            {
                Rules = [new AccessRuleSettings { Principal = "apikey:alice", Permissions = ["admin"] }],
            },
        }));

        Assert.True(policy.IsAllowed(Named("apikey:alice"), GatewayPermission.Admin, "t"));
        Assert.False(policy.IsAllowed(Named("jwt:alice"), GatewayPermission.Admin, "t"));
    }

    private static ClaimsPrincipal Named(string principal) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, principal)], "test", ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>An API key principal (rules in <see cref="s_policy"/> name it without the scheme: no scheme is configured, so that is unambiguous).</summary>
    private static ClaimsPrincipal User(string name, string? role)
    {
        var identity = new ClaimsIdentity("test", ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, PrincipalNames.Of(PrincipalNames.ApiKey, name)));
        if (role is not null)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }

        return new ClaimsPrincipal(identity);
    }
}
