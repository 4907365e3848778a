using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Whoever can write the registry topic directly (the gateway refuses to: it is reserved) can put anything there. The
/// loader skips what it cannot use, logs it, keeps going, and readiness says so.
/// </summary>
public sealed class RegistryTopicRobustnessTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Load_ForgedAndBrokenRecords_AreSkippedAndTheRegistryServesTheRest()
    {
        var topic = NewTopic();
        cluster.Cluster.CreateTopic(topic, 1, 1);
        const string schemaKey = """{"keytype":"SCHEMA","subject":"good-value","version":1,"magic":1}""";
        var good = JsonSerializer.Serialize(new { subject = "good-value", version = 1, id = 5, schema = Sensor, deleted = false });
        (string? Key, string? Value)[] records =
        [
            (schemaKey, good),
            (Key("missing-id"), """{"subject":"missing-id","version":1,"schema":"\"int\""}"""),
            (Key("string-id"), """{"subject":"string-id","version":1,"id":"7","schema":"\"int\""}"""),
            (Key("overflow"), """{"subject":"overflow","version":1,"id":2147483648,"schema":"\"int\""}"""),
            (Key("zero"), """{"subject":"zero","version":1,"id":0,"schema":"\"int\""}"""),
            (Key("negative"), """{"subject":"negative","version":1,"id":-2147483648,"schema":"\"int\""}"""),
            (Key("no-schema"), """{"subject":"no-schema","version":1,"id":9}"""),
            (Key("bad-json"), """{"subject":"bad-json","""),
            ("""{"keytype":"SCHEMA","version":1,"magic":1}""", """{"id":10,"schema":"\"int\""}"""),
            ("{not a key", """{"id":11,"schema":"\"int\""}"""),
            (null, """{"id":12,"schema":"\"int\""}"""),
        ];
        await WriteAsync(topic, records);

        await using var gateway = Gateway(cluster, topic);
        using var client = gateway.CreateClient();
        var subjects = await client.GetFromJsonAsync<string[]>("/registry/subjects");
        var (byIdStatus, _) = await SendAsync(client, HttpMethod.Get, "/registry/schemas/ids/5");
        var nextId = await RegisterAsync(client, NewSubject(), SensorWithUnit);
        var ready = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        var registryCheck = ready.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "schema-registry");

        Assert.Equal(["good-value"], subjects ?? []);
        Assert.Equal(HttpStatusCode.OK, byIdStatus);
        Assert.Equal(6, nextId);
        Assert.Equal("Degraded", registryCheck.GetProperty("status").GetString());
        Assert.Equal(records.Length - 1, registryCheck.GetProperty("data").GetProperty("skippedRecords").GetInt64());
    }

    private static string Key(string subject) => $$"""{"keytype":"SCHEMA","subject":"{{subject}}","version":1,"magic":1}""";

    private async Task WriteAsync(string topic, (string? Key, string? Value)[] records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig(cluster.ClientConfig())).Build();
        foreach (var (key, value) in records)
        {
            await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?>
            {
                Key = key is null ? null : Encoding.UTF8.GetBytes(key),
                Value = value is null ? null : Encoding.UTF8.GetBytes(value),
            });
        }
    }
}
