using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaGateway.Admin;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Admin;

/// <summary>
/// Request validation, response shapes and Kafka error mapping of the operations librdkafka's mock broker cannot do,
/// against <see cref="SubstituteAdminOperations"/>. The gateway still boots against the harness cluster.
/// </summary>
public sealed class AdminSubstituteTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private readonly SubstituteAdminOperations _substitute = new();

    [Fact]
    public async Task CreateTopic_NameWithDot_Answers201WithLocationAndWarning()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PostAsJsonAsync("/topics", new { name = "billing.events", partitions = 6, replicationFactor = 3, configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/topics/billing.events", response.Headers.Location?.OriginalString);
        Assert.Contains("billing_events", body.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("create billing.events 6 3 cleanup.policy", _substitute.Calls);
    }

    [Fact]
    public async Task CreateTopic_InvalidRequest_Answers400ListingEveryFieldPath()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PostAsJsonAsync("/topics", new { name = "bad name!", partitions = 0, replicationFactor = 0, configs = new Dictionary<string, string> { ["retention.msec"] = "1" } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        var errors = body.GetProperty("errors");
        Assert.True(errors.TryGetProperty("$.name", out _));
        Assert.True(errors.TryGetProperty("$.partitions", out _));
        Assert.True(errors.TryGetProperty("$.replicationFactor", out _));
        var configError = errors.EnumerateObject().Single(e => e.Name.StartsWith("$.configs", StringComparison.Ordinal));
        Assert.Contains("retention.ms", configError.Value[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_substitute.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }

    public static TheoryData<ErrorCode, HttpStatusCode, string> KafkaErrors => new()
    {
        { ErrorCode.TopicAlreadyExists, HttpStatusCode.Conflict, "topic_already_exists" },
        { ErrorCode.InvalidReplicationFactor, HttpStatusCode.BadRequest, "invalid_replication_factor" },
        { ErrorCode.InvalidPartitions, HttpStatusCode.BadRequest, "invalid_partitions" },
        { ErrorCode.InvalidConfig, HttpStatusCode.BadRequest, "invalid_config" },
        { ErrorCode.PolicyViolation, HttpStatusCode.UnprocessableEntity, "policy_violation" },
        { ErrorCode.TopicAuthorizationFailed, HttpStatusCode.Forbidden, "kafka_authorization_failed" },
        { ErrorCode.ClusterAuthorizationFailed, HttpStatusCode.Forbidden, "kafka_authorization_failed" },
        { ErrorCode.Local_TimedOut, HttpStatusCode.GatewayTimeout, "kafka_timeout" },
        { ErrorCode.BrokerNotAvailable, HttpStatusCode.ServiceUnavailable, "kafka_unavailable" },
        { ErrorCode.Local_UnsupportedFeature, HttpStatusCode.NotImplemented, "not_supported_by_cluster" },
    };

    [Theory]
    [MemberData(nameof(KafkaErrors))]
    public async Task CreateTopic_KafkaRefuses_AnswersMappedProblem(ErrorCode error, HttpStatusCode status, string code)
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;
        _substitute.Failure = new CreateTopicsException([new CreateTopicReport { Topic = "orders2", Error = new Error(error, "refused by test") }]);
        _substitute.Topology = _substitute.Topology with { };

        var response = await client.PostAsJsonAsync("/topics", new { name = "orders2", partitions = 1 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(error.ToString(), body.GetProperty("kafkaError").GetString());
        Assert.True(body.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task DeleteGroup_NonEmptyGroup_Answers409()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;
        _substitute.Failure = new DeleteGroupsException([new DeleteGroupReport { Group = "billing", Error = new Error(ErrorCode.NonEmptyGroup, "The group is not empty.") }]);

        var response = await client.DeleteAsync(new Uri("/consumer-groups/billing", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("group_not_empty", body.GetProperty("code").GetString());
        Assert.Equal("NonEmptyGroup", body.GetProperty("kafkaError").GetString());
    }

    [Fact]
    public async Task DeleteGroup_Unknown_Answers404()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;
        _substitute.Failure = new DeleteGroupsException([new DeleteGroupReport { Group = "x", Error = new Error(ErrorCode.GroupIdNotFound, "no such group") }]);

        var response = await client.DeleteAsync(new Uri("/consumer-groups/x", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DeleteTopic_Exists_Answers204()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.DeleteAsync(new Uri("/topics/orders", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains("delete orders", _substitute.Calls);
    }

    [Fact]
    public async Task DescribeTopic_ClusterDescribesConfigs_IncludesThemWithoutNotes()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var body = await client.GetFromJsonAsync<JsonElement>("/topics/orders");

        Assert.Equal("1000", body.GetProperty("configs").GetProperty("retention.ms").GetString());
        Assert.False(body.TryGetProperty("notes", out _));
        Assert.Equal(20, body.GetProperty("messageCount").GetInt64());
    }

    [Fact]
    public async Task AlterTopicConfigs_SetAndDelete_SendsIncrementalChangeAndAnswersConfigs()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PatchAsJsonAsync("/topics/orders/configs", new { set = new Dictionary<string, string> { ["retention.ms"] = "1000" }, delete = new[] { "cleanup.policy" } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("alter orders set=retention.ms=1000 delete=cleanup.policy", _substitute.Calls);
        Assert.Equal("orders", body.GetProperty("resource").GetString());
        Assert.Equal("DynamicTopicConfig", body.GetProperty("configs")[1].GetProperty("source").GetString());
    }

    [Fact]
    public async Task AlterTopicConfigs_UnknownName_Answers400SuggestingClosest()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PatchAsJsonAsync("/topics/orders/configs", new { set = new Dictionary<string, string> { ["cleanup_policy"] = "compact" } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Did you mean 'cleanup.policy'", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatePartitions_NotLarger_Answers400InvalidPartitions()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var smaller = await client.PostAsJsonAsync("/topics/orders/partitions", new { count = 2 });
        var larger = await client.PostAsJsonAsync("/topics/orders/partitions", new { count = 8 });
        var body = await smaller.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, smaller.StatusCode);
        Assert.Equal("invalid_partitions", body.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, larger.StatusCode);
        Assert.Contains("partitions orders 8", _substitute.Calls);
    }

    [Fact]
    public async Task DeleteRecords_Partitions_AnswersNewLowWatermarks()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PostAsJsonAsync("/topics/orders/delete-records", new { partitions = new[] { new { partition = 0, beforeOffset = 3L }, new { partition = 1, beforeOffset = -1L } } });
        var unknownPartition = await client.PostAsJsonAsync("/topics/orders/delete-records", new { partitions = new[] { new { partition = 7, beforeOffset = 3L } } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, body.GetProperty("partitions")[0].GetProperty("lowWatermark").GetInt64());
        Assert.Equal(10, body.GetProperty("partitions")[1].GetProperty("lowWatermark").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, unknownPartition.StatusCode);
    }

    [Fact]
    public async Task GetBrokerConfigs_KnownAndUnknownBroker_Answers200And404()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var known = await client.GetFromJsonAsync<JsonElement>("/brokers/1/configs");
        var unknown = await client.GetAsync(new Uri("/brokers/9/configs", UriKind.Relative));

        Assert.Equal("1", known.GetProperty("resource").GetString());
        Assert.Contains("configs Broker 1", _substitute.Calls);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ListGroups_Cluster_AnswersGroups()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var body = await client.GetFromJsonAsync<JsonElement>("/consumer-groups");

        Assert.Equal(["billing", "audit"], body.EnumerateArray().Select(g => g.GetProperty("groupId").GetString()));
        Assert.True(body[1].GetProperty("simple").GetBoolean());
    }

    [Fact]
    public async Task DescribeGroup_WithMembers_AnswersMembersAssignmentsAndLag()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var body = await client.GetFromJsonAsync<JsonElement>("/consumer-groups/billing");

        Assert.Equal("Stable", body.GetProperty("state").GetString());
        Assert.Equal("range", body.GetProperty("protocol").GetString());
        var member = body.GetProperty("members")[0];
        Assert.Equal("billing-1", member.GetProperty("clientId").GetString());
        Assert.Equal("/10.0.0.7", member.GetProperty("host").GetString());
        Assert.Equal(2, member.GetProperty("assignment")[0].GetProperty("partitions").GetArrayLength());
        Assert.Equal(6, body.GetProperty("totalLag").GetInt64());
        Assert.False(body.TryGetProperty("notes", out _));
    }

    [Fact]
    public async Task ResetOffsets_GroupWithActiveMembers_Answers409WithoutCommitting()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PostAsJsonAsync("/consumer-groups/billing/offsets", new { topic = "orders", to = "latest" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("group_not_empty", body.GetProperty("code").GetString());
        Assert.DoesNotContain(_substitute.Calls, c => c.StartsWith("commit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResetOffsets_EmptyGroupToTimestamp_CommitsTheTimestampOffsets()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;
        _substitute.Group = _substitute.Group with { State = "Empty", Members = [] };

        var response = await client.PostAsJsonAsync("/consumer-groups/billing/offsets", new { topic = "orders", to = "timestamp", timestamp = "2026-01-01T00:00:00Z" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, body.GetProperty("partitions")[0].GetProperty("newOffset").GetInt64());
        Assert.Equal(4, body.GetProperty("partitions")[0].GetProperty("previousOffset").GetInt64());
        Assert.Contains("commit billing", _substitute.Calls);
    }

    [Fact]
    public async Task ResetOffsets_MissingTarget_Answers400()
    {
        using var client = CreateClient(out var gateway);
        await using var owner = gateway;

        var response = await client.PostAsJsonAsync("/consumer-groups/billing/offsets", new { topic = "orders", to = "timestamp" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty("$.timestamp", out _));
    }

    private HttpClient CreateClient(out Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> gateway)
    {
        gateway = GatewayFactory.For(cluster).WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IKafkaAdminOperations>(_substitute)));
        return gateway.CreateClient();
    }
}
