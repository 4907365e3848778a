using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>Issue 12 item 1: an endpoint without declared access, or an override naming no endpoint, stops the start.</summary>
public sealed class EndpointAccessCheckTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Start_ControllerActionWithoutDeclaredAccess_FailsNamingIt()
    {
        await using var root = GatewayFactory.For(cluster);
        await using var gateway = root.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddControllers().AddApplicationPart(typeof(UndeclaredAccessController).Assembly)));

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("declares no access", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("undeclared-access", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OverrideForAnUnknownEndpointName_FailsNamingTheKey()
    {
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["Security:Authorization:Endpoints:Topics.Nonexistent"] = "anonymous",
        });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains("Security:Authorization:Endpoints:Topics.Nonexistent", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Override_ByEndpointName_ReplacesTheDeclaredAccess()
    {
        var settings = SecureGateway.ApiKeys(("app", null));
        settings["Security:Authorization:Rules:0:Principal"] = "app";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
        settings["Security:Authorization:Endpoints:metrics"] = "anonymous";
        settings["Security:Authorization:Endpoints:Cluster.GetCluster"] = "produce";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var anonymous = gateway.Client();
        using var app = gateway.Client("app");

        using var metrics = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
        using var clusterInfo = await app.GetAsync(new Uri("/cluster", UriKind.Relative));
        using var groups = await app.GetAsync(new Uri("/consumer-groups", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, clusterInfo.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, groups.StatusCode);
    }
}

/// <summary>A controller that forgot to declare access (only mapped by the test above).</summary>
[ApiController]
[Route("undeclared-access")]
public sealed class UndeclaredAccessController : ControllerBase
{
    /// <summary>Anything.</summary>
    [HttpGet]
    public string Get() => "reachable";
}
