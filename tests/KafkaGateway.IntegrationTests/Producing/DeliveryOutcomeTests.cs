using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Producing;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>Each delivery outcome, by fault injection on a cluster of its own (faults must not leak into other tests).</summary>
public sealed class DeliveryOutcomeTests() : FaultClusterGateway(new Dictionary<string, string?>
{
    ["Producer:MessageTimeoutMilliseconds"] = "4000",
    ["Producer:DeliveryTimeoutMilliseconds"] = "2000",
    ["Producer:StatisticsIntervalMilliseconds"] = "200",
    ["Kafka:Properties:reconnect.backoff.max.ms"] = "500",
})
{
    [Fact]
    public async Task Produce_AllBrokersDown_Answers503NotPersistedWithRetryAfterAndNothingIsWrittenLater()
    {
        var topic = Cluster.CreateTopic(partitions: 1);
        Assert.Equal(HttpStatusCode.OK, (await PostRecords(topic, """{"value": {"n": 0}}""")).StatusCode);

        Cluster.Cluster.SetBrokerDown(-1);
        // librdkafka notices the broker is gone on its own schedule (statistics every 200 ms here): wait until the
        // pooled producer knows, which is when the gateway refuses up front.
        var pool = Pool;
        await Harness.Harness.WaitUntilAsync(() => KnowsBrokersDown(pool), TimeSpan.FromSeconds(30), "the producer to see every broker down");
        var response = await PostRecords(topic, """{"value": {"n": 1}}""");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Cluster.Cluster.SetBrokerUp(-1);
        // A later record through the same producer and partition: once it is written, anything queued before it
        // would have been written first (idempotent producer, one partition), so its absence now is final.
        HttpResponseMessage later;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((later = await PostRecords(topic, """{"value": {"n": 2}}""")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("kafka_unavailable", body.GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var written = RawConsumer.ConsumeAll(Cluster.ClientConfig(), topic, 2)
            .Select(r => JsonDocument.Parse(r.Message.Value).RootElement.GetProperty("n").GetInt32()).ToList();
        Assert.Equal(0, written[0]);
        Assert.DoesNotContain(1, written);
    }

    private static bool KnowsBrokersDown(ProducerPool pool)
    {
        try
        {
            pool.EnsureBrokersReachable(ProducerPool.DefaultIdentity);
            return false;
        }
        catch (KafkaGateway.Http.GatewayException)
        {
            return true;
        }
    }

    [Fact]
    public async Task Produce_BrokerSlowerThanTheDeadline_Answers504SayingTheRecordMayHaveBeenWritten()
    {
        var topic = Cluster.CreateTopic(partitions: 1);
        Assert.Equal(HttpStatusCode.OK, (await PostRecords(topic, """{"value": {"n": 0}}""")).StatusCode);

        Cluster.Cluster.SetBrokerRtt(-1, 2500);
        HttpResponseMessage response;
        try
        {
            response = await PostRecords(topic, """{"value": {"n": 1}}""");
        }
        finally
        {
            Cluster.Cluster.SetBrokerRtt(-1, 0);
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("delivery_timeout", body.GetProperty("code").GetString());
        Assert.Equal("possibly_persisted", body.GetProperty("records")[0].GetProperty("status").GetString());
        Assert.Contains("may", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Produce_KeyedRequestAnswered504_RetryWithTheKeyReplaysTheAnswerAndTheRecordLandsOnce()
    {
        var topic = Cluster.CreateTopic(partitions: 1);
        Assert.Equal(HttpStatusCode.OK, (await PostRecords(topic, """{"value": {"n": 0}}""")).StatusCode);

        Cluster.Cluster.SetBrokerRtt(-1, 2500);
        HttpResponseMessage first;
        HttpResponseMessage retry;
        try
        {
            first = await PostWithKey(topic, """{"value": {"n": 1}}""", "slow-1");
            retry = await PostWithKey(topic, """{"value": {"n": 1}}""", "slow-1");
        }
        finally
        {
            Cluster.Cluster.SetBrokerRtt(-1, 0);
        }

        // Before the fix the 504 was forgotten and this retry wrote the record a second time.
        Assert.Equal(HttpStatusCode.GatewayTimeout, first.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal("possibly_persisted", (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("records")[0].GetProperty("status").GetString());
        // The first attempt's record lands once the broker answers; nothing else does.
        Assert.Equal(2, RawConsumer.ConsumeAll(Cluster.ClientConfig(), topic, 2).Count);
    }

    [Fact]
    public async Task Produce_BrokerRejectsRecordAsTooLarge_Answers413()
    {
        var topic = Cluster.CreateTopic(partitions: 1);
        Assert.Equal(HttpStatusCode.OK, (await PostRecords(topic, """{"value": {"n": 0}}""")).StatusCode);

        Cluster.Cluster.PushRequestErrors(0, ErrorCode.MsgSizeTooLarge);
        var response = await PostRecords(topic, """{"value": {"n": 1}}""");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("record_too_large", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Produce_BrokerDeniesTopicAccess_Answers403()
    {
        var topic = Cluster.CreateTopic(partitions: 1);
        Assert.Equal(HttpStatusCode.OK, (await PostRecords(topic, """{"value": {"n": 0}}""")).StatusCode);

        Cluster.Cluster.PushRequestErrors(0, ErrorCode.TopicAuthorizationFailed);
        var response = await PostRecords(topic, """{"value": {"n": 1}}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("kafka_authorization_failed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Produce_JsonTopic_StoresTheJsonAsUtf8()
    {
        var topic = Cluster.CreateTopic(partitions: 1);

        var response = await PostRecords(topic, """{"value": {"text": "line1\r\nline2", "n": 1}}""");
        var stored = Assert.Single(RawConsumer.ConsumeAll(Cluster.ClientConfig(), topic, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("valueSchemaId").GetString());
        var value = JsonDocument.Parse(stored.Message.Value).RootElement;
        Assert.Equal("line1\r\nline2", value.GetProperty("text").GetString());
    }


    private Task<HttpResponseMessage> PostWithKey(string topic, string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records") { Content = ProduceTests.Json(json) };
        request.Headers.Add("Idempotency-Key", key);
        return Client.SendAsync(request);
    }
}
