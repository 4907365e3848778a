using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Producing;

/// <summary>A gateway with an Avro topic (schema registered) and topics named json and binary in Gateway:TopicFormats.</summary>
public sealed class ProduceFuzzFixture : GatewayClusterFixture
{
    public string AvroTopic { get; } = $"fuzz-avro-{Guid.NewGuid():N}";

    public string JsonTopic { get; } = $"fuzz-json-{Guid.NewGuid():N}";

    public string BinaryTopic { get; } = $"fuzz-binary-{Guid.NewGuid():N}";

    protected override Dictionary<string, string?> ExtraSettings() => new()
    {
        [$"Gateway:TopicFormats:Topics:{JsonTopic}"] = "json",
        [$"Gateway:TopicFormats:Topics:{BinaryTopic}"] = "binary",
    };
}

/// <summary>
/// A corpus of hostile bodies (truncated and garbled JSON, extreme numbers, odd and invalid Unicode, huge, deep and
/// duplicate members) sent to every produce route. No input may answer a 5xx other than the documented Kafka
/// outcomes (503/504 with their codes; REST Proxy's 500 with 50002/50003), and every refusal is a JSON error body.
/// The harness cluster is healthy, so in practice every answer is 2xx or 4xx.
/// </summary>
public sealed class ProduceFuzzTests(ProduceFuzzFixture cluster) : IClassFixture<ProduceFuzzFixture>
{
    private static readonly string[] s_documentedKafkaCodes =
        ["kafka_unavailable", "not_persisted", "producer_queue_full", "schema_registry_unavailable", "shutting_down", "delivery_timeout", "delivery_unknown"];

