using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>
/// Issue 12 row 9: readiness stays open to probes, but only the overall status; brokers, certificate expiry and the
/// last client error are for principals with the <c>cluster</c> permission.
/// </summary>
public sealed class ReadinessDetailsTests(MtlsKafkaClusterFixture cluster) : IClassFixture<MtlsKafkaClusterFixture>
{
    [Fact]
    public async Task HealthReady_WithoutClusterPermission_AnswersOnlyTheStatus()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var anonymous = gateway.Client();
        using var wrongKey = gateway.Client();
        wrongKey.DefaultRequestHeaders.Add("X-API-Key", "wrong-key-0123456789abcdef");
        using var producer = gateway.Client("app");

        foreach (var client in new[] { anonymous, wrongKey, producer })
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            var body = JsonDocument.Parse(text).RootElement;

            Assert.Equal(["status"], body.EnumerateObject().Select(p => p.Name));
            Assert.Contains(body.GetProperty("status").GetString(), new[] { "Healthy", "Degraded", "Unhealthy" });
            Assert.DoesNotContain("gateway-client", text, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HealthReady_WithClusterPermission_ListsEveryCheckWithItsData()
    {
        await using var gateway = SecureGateway.InProcess(cluster, Settings());
        using var operations = gateway.Client("ops");

        using var response = await operations.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var checks = body.GetProperty("checks").EnumerateArray().ToArray();
        Assert.Contains(checks, c => c.GetProperty("name").GetString() == "kafka");
        var certificate = checks.Single(c => c.GetProperty("name").GetString() == "kafka-client-certificate");
        Assert.True(certificate.GetProperty("data").GetProperty("daysUntilExpiry").GetInt32() > 0);
    }

    private static Dictionary<string, string?> Settings()
    {
        var settings = SecureGateway.ApiKeys(("ops", null), ("app", null));
        settings["Security:Authorization:Rules:0:Principal"] = "ops";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "cluster";
        settings["Security:Authorization:Rules:1:Principal"] = "app";
        settings["Security:Authorization:Rules:1:Permissions:0"] = "produce";
        return settings;
    }
}
