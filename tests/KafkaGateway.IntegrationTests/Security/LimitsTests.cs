using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>Each limit answers with its status and ProblemDetails, and the gateway keeps serving afterwards.</summary>
public sealed class LimitsTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task BodyLargerThanMaxRequestBodyBytes_Is413_ThenNormalRequestsWork()
    {
        var settings = SecureGateway.ApiKeys(("alice", null));
        settings["Security:Limits:MaxRequestBodyBytes"] = "2048";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = gateway.Client("alice");

        var large = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { text = new string('x', 4096) } });
        var body = await large.Content.ReadFromJsonAsync<JsonElement>();
        var small = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { text = "ok" } });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal("payload_too_large", body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task JsonDeeperThanMaxJsonDepth_Is400_ThenNormalRequestsWork()
    {
        var settings = SecureGateway.ApiKeys(("alice", null));
        settings["Security:Limits:MaxJsonDepth"] = "8";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = gateway.Client("alice");
        var deep = """{"value":""" + string.Concat(Enumerable.Repeat("""{"a":""", 20)) + "1" + new string('}', 20) + "}";

        using var content = new StringContent(deep, Encoding.UTF8, "application/json");
        var refused = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), content);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        var fine = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { a = new { b = 1 } } });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task RequestsBeyondRatePerClient_Are429WithRetryAfter_OtherClientsUnaffected()
    {
        var settings = SecureGateway.ApiKeys(("alice", null), ("bob", null));
        settings["Security:Limits:RequestsPerSecondPerClient"] = "1";
        settings["Security:Limits:RequestBurstPerClient"] = "2";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var alice = gateway.Client("alice");
        using var bob = gateway.Client("bob");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6; i++)
        {
            // A cheap route (404 after authorization): the bucket must not refill between requests.
            var response = await alice.GetAsync(new Uri("/no-such-route", UriKind.Relative));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        var bobs = await bob.GetAsync(new Uri("/no-such-route", UriKind.Relative));
        var health = await alice.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.NotNull(limited!.Headers.RetryAfter);
        Assert.Equal("too_many_requests", (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, bobs.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Cors_OffByDefault_OnForConfiguredOrigins()
    {
        var off = SecureGateway.ApiKeys(("alice", null));
        var on = SecureGateway.ApiKeys(("alice", null));
        on["Security:Cors:AllowedOrigins:0"] = "https://console.example";
        await using var gatewayOff = SecureGateway.InProcess(cluster, off);
        await using var gatewayOn = SecureGateway.InProcess(cluster, on);

        var withoutCors = await Preflight(gatewayOff);
        var withCors = await Preflight(gatewayOn);

        Assert.False(withoutCors.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("https://console.example", withCors.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    private static async Task<HttpResponseMessage> Preflight(SecureGateway gateway)
    {
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/topics/t/records");
        request.Headers.Add("Origin", "https://console.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
        return await client.SendAsync(request);
    }
}