    [Fact]
    public async Task Produce_FuzzCorpusOnEveryRoute_NeverAnswersAnUndocumented5xx()
    {
        Arrange(out var schemaId);
        using var client = cluster.CreateClient();
        var routes = Routes(schemaId);
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();

        foreach (var route in routes)
        {
            foreach (var body in Corpus(route))
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue(route.ContentType);
                using var response = await client.PostAsync(new Uri(route.Path, UriKind.Relative), content);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var text = await response.Content.ReadAsStringAsync();
                if (!Acceptable(status, text, route.IsV2))
                {
                    failures.Add($"{route.Path} [{route.ContentType}] {status} {Shorten(text)} <- {Shorten(Printable(body))}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} undocumented answer(s):\n" + string.Join('\n', failures.Take(30)));
        // The corpus reaches both sides: some inputs are produced, most are refused.
        Assert.True(statuses.GetValueOrDefault(200) > 0, "no input was produced: " + string.Join(", ", statuses));
        Assert.True(statuses.GetValueOrDefault(422) + statuses.GetValueOrDefault(400) > 0, "no input was refused: " + string.Join(", ", statuses));
    }

    private void Arrange(out int schemaId)
    {
        cluster.Cluster.CreateTopic(cluster.AvroTopic, 2, 3);
        cluster.Cluster.CreateTopic(cluster.JsonTopic, 2, 3);
        cluster.Cluster.CreateTopic(cluster.BinaryTopic, 2, 3);
        using var client = cluster.CreateClient();
        schemaId = GatewayClusterFixture.RegisterSchemaAsync(client, $"{cluster.AvroTopic}-value", GatewayClusterFixture.SensorSchema).GetAwaiter().GetResult();
    }

    private static bool Acceptable(int status, string text, bool v2)
    {
        if (status >= 200 && status < 300)
        {
            return true;
        }

        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            return false;
        }

        if (status < 500)
        {
            return true;
        }

        if (v2)
        {
            return status == 500 && body.TryGetProperty("error_code", out var code) && code.GetInt32() is 50002 or 50003;
        }

        return status is 503 or 504 && body.TryGetProperty("code", out var gatewayCode) && s_documentedKafkaCodes.Contains(gatewayCode.GetString());
    }

    private sealed record Route(string Path, string ContentType, bool IsV2, string Template);

    private List<Route> Routes(int schemaId)
    {
        const string native = """{"records":[{"key":@K,"partition":@P,"timestamp":@T,"headers":@H,"value":@V}]}""";
        var v2 = $$$"""{"value_schema_id":{{{schemaId}}},"records":[{"key":@K,"partition":@P,"value":@V}]}""";
        const string v2Plain = """{"records":[{"key":@K,"partition":@P,"value":@V}]}""";
        const string v2Routed = """{"records":[{"key":@K,"value":@V}]}""";
        return
        [
            new($"/topics/{cluster.AvroTopic}/records", "application/json", false, native),
            new($"/topics/{cluster.JsonTopic}/records", "application/json", false, native),
            new($"/topics/{cluster.AvroTopic}", "application/vnd.kafka.avro.v2+json", true, v2),
            new($"/topics/{cluster.JsonTopic}", "application/vnd.kafka.json.v2+json", true, v2Plain),
            new($"/topics/{cluster.BinaryTopic}", "application/vnd.kafka.binary.v2+json", true, v2Plain),
            new($"/topics/{cluster.BinaryTopic}/partitions/1", "application/vnd.kafka.binary.v2+json", true, v2Routed),
        ];
    }

    /// <summary>Valid defaults per slot; every hostile value goes into each slot in turn.</summary>
    private static IEnumerable<byte[]> Corpus(Route route)
    {
        var defaults = new Dictionary<string, string>
        {
            ["@K"] = "\"k\"",
            ["@P"] = "0",
            ["@T"] = "1732270000000",
            ["@H"] = """{"h":"v"}""",
            ["@V"] = route.ContentType.Contains("binary", StringComparison.Ordinal) ? "\"AQID\""
                : route.Path.Contains("avro", StringComparison.Ordinal) ? """{"id":"s-1","timestamp":1,"value":21.5}""" : """{"a":[1,2]}""",
        };
        string Fill(string slot, string value) =>
            defaults.Aggregate(route.Template, (t, d) => t.Replace(d.Key, d.Key == slot ? value : d.Value, StringComparison.Ordinal));

        var valid = Encoding.UTF8.GetBytes(Fill("", ""));
        yield return valid;

        foreach (var slot in defaults.Keys.Where(route.Template.Contains))
        {
            foreach (var value in HostileValues())
            {
                yield return Encoding.UTF8.GetBytes(Fill(slot, value));
            }

            foreach (var bytes in HostileBytes())
            {
                // Raw bytes inside a JSON string in this slot: "<bytes>".
                var text = Fill(slot, "\"\u0001\"");
                var at = text.IndexOf('\u0001', StringComparison.Ordinal);
                yield return [.. Encoding.UTF8.GetBytes(text[..at]), .. bytes, .. Encoding.UTF8.GetBytes(text[(at + 1)..])];
            }
        }

        // Whole bodies: truncated at many points, garbled (seeded, so a failure reproduces), and odd documents.
        for (var cut = 0; cut < valid.Length; cut += Math.Max(1, valid.Length / 12))
        {
            yield return valid[..cut];
        }

        var random = new Random(12);
        for (var i = 0; i < 12; i++)
        {
            var garbled = (byte[])valid.Clone();
            for (var j = 0; j < 3; j++)
            {
                garbled[random.Next(garbled.Length)] = (byte)random.Next(256);
            }

            yield return garbled;
        }

        foreach (var document in HostileDocuments(Fill("", "")))
        {
            yield return Encoding.UTF8.GetBytes(document);
        }
    }

    private static IEnumerable<string> HostileValues()
    {
        // Numbers at and beyond every edge.
        foreach (var number in new[]
        {
            "-1", "-0", "1.5", "1e308", "1e309", "-1e309", "1e-400", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "4611686018427387904", "123456789012345678901234567890123456789", "1E+2147483648",
            "0.0000000000000000000000000000001",
        })
        {
            yield return number;
        }

        // Other kinds where a string, number or object is expected.
        foreach (var other in new[] { "null", "true", "false", "[]", "{}", "[null]", "\"\"", "\"AQID\"", "\"not base64!\"", "\"2024-11-22T10:00:00Z\"", "\"+999999-01-01T00:00:00Z\"" })
        {
            yield return other;
        }

        // Unicode, valid and not: escapes, controls, non-characters, lone and reversed surrogates, BOM, RTL.
        foreach (var text in new[]
        {
            "\"\\u0000\"", "\"\\uffff\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"x\\ud800y\"",
            "\"\\\\ud800\"", "\"\uFEFF\"", "\"\u202E\u200B\"", "\"\U0010FFFF\"", "{\"\\ud800\":1}", "{\"id\":\"\\udfff\",\"timestamp\":1,\"value\":1.0}",
        })
        {
            yield return text;
        }

        // Huge, deep and duplicate members.
        yield return "\"" + new string('x', 300_000) + "\"";
        yield return "[" + string.Join(',', Enumerable.Repeat("null", 10_000)) + "]";
        yield return "{" + string.Join(',', Enumerable.Range(0, 2_000).Select(i => $"\"m{i}\":{i}")) + "}";
        yield return new string('[', 20) + new string(']', 20);
        yield return new string('[', 40) + new string(']', 40);
        yield return """{"id":"a","id":"b","timestamp":1,"timestamp":2,"value":1.0,"value":2.0}""";
        yield return """{"h":"1","h":"2"}""";
    }

    private static IEnumerable<byte[]> HostileBytes() =>
    [
        [0xFF, 0xFE], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        [0xF4, 0x8F, 0xBF, 0xBF], [0x00], [0x0A],
    ];

    private static IEnumerable<string> HostileDocuments(string valid)
    {
        yield return "";
        yield return "null";
        yield return "[]";
        yield return "\"records\"";
        yield return "{}";
        yield return """{"records":[]}""";
        yield return """{"records":{}}""";
        yield return """{"records":[null]}""";
        yield return """{"records":[1,"x",[]]}""";
        yield return "\uFEFF" + valid;
        yield return valid + valid;
        yield return valid[..^1] + ",\"records\":[]}";
        yield return valid.Replace("\"records\"", "\"records\":[],\"records\"", StringComparison.Ordinal);
        yield return new string('{', 100) + new string('}', 100);
        yield return "{\"records\":[" + string.Join(',', Enumerable.Repeat(valid.Contains("value_schema_id", StringComparison.Ordinal) ? "{\"value\":null}" : "{\"value\":null}", 1_001)) + "]}";
    }

    private static string Printable(byte[] body) =>
        string.Concat(body.Take(160).Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}"));

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
