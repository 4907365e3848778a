using KafkaGateway.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Security;

/// <summary>
/// What every endpoint of the gateway needs, including those of the streaming, admin and registry features that are
/// built on other branches: their routes are checked here against the route table they will meet at merge time.
/// </summary>
public sealed class RouteAccessTableTests
{
    private static readonly RouteAccessTable s_table = new(Options.Create(new SecurityOptions()));

    [Theory]
    // Health and Swagger: open.
    [InlineData("GET", "/health/live", "anonymous", null)]
    [InlineData("GET", "/health/ready", "anonymous", null)]
    [InlineData("GET", "/swagger/v1/swagger.json", "anonymous", null)]
    [InlineData("GET", "/swagger", "anonymous", null)]
    // Producing (this branch).
    [InlineData("POST", "/topics/sensors/records", "produce", "sensors")]
    [InlineData("POST", "/topics/sensors", "produce", "sensors")]
    [InlineData("POST", "/topics/sensors/partitions/2", "produce", "sensors")]
    // Streaming.
    [InlineData("GET", "/topics/sensors/stream", "consume", "sensors")]
    [InlineData("GET", "/topics/sensors/records", "consume", "sensors")]
    // Admin.
    [InlineData("GET", "/topics", "authenticated", null)]
    [InlineData("POST", "/topics", "admin", null)]
    [InlineData("GET", "/topics/sensors", "describe", "sensors")]
    [InlineData("DELETE", "/topics/sensors", "admin", "sensors")]
    [InlineData("GET", "/topics/sensors/configs", "describe", "sensors")]
    [InlineData("PATCH", "/topics/sensors/configs", "admin", "sensors")]
    [InlineData("POST", "/topics/sensors/partitions", "admin", "sensors")]
    [InlineData("POST", "/topics/sensors/delete-records", "admin", "sensors")]
    [InlineData("GET", "/cluster", "cluster", null)]
    [InlineData("GET", "/brokers/1/configs", "cluster", null)]
    [InlineData("PUT", "/brokers/1/configs", "admin", null)]
    [InlineData("GET", "/consumer-groups", "cluster", null)]
    [InlineData("GET", "/consumer-groups/g1", "cluster", null)]
    [InlineData("DELETE", "/consumer-groups/g1", "admin", null)]
    [InlineData("POST", "/consumer-groups/g1/offsets", "admin", null)]
    [InlineData("GET", "/metrics", "cluster", null)]
    // Registry: reads for anyone signed in, writes need schemas:write on the subject's topic.
    [InlineData("GET", "/registry/subjects", "authenticated", null)]
    [InlineData("GET", "/registry/subjects/sensors-value/versions", "authenticated", null)]
    [InlineData("POST", "/registry/subjects/sensors-value/versions", "schemas:write", "sensors")]
    [InlineData("DELETE", "/registry/subjects/sensors-key/versions/3", "schemas:write", "sensors")]
    [InlineData("DELETE", "/registry/subjects/sensors-value", "schemas:write", "sensors")]
    [InlineData("POST", "/registry/subjects/sensors-value", "authenticated", "sensors")]
    [InlineData("PUT", "/registry/config/sensors-value", "schemas:write", "sensors")]
    [InlineData("PUT", "/registry/config", "schemas:write", null)]
    [InlineData("GET", "/registry/config", "authenticated", null)]
    [InlineData("POST", "/registry/compatibility/subjects/sensors-value/versions/latest", "authenticated", null)]
    [InlineData("GET", "/registry/schemas/ids/1", "authenticated", null)]
    // Anything else: signed in.
    [InlineData("GET", "/something/new", "authenticated", null)]
    public void Resolve_KnownRoutes_NeedTheDocumentedAccess(string method, string path, string access, string? topic)
    {
        var requirement = s_table.Resolve(method, new PathString(path));

        Assert.Equal(access, Describe(requirement));
        Assert.Equal(topic, requirement.Topic);
    }

    [Theory]
    [InlineData("DELETE", "/topics/sensors", true)]
    [InlineData("POST", "/registry/subjects/sensors-value/versions", true)]
    [InlineData("POST", "/consumer-groups/g1/offsets", true)]
    [InlineData("POST", "/topics/sensors/records", false)]
    [InlineData("GET", "/registry/subjects", false)]
    public void Resolve_AdminAndRegistryWrites_AreAudited(string method, string path, bool audited)
    {
        Assert.Equal(audited, s_table.Resolve(method, new PathString(path)).AuditAction is not null);
    }

    [Fact]
    public void Resolve_ConfiguredRoute_WinsOverBuiltIn_ButNeverOverHealth()
    {
        var table = new RouteAccessTable(Options.Create(new SecurityOptions
        {
            Authorization = new GatewayAuthorizationOptions
            {
                Routes =
                [
                    new RouteAccessSettings { Pattern = "/swagger/{**rest}", Access = "authenticated" },
                    new RouteAccessSettings { Pattern = "/cluster", Methods = ["GET"], Access = "anonymous" },
                    new RouteAccessSettings { Pattern = "/health/{**rest}", Access = "admin" },
                ],
            },
        }));

        Assert.Equal("authenticated", Describe(table.Resolve("GET", new PathString("/swagger/index.html"))));
        Assert.Equal("anonymous", Describe(table.Resolve("GET", new PathString("/cluster"))));
        Assert.Equal("anonymous", Describe(table.Resolve("GET", new PathString("/health/ready"))));
    }

    private static string Describe(AccessRequirement requirement) => requirement.Kind switch
    {
        AccessKind.Anonymous => "anonymous",
        AccessKind.Authenticated => "authenticated",
        AccessKind.Describe => "describe",
        _ => GatewayPermissions.Name(requirement.Permission!.Value),
    };
}
