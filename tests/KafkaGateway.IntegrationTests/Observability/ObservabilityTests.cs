using System.Net;
using System.Net.Http.Json;
using System.Text;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.IntegrationTests.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace KafkaGateway.IntegrationTests.Observability;

/// <summary>/metrics after traffic, and the W3C trace context reaching Kafka's record headers.</summary>
public sealed class ObservabilityTests(KafkaClusterFixture cluster) : IClassFixture<KafkaClusterFixture>
{
    [Fact]
    public async Task Metrics_AfterProduce_ContainHttpProduceAndProducerSeriesWithBoundedTopicLabels()
    {
        var settings = SecureGateway.ApiKeys(("scraper", null));
        settings["Producer:StatisticsIntervalMilliseconds"] = "100";
        settings["Observability:Metrics:MaxTopicLabels"] = "1";
        await using var gateway = SecureGateway.InProcess(cluster, settings, cachingRegistry: true);
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = gateway.Client("scraper");
        var produced = await client.PostAsJsonAsync($"/topics/{topic}/records", new { records = new[] { new { value = new { n = 1 } }, new { value = new { n = 2 } } } });
        // A record Kafka refuses (an unknown partition is refused by the gateway itself now, before Kafka).
        cluster.Cluster.PushRequestErrors(0, Confluent.Kafka.ErrorCode.MsgSizeTooLarge);
        var failed = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 3 } });
        var beyondCap = await client.PostAsJsonAsync($"/topics/{cluster.CreateTopic(partitions: 1)}/records", new { value = new { n = 1 } });

        string[] expected =
        [
            "http_server_request_duration_seconds_count{",
            "kafkagateway_produce_records_total{",
            $"topic=\"{topic}\"",
            "topic=\"_other\"",
            "kafkagateway_produce_bytes",
            "kafkagateway_produce_delivery_duration_seconds_bucket{",
            "kafkagateway_produce_errors",
            "kafkagateway_producer_pool_size",
            "kafkagateway_producer_queue_messages",
            "kafkagateway_producer_broker_inflight_requests",
            "kafkagateway_producer_broker_rtt",
            "kafkagateway_schema_cache_misses",
        ];
        // Request metrics are recorded as the response completes and librdkafka statistics arrive on their own
        // schedule: scrape until everything is there (or give up and let the assertions say what is missing).
        var text = "";
        for (var attempt = 0; attempt < 100 && !expected.All(e => text.Contains(e, StringComparison.Ordinal)); attempt++)
        {
            await Task.Delay(100);
            text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }

        Assert.Equal(HttpStatusCode.OK, produced.StatusCode);
        Assert.Equal(HttpStatusCode.OK, beyondCap.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, failed.StatusCode);
        Assert.All(expected, e => Assert.Contains(e, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_WithoutClusterPermission_Is403()
    {
        var settings = SecureGateway.ApiKeys(("writer", null));
        settings["Security:Authorization:Rules:0:Principal"] = "writer";
        settings["Security:Authorization:Rules:0:Permissions:0"] = "produce";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client("writer");

        var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterAuthenticatedLimitedRequests_RecordNoPerRequestInstrumentsBesidesTheRequestDuration()
    {
        // Authentication, authorization, routing and the rate limiter all run for these requests; their built-in
        // meters would each add measurements per request that http.server.request.duration already tells (route,
        // 401/403, 429). They are not exported (ObservabilityServiceCollectionExtensions.AspNetCoreMeters).
        var settings = SecureGateway.ApiKeys(("scraper", null));
        settings["Security:Limits:RequestsPerSecondPerClient"] = "1000";
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client("scraper");
        using var anonymous = gateway.Client();
        var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        var refused = await anonymous.GetAsync(new Uri("/cluster", UriKind.Relative));

        var text = "";
        for (var attempt = 0; attempt < 100 && !text.Contains("http_route=\"/health/live\"", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
            text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        }

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("http_server_request_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/health/live\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_routing_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_authentication_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_authorization_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_rate_limiting_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("aspnetcore_memory_pool_", text, StringComparison.Ordinal);
        // Requests in flight: kept, as one series (a view without tag keys; no hashing of labels per request).
        Assert.Contains("http_server_active_requests{otel_scope_name=\"Microsoft.AspNetCore.Hosting\"} ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http_server_active_requests{otel_scope_name=\"Microsoft.AspNetCore.Hosting\",", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Produce_WithTraceparent_RecordHeaderContinuesTheTrace()
    {
        await using var gateway = SecureGateway.InProcess(cluster, SecureGateway.ApiKeys(("alice", null)));
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = gateway.Client("alice");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/records")
        {
            Content = JsonContent.Create(new { records = new[] { new { value = new { n = 1 } }, new { value = new { n = 2 } } } }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        var response = await client.SendAsync(request);
        var records = ConsumeRaw(topic, 2);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(records, record =>
        {
            Assert.True(record.Message.Headers.TryGetLastBytes("traceparent", out var header), "no traceparent header");
            var value = Encoding.ASCII.GetString(header);
            Assert.StartsWith($"00-{traceId}-", value, StringComparison.Ordinal);
            Assert.DoesNotContain("00f067aa0ba902b7", value, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Produce_WithoutTraceContextOrExport_WritesNoTraceparentHeader()
    {
        await using var gateway = SecureGateway.InProcess(cluster, SecureGateway.ApiKeys(("alice", null)));
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = gateway.Client("alice");

        var response = await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 1 } });
        var record = Assert.Single(ConsumeRaw(topic, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(record.Message.Headers?.TryGetLastBytes("traceparent", out _) ?? false,
            "a trace id nobody recorded was written to the record");
    }

    [Fact]
    public async Task Produce_WithOtlpExporter_ExportsTheRequestAndProduceSpans()
    {
        // The collector: an HTTP endpoint taking OTLP/HTTP protobuf exports (span names are plain UTF-8 in protobuf).
        var exports = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            exports.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        var settings = SecureGateway.ApiKeys(("alice", null));
        settings["Observability:Tracing:Exporter"] = "otlp";
        settings["Observability:Tracing:OtlpProtocol"] = "http/protobuf";
        settings["Observability:Tracing:OtlpEndpoint"] = collector.Urls.Single() + "/v1/traces";
        var topic = cluster.CreateTopic(partitions: 1);
        // The request span names its path (url.path), the produce span its topic; service.name is the resource.
        string[] expected = [$"produce {topic}", "serialize", $"/topics/{topic}/records", "http.route", "kafkagateway"];
        await using var gateway = SecureGateway.InProcess(cluster, settings);
        using var client = gateway.Client("alice");

        var status = (await client.PostAsJsonAsync($"/topics/{topic}/records", new { value = new { n = 1 } })).StatusCode;
        // The batch exporter sends every few seconds; the request span ends after the client has its answer.
        var exported = "";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!expected.All(e => exported.Contains(e, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            exported = string.Join("\n", exports.Select(e => Encoding.UTF8.GetString(e)));
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(expected, e => Assert.Contains(e, exported, StringComparison.Ordinal));
    }

    private List<ConsumeResult<byte[], byte[]>> ConsumeRaw(string topic, int count)
    {
        var config = new ConsumerConfig(cluster.ClientConfig())
        {
            GroupId = "security-tests-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        consumer.Close();
        return results;
    }
}
