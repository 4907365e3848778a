using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// A producer queue that holds one record (Producer:MaxQueuedMessages=1) refuses the second record of a batch at
/// once: a partial batch, with its own answer.
/// </summary>
public sealed class QueueFullProduceTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    private const string ThreeRecords = """{"records": [{"value": {"n": 0}}, {"value": {"n": 1}}, {"value": {"n": 2}}]}""";

    private GatewayFactory Gateway() => GatewayFactory.For(cluster, new Dictionary<string, string?>
    {
        ["Producer:MaxQueuedMessages"] = "1",
        // The first record waits in the queue long enough for the second to find it full.
        ["Producer:LingerMilliseconds"] = "200",
        ["Gateway:TopicFormats:Default"] = "json",
    });

    [Fact]
    public async Task Produce_MoreRecordsThanTheProducerQueueHolds_AnswersPartiallyPersistedWithoutRetryAfterAndSendsNothingAfterTheRefusal()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), ProduceTests.Json(ThreeRecords));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        // Not "nothing was written, retry": some records are in Kafka.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("partially_persisted", body.GetProperty("code").GetString());
        Assert.Null(response.Headers.RetryAfter);
        var records = body.GetProperty("records").EnumerateArray().ToArray();
        Assert.Equal(["persisted", "not_persisted", "not_persisted"], records.Select(r => r.GetProperty("status").GetString()!));
        Assert.Equal(0, records[0].GetProperty("offset").GetInt64());
        Assert.Equal("Local_QueueFull", records[1].GetProperty("error").GetString());
        Assert.Contains("not sent", records[2].GetProperty("reason").GetString(), StringComparison.Ordinal);
        // Record 2 was never queued behind the refused record 1: only record 0 is in Kafka.
        Assert.Equal([0], Values(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1)));
    }

    [Fact]
    public async Task Produce_PartialBatchRetriedWithItsKey_IsReplayedAndSendingTheNotPersistedRecordsCompletesItInOrder()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        var first = await Send(client, topic, ThreeRecords, "batch-1");
        var retry = await Send(client, topic, ThreeRecords, "batch-1");
        var firstBody = await first.Content.ReadAsStringAsync();
        var retryBody = await retry.Content.ReadFromJsonAsync<JsonElement>();
        // The README's rule: send again only the records marked not_persisted (under a new key), one at a time here
        // because the queue holds one record.
        var notPersisted = JsonDocument.Parse(firstBody).RootElement.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("status").GetString() == "not_persisted")
            .Select(r => r.GetProperty("index").GetInt32())
            .ToList();
        foreach (var index in notPersisted)
        {
            var resent = await Send(client, topic, "{\"value\": {\"n\": " + index + "}}", $"batch-1-record-{index}");
            Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        }

        Assert.Equal(HttpStatusCode.InternalServerError, retry.StatusCode);
        Assert.Equal("partially_persisted", retryBody.GetProperty("code").GetString());
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal([1, 2], notPersisted);
        Assert.Equal([0, 1, 2], Values(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 3)));
    }

    [Fact]
    public async Task ProduceRestProxyV2_PartialBatch_Answers50002WithErrorCodesOnTheFailedOffsetsOnly()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        await using var gateway = Gateway();
        using var client = gateway.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}", UriKind.Relative),
            new StringContent(ThreeRecords, Encoding.UTF8, "application/vnd.kafka.json.v2+json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        // 50002, not the retriable 50003: a REST Proxy client retrying the request would write record 0 twice.
        Assert.Equal(50002, body.GetProperty("error_code").GetInt32());
        Assert.Null(response.Headers.RetryAfter);
        var offsets = body.GetProperty("offsets").EnumerateArray().ToArray();
        Assert.Equal(0, offsets[0].GetProperty("offset").GetInt64());
        Assert.Equal(JsonValueKind.Null, offsets[0].GetProperty("error_code").ValueKind);
        Assert.All(offsets[1..], o => Assert.Equal(2, o.GetProperty("error_code").GetInt32()));
        Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string topic, string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records") { Content = ProduceTests.Json(json) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private static List<int> Values(List<Confluent.Kafka.ConsumeResult<byte[], byte[]>> records) =>
        records.Select(r => JsonDocument.Parse(r.Message.Value).RootElement.GetProperty("n").GetInt32()).ToList();
}
