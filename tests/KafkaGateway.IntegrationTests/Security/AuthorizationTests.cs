using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>
/// The policy matrix on the endpoints of this branch (produce, REST Proxy v2 produce, GET /cluster) and the audit
/// of admin calls. Streams, admin and registry endpoints are covered at the route-table level in the unit tests.
/// </summary>
public sealed class AuthorizationTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Theory]
    [InlineData("writer", "orders", HttpStatusCode.OK)]
    [InlineData("writer", "payments", HttpStatusCode.Forbidden)]
    [InlineData("reader", "orders", HttpStatusCode.Forbidden)]
    [InlineData("ops", "orders", HttpStatusCode.Forbidden)]
    [InlineData("root", "payments", HttpStatusCode.OK)]
    public async Task Produce_PolicyMatrix(string principal, string prefix, HttpStatusCode expected)
    {
        await using var gateway = SecureGateway.InProcess(cluster, Policy());
        var topic = cluster.CreateTopic(partitions: 1, prefix: prefix);
        using var client = gateway.Client(principal);

        var response = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 1 } });

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("writer", HttpStatusCode.OK)]
    [InlineData("reader", HttpStatusCode.Forbidden)]
    public async Task RestProxyV2Produce_PolicyMatrix(string principal, HttpStatusCode expected)
    {
        await using var gateway = SecureGateway.InProcess(cluster, Policy());
        var topic = cluster.CreateTopic(partitions: 1, prefix: "orders");
        using var client = gateway.Client(principal);
        using var content = new StringContent("""{"records":[{"value":{"n":1}}]}""", System.Text.Encoding.UTF8, "application/vnd.kafka.json.v2+json");

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative), content);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("ops", HttpStatusCode.OK)]
    [InlineData("root", HttpStatusCode.OK)]
    [InlineData("writer", HttpStatusCode.Forbidden)]
    public async Task Cluster_PolicyMatrix(string principal, HttpStatusCode expected)
    {
        await using var gateway = SecureGateway.InProcess(cluster, Policy());
        using var client = gateway.Client(principal);

        var response = await client.GetAsync(new Uri("/cluster", UriKind.Relative));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Produce_Forbidden_SameAnswerWhetherTheTopicExistsOrNot()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Policy());
        var existing = cluster.CreateTopic(partitions: 1, prefix: "payments");
        var missing = $"payments-{Guid.NewGuid():N}";
        using var client = gateway.Client("writer");

        var a = await client.PostAsJsonAsync($"/topics/{existing}/records", new { value = new { n = 1 } });
        var b = await client.PostAsJsonAsync($"/topics/{missing}/records", new { value = new { n = 1 } });
        var bodyA = await a.Content.ReadFromJsonAsync<JsonElement>();
        var bodyB = await b.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Forbidden, a.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, b.StatusCode);
        Assert.Equal("forbidden", bodyA.GetProperty("code").GetString());
        Assert.Equal(bodyA.GetProperty("detail").GetString()!.Replace(existing, "T", StringComparison.Ordinal),
            bodyB.GetProperty("detail").GetString()!.Replace(missing, "T", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Anonymous_AllowedButRulesExist_GetsOnlyWhatAnonymousIsGranted()
    {
        var settings = Policy();
        settings["Security:AllowAnonymous"] = "true";
        settings["Security:Authorization:Rules:9:Principal"] = "anonymous";
        settings["Security:Authorization:Rules:9:Permissions:0"] = "cluster";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        var topic = cluster.CreateTopic(partitions: 1, prefix: "orders");
        using var client = gateway.Client();

        var clusterInfo = await client.GetAsync(new Uri("/cluster", UriKind.Relative));
        var produce = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 1 } });

        Assert.Equal(HttpStatusCode.OK, clusterInfo.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, produce.StatusCode);
    }

    [Fact]
    public async Task AdminCall_IsAudited_WithPrincipalActionTargetAndOutcome()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Policy());
        using var root = gateway.Client("root");
        using var writer = gateway.Client("writer");

        // POST /topics is an admin route; an invalid request (0 partitions) is refused by validation before Kafka.
        var rootAnswer = await root.PostAsJsonAsync("/topics", new { name = "orders-audit", partitions = 0 });
        var writerAnswer = await writer.PostAsJsonAsync("/topics", new { name = "orders-audit", partitions = 0 });
        Assert.True(rootAnswer.StatusCode == HttpStatusCode.BadRequest, await rootAnswer.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, writerAnswer.StatusCode);

        // Both lines, which can come after the answers (reading them at once failed once in a full run).
        var audits = await gateway.Logs.AuditsAsync(lines => lines.Length >= 2);

        Assert.Contains(audits, m => m.Contains("root", StringComparison.Ordinal) && m.Contains("POST", StringComparison.Ordinal)
            && m.Contains("/topics", StringComparison.Ordinal) && m.Contains("rejected (400)", StringComparison.Ordinal));
        Assert.Contains(audits, m => m.Contains("writer", StringComparison.Ordinal) && m.Contains("denied (403)", StringComparison.Ordinal));
    }

    /// <summary>writer: produce on orders-*; reader: consume on *; ops (role operators): cluster; root: everything.</summary>
    private static Dictionary<string, string?> Policy()
    {
        var settings = SecureGateway.ApiKeys(("writer", null), ("reader", null), ("ops", "operators"), ("root", null));
        settings["Security:Authorization:Rules:0:Principal"] = "writer";
        settings["Security:Authorization:Rules:0:Topics:0"] = "orders-*";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
        settings["Security:Authorization:Rules:1:Principal"] = "reader";
        settings["Security:Authorization:Rules:1:Permissions:0"] = "consume";
        settings["Security:Authorization:Rules:2:Role"] = "operators";
        settings["Security:Authorization:Rules:2:Permissions:0"] = "cluster";
        settings["Security:Authorization:Rules:3:Principal"] = "root";
        settings["Security:Authorization:Rules:3:Topics:0"] = "*";
        settings["Security:Authorization:Rules:3:Permissions:0"] = "produce";
        settings["Security:Authorization:Rules:3:Permissions:1"] = "consume";
        settings["Security:Authorization:Rules:3:Permissions:2"] = "admin";
        settings["Security:Authorization:Rules:3:Permissions:3"] = "schemas:write";
        settings["Security:Authorization:Rules:3:Permissions:4"] = "cluster";
        return settings;
    }
}
