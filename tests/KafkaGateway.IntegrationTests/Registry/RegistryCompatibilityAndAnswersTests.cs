using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Compatibility tests as Confluent's REST API defines them (one named version, or what registration checks),
/// defaults validated against their types, answers readable in a terminal, and a topic's schemas in GET /topics/{t}.
/// </summary>
public sealed class RegistryCompatibilityAndAnswersTests(RegistryGatewayFixture fixture) : IClassFixture<RegistryGatewayFixture>
{
    private readonly HttpClient _client = fixture.Client;

    /// <summary>Three versions where the third is compatible with the second only (Confluent's transitive example).</summary>
    private async Task<string> TransitiveSubjectAsync()
    {
        var subject = NewSubject();
        await SendAsync(_client, HttpMethod.Put, $"/registry/config/{subject}", Json("""{"compatibility":"BACKWARD_TRANSITIVE"}"""));
        await RegisterAsync(_client, subject, Sensor);
        await RegisterAsync(_client, subject, SensorWithUnit);
        return subject;
    }

    [Fact]
    public async Task CompatibilityLatest_TransitiveSubject_ChecksOnlyTheLatestVersion()
    {
        var subject = await TransitiveSubjectAsync();

        var (status, body) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions/latest", SchemaBody(SensorWithRequiredUnit));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("is_compatible").GetBoolean(), "version 2 has the field, so its data is readable");
    }

    [Fact]
    public async Task CompatibilityVersion_TransitiveSubject_ChecksThatVersionUnderTheLevel()
    {
        var subject = await TransitiveSubjectAsync();

        var (_, againstFirst) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions/1?verbose=true", SchemaBody(SensorWithRequiredUnit));
        var (_, againstSecond) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions/2", SchemaBody(SensorWithRequiredUnit));

        Assert.False(againstFirst.GetProperty("is_compatible").GetBoolean());
        Assert.Contains("READER_FIELD_MISSING_DEFAULT_VALUE", againstFirst.GetProperty("messages")[0].GetString(), StringComparison.Ordinal);
        Assert.True(againstSecond.GetProperty("is_compatible").GetBoolean());
    }

    [Fact]
    public async Task CompatibilityAllVersions_TransitiveSubject_ChecksWhatRegistrationChecks()
    {
        var subject = await TransitiveSubjectAsync();

        var (status, body) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions", SchemaBody(SensorWithRequiredUnit));
        var (registerStatus, _) = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{subject}/versions", SchemaBody(SensorWithRequiredUnit));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("is_compatible").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, registerStatus);
    }

    [Fact]
    public async Task CompatibilityAllVersions_NewSubject_IsCompatible()
    {
        var (status, body) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{NewSubject()}/versions", SchemaBody(Sensor));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("is_compatible").GetBoolean());
    }

    [Theory]
    [InlineData("""{"type":"record","name":"r","fields":[{"name":"a","type":"string","default":null}]}""")]
    [InlineData("""{"type":"record","name":"r","fields":[{"name":"a","type":["null","string"],"default":"x"}]}""")]
    [InlineData("""{"type":"record","name":"r","fields":[{"name":"a","type":"int","default":"one"}]}""")]
    public async Task Register_DefaultNotOfItsType_Answers42201AndIsNotRegistered(string schema)
    {
        var subject = NewSubject();

        var registered = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{subject}/versions", SchemaBody(schema));
        var tested = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions", SchemaBody(schema));
        var versions = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions");

        AssertError(HttpStatusCode.UnprocessableEntity, 42201, registered);
        Assert.Contains("default", registered.Body.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        AssertError(HttpStatusCode.UnprocessableEntity, 42201, tested);
        AssertError(HttpStatusCode.NotFound, 40401, versions);
    }

    [Fact]
    public async Task GetSchemaById_Answer_HasNoUnicodeEscapedQuotesAndStaysValidJson()
    {
        var id = await RegisterAsync(_client, NewSubject(), Sensor);

        using var response = await _client.GetAsync(new Uri($"/registry/schemas/ids/{id}", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("\\u0022", text, StringComparison.Ordinal);
        Assert.Contains("\\\"type\\\":\\\"record\\\"", text, StringComparison.Ordinal);
        Assert.Equal(Sensor, JsonDocument.Parse(text).RootElement.GetProperty("schema").GetString());
    }

    [Fact]
    public async Task DescribeTopic_WithValueSchema_ShowsSubjectsIdVersionAndFormat()
    {
        var topic = fixture.Cluster.CreateTopic(partitions: 1);
        await RegisterAsync(_client, $"{topic}-value", Sensor);
        var id = await RegisterAsync(_client, $"{topic}-value", SensorWithUnit);

        var detail = await _client.GetFromJsonAsync<JsonElement>(new Uri($"/topics/{topic}", UriKind.Relative));

        var schemas = detail.GetProperty("schemas");
        var value = schemas.GetProperty("value");
        Assert.Equal("avro", value.GetProperty("format").GetString());
        Assert.Equal($"{topic}-value", value.GetProperty("subject").GetString());
        Assert.Equal(id, value.GetProperty("schemaId").GetInt32());
        Assert.Equal(2, value.GetProperty("schemaVersion").GetInt32());
        var key = schemas.GetProperty("key");
        Assert.Equal("string", key.GetProperty("format").GetString());
        Assert.Equal($"{topic}-key", key.GetProperty("subject").GetString());
        Assert.True(!key.TryGetProperty("schemaId", out var keyId) || keyId.ValueKind == JsonValueKind.Null, key.ToString());
    }

    [Fact]
    public async Task DescribeTopic_WithoutSchema_SaysProduceNeedsOne()
    {
        var topic = fixture.Cluster.CreateTopic(partitions: 1);

        var detail = await _client.GetFromJsonAsync<JsonElement>(new Uri($"/topics/{topic}", UriKind.Relative));

        var value = detail.GetProperty("schemas").GetProperty("value");
        Assert.Equal("avro", value.GetProperty("format").GetString());
        Assert.True(!value.TryGetProperty("schemaId", out var valueId) || valueId.ValueKind == JsonValueKind.Null, value.ToString());
        Assert.Contains($"/registry/subjects/{topic}-value/versions", value.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Produce_LogicalTypeBesideType_422SaysWhereItBelongs()
    {
        var topic = fixture.Cluster.CreateTopic(partitions: 1);
        await RegisterAsync(_client, $"{topic}-value",
            """{"type":"record","name":"reading","fields":[{"name":"ts","type":"long","logicalType":"timestamp-millis"},{"name":"id","type":"string"}]}""");

        using var response = await _client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative),
            Json("""{"value": {"ts": "2024-11-22T10:00:00Z", "id": "s-1"}}""", "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Avro ignores it", body, StringComparison.Ordinal);
        Assert.Contains("it belongs inside the type", body, StringComparison.Ordinal);
    }
}
