using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>Value subjects under the RecordName strategy (several record types in one topic).</summary>
public sealed class SubjectNameStrategyProduceTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Produce_RecordNameStrategy_UsesTheRecordsFullNameAsSubject()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        var recordName = $"r{Guid.NewGuid():N}";
        var schema = $$"""{"type":"record","name":"{{recordName}}","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}""";
        await using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?>
        {
            ["SchemaRegistry:ValueSubjectNameStrategy"] = "RecordName",
            ["SchemaRegistry:Topic"] = $"_schemas-{Guid.NewGuid():N}",
        });
        using var client = gateway.CreateClient();
        var id = await GatewayClusterFixture.RegisterSchemaAsync(client, $"com.acme.{recordName}", schema);

        var inline = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            ProduceTests.Json(JsonSerializer.Serialize(new { valueSchema = schema, records = new[] { new { value = new { id = "a" } } } })));
        var explicitSubject = await client.PostAsync(new Uri($"/topics/{topic}/records?subject=com.acme.{recordName}", UriKind.Relative),
            ProduceTests.Json("""{"value": {"id": "b"}}"""));
        var underivable = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), ProduceTests.Json("""{"value": {"id": "c"}}"""));

        Assert.Equal(HttpStatusCode.OK, inline.StatusCode);
        Assert.Equal(id, (await inline.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("valueSchemaId").GetInt32());
        Assert.Equal(HttpStatusCode.OK, explicitSubject.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, underivable.StatusCode);
        Assert.Equal("subject_required", (await underivable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
