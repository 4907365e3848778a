using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>
/// A gateway with small NDJSON chunks (so chunking shows with a few thousand lines), a small body limit (so NDJSON's
/// exemption from it shows), short lines, and a topic whose key field is configured.
/// </summary>
public sealed class ValuesGatewayFixture : GatewayClusterFixture
{
    public const int ChunkRecords = 500;
    public const int MaxLineBytes = 2048;
    public const int MaxBodyBytes = 256 * 1024;

    private GatewayFactory? _kestrel;

    /// <summary>A topic with <c>Gateway:TopicFormats:KeyFields</c> = <c>id</c>.</summary>
    public string KeyedTopic { get; } = $"keyed-{Guid.NewGuid():N}";

    /// <summary>
    /// The same gateway on a real Kestrel socket: TestServer's in-memory request pipe did not hand a streamed body
    /// to the application while it was still being written, so streaming is tested where it matters, over TCP.
    /// </summary>
    public HttpClient CreateKestrelClient()
    {
        if (_kestrel is null)
        {
            _kestrel = GatewayFactory.For(this, ExtraSettings());
            _kestrel.UseKestrel(0);
            _kestrel.StartServer();
        }

        var address = _kestrel.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(3) };
    }

    public override async Task DisposeAsync()
    {
        if (_kestrel is not null)
        {
            await _kestrel.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override Dictionary<string, string?> ExtraSettings() => new()
    {
        ["Producer:NdjsonChunkRecords"] = ChunkRecords.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Producer:MaxValueLineBytes"] = MaxLineBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Security:Limits:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"Gateway:TopicFormats:KeyFields:{KeyedTopic}"] = "id",
    };
}

public sealed class ValuesTests(ValuesGatewayFixture cluster) : IClassFixture<ValuesGatewayFixture>
{
    private static readonly AvroJsonCodec s_codec = AvroJsonCodec.Create(GatewayClusterFixture.SensorSchema);

    [Fact]
    public async Task ProduceValues_OneBareReadingWithKeyField_IsInKafkaKeyedByItsId()
    {
        var topic = await SensorTopicAsync(partitions: 3);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values?keyField=id", UriKind.Relative),
            Json("""{"timestamp":1732270000000,"id":"s-01","value":1.0}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, body.GetProperty("received").GetInt64());
        Assert.Equal(1, body.GetProperty("persisted").GetInt64());
        Assert.Equal(0, body.GetProperty("failed").GetInt64());
        var landed = body.GetProperty("records")[0];
        var record = Assert.Single(RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 1));
        Assert.Equal("s-01", Encoding.UTF8.GetString(record.Message.Key));
        Assert.Equal(landed.GetProperty("partition").GetInt32(), record.Partition.Value);
        Assert.Equal("s-01", Decode(record.Message.Value).GetProperty("id").GetString());
    }

    [Fact]
    public async Task ProduceValues_ArrayWithFixedKey_StoresEveryValueInOrderUnderThatKey()
    {
        var topic = await SensorTopicAsync(partitions: 3);
        using var client = cluster.CreateClient();
        var values = Enumerable.Range(0, 20).Select(i => new { id = $"s-{i}", timestamp = 1732270000000L + i, value = (double)i }).ToArray();

        var response = await client.PostAsJsonAsync($"/topics/{topic}/values?key=site-7", values);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(20, body.GetProperty("persisted").GetInt64());
        var records = RawConsumer.ConsumeAll(cluster.ClientConfig(), topic, 20);
        Assert.Equal(20, records.Count);
        Assert.All(records, r => Assert.Equal("site-7", Encoding.UTF8.GetString(r.Message.Key)));
        Assert.Single(records.Select(r => r.Partition.Value).Distinct());
        Assert.Equal(values.Select(v => v.id), records.OrderBy(r => r.Offset.Value).Select(r => Decode(r.Message.Value).GetProperty("id").GetString()));
    }

    [Fact]
    public async Task ProduceValues_ArrayWithInvalidValuesAndMissingKeyField_Answers422WithIndexedPathsAndWritesNothing()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values?keyField=id", UriKind.Relative), Json("""
            [{"id": "ok", "timestamp": 1, "value": 1.0},
             {"id": "s-2", "timestamp": 1, "value": "hot"},
             {"sensor": "s-3", "timestamp": 1, "value": 3.0}]
            """));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("invalid_records", body.GetProperty("code").GetString());
        var errors = body.GetProperty("errors").EnumerateArray().Select(e => (Path: e.GetProperty("path").GetString(), Message: e.GetProperty("message").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Path == "$[1].value" && e.Message.Contains("expected double", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$[2].id" && e.Message.Contains("?keyField=id", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Path!.StartsWith("$[0]", StringComparison.Ordinal));
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValues_KeyAndKeyFieldTogether_Answers400()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values?key=a&keyField=id", UriKind.Relative),
            Json("""{"id": "s-1", "timestamp": 1, "value": 1.0}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_key_selection", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValues_TopicWithConfiguredKeyField_TakesTheKeyFromTheValue()
    {
        using var client = cluster.CreateClient();
        cluster.Cluster.CreateTopic(cluster.KeyedTopic, 3, 3);
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{cluster.KeyedTopic}-value", GatewayClusterFixture.SensorSchema);

        var response = await client.PostAsync(new Uri($"/topics/{cluster.KeyedTopic}/values", UriKind.Relative), Ndjson(
            """
            {"id": "s-1", "timestamp": 1, "value": 1.0}
            {"id": "s-2", "timestamp": 1, "value": 2.0}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var keys = RawConsumer.ConsumeAll(cluster.ClientConfig(), cluster.KeyedTopic, 2).Select(r => Encoding.UTF8.GetString(r.Message.Key)).Order(StringComparer.Ordinal);
        Assert.Equal(["s-1", "s-2"], keys);
    }

    [Fact]
    public async Task ProduceValuesNdjson_100000LinesLargerThanTheBodyLimit_AllArriveInKafkaPartitionedById()
    {
        const int lines = 100_000;
        const int sensors = 50;
        var topic = await SensorTopicAsync(partitions: 4);
        using var client = cluster.CreateClient();
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $$"""{"id":"s-{{i % sensors}}","timestamp":{{1732270000000L + i}},"value":{{i}}.5}""").Append('\n');
        }

        var payload = Encoding.UTF8.GetBytes(text.ToString());
        Assert.True(payload.Length > ValuesGatewayFixture.MaxBodyBytes, "the body must exceed Security:Limits:MaxRequestBodyBytes");
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values?keyField=id", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(lines, body.GetProperty("received").GetInt64());
        Assert.Equal(lines, body.GetProperty("persisted").GetInt64());
        Assert.False(body.TryGetProperty("records", out _));
        var records = KafkaGateway.IntegrationTests.Harness.Harness.ConsumeAll<byte[], byte[]>(
            cluster.ClientConfig(), topic, lines, timeout: TimeSpan.FromSeconds(120), lookForMore: TimeSpan.FromMilliseconds(300));
        Assert.Equal(lines, records.Count);
        // Same id, same partition, and the key is the id's UTF-8 bytes.
        var partitionsByKey = records.GroupBy(r => Encoding.UTF8.GetString(r.Message.Key)).ToDictionary(g => g.Key, g => g.Select(r => r.Partition.Value).Distinct().ToList());
        Assert.Equal(sensors, partitionsByKey.Count);
        Assert.All(partitionsByKey.Values, p => Assert.Single(p));
        Assert.True(partitionsByKey.Values.Select(p => p[0]).Distinct().Count() > 1, "50 sensors over 4 partitions use more than one partition");
        var sample = records.First(r => r.Partition.Value == partitionsByKey["s-7"][0] && Encoding.UTF8.GetString(r.Message.Key) == "s-7");
        Assert.Equal("s-7", Decode(sample.Message.Value).GetProperty("id").GetString());
    }

    [Fact]
    public async Task ProduceValuesJson_MoreValuesThanMaxRecordsPerRequest_Answers422NamingTheSetting()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();
        var json = "[" + string.Join(',', Enumerable.Repeat("""{"id":"s-1","timestamp":1,"value":1.5}""", 1001)) + "]";

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values", UriKind.Relative), Json(json));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Producer:MaxRecordsPerRequest", body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesJson_ArrayLargerThanTheBodyLimit_Answers413()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();
        var json = "[" + string.Join(',', Enumerable.Repeat("""{"id":"s-1","timestamp":1,"value":1.5}""", 8000)) + "]";

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values", UriKind.Relative), Json(json));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesNdjson_StreamedBody_RecordsAreInKafkaBeforeTheBodyEnds()
    {
        var topic = cluster.CreateTopic(partitions: 2);
        using var client = cluster.CreateKestrelClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        // Three chunks first: the first two can be produced before the body goes on (the third is read while the
        // second is confirmed). The rest is written only once Kafka holds records, so a gateway that waited for the
        // whole body would never see it end: the wait below would time out instead.
        var content = new StreamedNdjson(
            first: Lines(0, 3 * ValuesGatewayFixture.ChunkRecords),
            rest: Lines(3 * ValuesGatewayFixture.ChunkRecords, 2000),
            beforeRest: () => WaitForAsync(() => Watermarks(topic) >= ValuesGatewayFixture.ChunkRecords, TimeSpan.FromSeconds(60)));

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values?keyField=id", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(content.SawRecordsBeforeTheEnd, "no record reached Kafka while the body was still open");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal(3 * ValuesGatewayFixture.ChunkRecords + 2000, body.GetProperty("persisted").GetInt64());
        Assert.Equal(3 * ValuesGatewayFixture.ChunkRecords + 2000, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesNdjson_KafkaRefusesALaterChunk_Answers500PartiallyPersistedWithTheFailedLines()
    {
        var topic = cluster.CreateTopic(partitions: 1);
        using var client = cluster.CreateKestrelClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        const int chunk = ValuesGatewayFixture.ChunkRecords;
        // The first chunk is in Kafka before the broker starts refusing; then the second chunk meets the refusal.
        var content = new StreamedNdjson(
            first: Lines(0, chunk),
            rest: Lines(chunk, 2 * chunk),
            beforeRest: async () =>
            {
                var written = await WaitForAsync(() => Watermarks(topic) >= chunk, TimeSpan.FromSeconds(60));
                cluster.Cluster.PushRequestErrors(0, ErrorCode.TopicAuthorizationFailed);
                return written;
            });

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values", UriKind.Relative), content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(content.SawRecordsBeforeTheEnd);
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, body.ToString());
        Assert.Equal("partially_persisted", body.GetProperty("code").GetString());
        Assert.Equal(3 * chunk, body.GetProperty("received").GetInt64());
        var persisted = body.GetProperty("persisted").GetInt64();
        Assert.InRange(persisted, chunk, 2 * chunk - 1);
        Assert.Equal(2 * chunk + 1, body.GetProperty("notSentFromLine").GetInt64());
        var failure = body.GetProperty("failures")[0];
        Assert.InRange(failure.GetProperty("line").GetInt64(), chunk + 1, 2 * chunk);
        Assert.Equal("not_persisted", failure.GetProperty("status").GetString());
        Assert.Equal("TopicAuthorizationFailed", failure.GetProperty("error").GetString());
        Assert.Equal(persisted, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesNdjson_BadLinesInTheFirstChunk_Answers422WithTheirLineNumbersAndWritesNothing()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values", UriKind.Relative), Ndjson(
            "{\"id\": \"s-1\", \"timestamp\": 1, \"value\": 1.0}\n\n{\"id\": \"s-3\", \"timestamp\": 1, \"value\": \"hot\"}\r\n{\"id\": \"s-4\", \"timestamp\": 1, \"value\": 4.0}\n"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("invalid_records", body.GetProperty("code").GetString());
        Assert.Equal(3, body.GetProperty("received").GetInt64());
        Assert.Equal(0, body.GetProperty("persisted").GetInt64());
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt64());
        Assert.Equal("$.value", error.GetProperty("path").GetString());
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesNdjson_LineThatIsNoJsonOrTooLong_AnswersWithItsLineNumber()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();
        var tooLong = """{"id":"s-2","timestamp":1,"value":1.0,"pad":""" + "\"" + new string('x', ValuesGatewayFixture.MaxLineBytes) + "\"}";

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values", UriKind.Relative), Ndjson(
            "{\"id\": \"s-1\", \"timestamp\": 1, \"value\": 1.0}\n" + tooLong + "\n{\"id\": \"s-3\",\n"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([2L, 3L], errors.Select(e => e.GetProperty("line").GetInt64()));
        Assert.Contains("Producer:MaxValueLineBytes", errors[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("not a JSON value", errors[1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesNdjson_BadLineAfterEarlierChunksAreWritten_Answers500PartiallyPersistedNamingTheLine()
    {
        var topic = await SensorTopicAsync(partitions: 2);
        using var client = cluster.CreateClient();
        var lines = Lines(0, 1200).Split('\n');
        // Line 1103 (1-based), in the third chunk (1001-1200).
        lines[1102] = """{"id":"s-bad","timestamp":1,"value":"hot"}""";

        var response = await client.PostAsync(new Uri($"/topics/{topic}/values?keyField=id", UriKind.Relative), Ndjson(string.Join('\n', lines)));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("partially_persisted", body.GetProperty("code").GetString());
        Assert.Equal(1200, body.GetProperty("received").GetInt64());
        Assert.Equal(2 * ValuesGatewayFixture.ChunkRecords, body.GetProperty("persisted").GetInt64());
        Assert.Equal(200, body.GetProperty("notPersisted").GetInt64());
        Assert.Equal(2 * ValuesGatewayFixture.ChunkRecords + 1, body.GetProperty("notSentFromLine").GetInt64());
        var failure = Assert.Single(body.GetProperty("failures").EnumerateArray());
        Assert.Equal(1103, failure.GetProperty("line").GetInt64());
        Assert.Equal("invalid", failure.GetProperty("status").GetString());
        Assert.DoesNotContain("nothing was produced", body.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2 * ValuesGatewayFixture.ChunkRecords, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceValuesNdjson_WithIdempotencyKey_Answers400AndWritesNothing()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/topics/{topic}/values")
        {
            Content = Ndjson("""{"id": "s-1", "timestamp": 1, "value": 1.0}"""),
            Headers = { { "Idempotency-Key", "k-1" } },
        };

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("idempotency_not_supported", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(0, Watermarks(topic));
    }

    [Fact]
    public async Task ProduceRecords_BareReading_Answers422WithAHintToWrapItOrUseValues()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"timestamp":1732270000000,"id":"s-01","value":1.0}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("invalid_records", body.GetProperty("code").GetString());
        var hint = body.GetProperty("hint").GetString()!;
        Assert.Contains("{\"value\":", hint, StringComparison.Ordinal);
        Assert.Contains($"/topics/{topic}/values", hint, StringComparison.Ordinal);
        Assert.Contains(hint, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProduceRecords_Envelope_HasNoBareValueHint()
    {
        var topic = await SensorTopicAsync(partitions: 1);
        using var client = cluster.CreateClient();

        var response = await client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"value": {"id": "s-1", "timestamp": 1, "value": "hot"}}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.False(body.TryGetProperty("hint", out _));
    }

    [Theory]
    [InlineData("Gateway:TopicFormats:KeyFields:bad name!", "id", "Gateway:TopicFormats:KeyFields:bad name!: 'bad name!' is not a valid topic name")]
    [InlineData("Producer:NdjsonChunkRecords", "0", "Producer:NdjsonChunkRecords must be between 1 and 100000 (was 0)")]
    [InlineData("Producer:MaxValueLineBytes", "10", "Producer:MaxValueLineBytes must be between 1024 and 67108864 (was 10)")]
    public void Start_InvalidValuesSetting_FailsNamingTheKey(string key, string value, string message)
    {
        using var gateway = GatewayFactory.For(cluster, new Dictionary<string, string?> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.Contains(message, Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error) => error is AggregateException aggregate
        ? string.Join(" | ", aggregate.InnerExceptions.Select(Flatten))
        : error.Message + (error.InnerException is { } inner ? " | " + Flatten(inner) : "");

    private async Task<string> SensorTopicAsync(int partitions)
    {
        var topic = cluster.CreateTopic(partitions);
        using var client = cluster.CreateClient();
        await GatewayClusterFixture.RegisterSchemaAsync(client, $"{topic}-value", GatewayClusterFixture.SensorSchema);
        return topic;
    }

    private static string Lines(int from, int count)
    {
        var text = new StringBuilder();
        for (var i = from; i < from + count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $$"""{"id":"s-{{i % 10}}","timestamp":{{1732270000000L + i}},"value":1.5}""").Append('\n');
        }

        return text.ToString();
    }

    private static JsonElement Decode(byte[] kafkaValue)
    {
        Assert.True(ConfluentWireFormat.TryReadHeader(kafkaValue, out _, out var avro));
        return JsonDocument.Parse(s_codec.DecodeToJson(avro)).RootElement;
    }

    private long Watermarks(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(cluster.ClientConfig()) { GroupId = "wm" }).Build();
        using var admin = new AdminClientBuilder(cluster.ClientConfig()).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions;
        return partitions.Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(5)).High.Value);
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static StringContent Ndjson(string lines) => new(lines, Encoding.UTF8, "application/x-ndjson");

    /// <summary>An NDJSON body sent in two parts (chunked, no Content-Length), the second only once <c>beforeRest</c> says so.</summary>
    private sealed class StreamedNdjson : HttpContent
    {
        private readonly byte[] _first;
        private readonly byte[] _rest;
        private readonly Func<Task<bool>> _beforeRest;

        public StreamedNdjson(string first, string rest, Func<Task<bool>> beforeRest)
        {
            (_first, _rest, _beforeRest) = (Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(rest), beforeRest);
            Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        }

        public bool SawRecordsBeforeTheEnd { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_first);
            await stream.FlushAsync();
            SawRecordsBeforeTheEnd = await _beforeRest();
            await stream.WriteAsync(_rest);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
