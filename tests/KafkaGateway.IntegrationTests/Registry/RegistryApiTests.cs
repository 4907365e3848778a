using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>The /registry API contract as Confluent documents it: paths, bodies, status codes and error codes.</summary>
public sealed class RegistryApiTests(RegistryGatewayFixture fixture) : IClassFixture<RegistryGatewayFixture>
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task RegisterSchema_NewSubject_ReturnsIdAndVersionOne()
    {
        var subject = NewSubject();

        var id = await RegisterAsync(_client, subject, Sensor);
        var (status, version) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions/1");

        Assert.True(id > 0);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(subject, version.GetProperty("subject").GetString());
        Assert.Equal(id, version.GetProperty("id").GetInt32());
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal(Sensor, version.GetProperty("schema").GetString());
        Assert.False(version.TryGetProperty("schemaType", out _), "Confluent omits schemaType for AVRO");
    }

    [Fact]
    public async Task RegisterSchema_IdenticalSchemaReformatted_ReturnsSameIdWithoutNewVersion()
    {
        var subject = NewSubject();
        var first = await RegisterAsync(_client, subject, Sensor);

        var reformatted = JsonSerializer.Serialize(JsonDocument.Parse(Sensor).RootElement, s_indented);
        var second = await RegisterAsync(_client, subject, reformatted);
        var (_, versions) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions");

        Assert.Equal(first, second);
        Assert.Equal([1], versions.EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public async Task RegisterSchema_SameSchemaInTwoSubjects_ReusesIdWithOwnVersions()
    {
        var (one, two) = (NewSubject(), NewSubject());

        var idOne = await RegisterAsync(_client, one, Sensor);
        var idTwo = await RegisterAsync(_client, two, Sensor);
        var (status, registrations) = await SendAsync(_client, HttpMethod.Get, $"/registry/schemas/ids/{idOne}/versions");

        Assert.Equal(idOne, idTwo);
        Assert.Equal(HttpStatusCode.OK, status);
        var pairs = registrations.EnumerateArray().Select(p => (p.GetProperty("subject").GetString(), p.GetProperty("version").GetInt32())).ToList();
        Assert.Contains((one, 1), pairs);
        Assert.Contains((two, 1), pairs);
    }

    [Fact]
    public async Task RegisterSchema_DifferentSchemas_GetIncreasingIds()
    {
        var subject = NewSubject();

        var first = await RegisterAsync(_client, subject, Sensor);
        var second = await RegisterAsync(_client, subject, SensorWithUnit);

        Assert.True(second > first);
        var (_, latest) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions/latest");
        Assert.Equal(2, latest.GetProperty("version").GetInt32());
        Assert.Equal(second, latest.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task RegisterSchema_IncompatibleUnderBackward_Answers409WithDetails()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{subject}/versions", SchemaBody(SensorWithRequiredUnit));

        AssertError(HttpStatusCode.Conflict, 409, answer);
        var message = answer.Body.GetProperty("message").GetString()!;
        Assert.StartsWith($"Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [", message, StringComparison.Ordinal);
        Assert.Contains("READER_FIELD_MISSING_DEFAULT_VALUE", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterSchema_IncompatibleUnderSubjectLevelNone_IsAccepted()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);
        var (configStatus, config) = await SendAsync(_client, HttpMethod.Put, $"/registry/config/{subject}", Json("""{"compatibility":"NONE"}"""));

        var id = await RegisterAsync(_client, subject, SensorWithRequiredUnit);

        Assert.Equal(HttpStatusCode.OK, configStatus);
        Assert.Equal("NONE", config.GetProperty("compatibility").GetString());
        Assert.True(id > 0);
    }

    [Fact]
    public async Task RegisterSchema_InvalidAvro_Answers42201WithParserText()
    {
        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{NewSubject()}/versions",
            SchemaBody("""{"type":"record","name":"broken","fields":[{"name":"x","type":"no-such-type"}]}"""));

        AssertError(HttpStatusCode.UnprocessableEntity, 42201, answer);
        Assert.Contains("no-such-type", answer.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("JSON")]
    [InlineData("PROTOBUF")]
    public async Task RegisterSchema_NonAvroType_Answers42201NamingTheType(string schemaType)
    {
        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{NewSubject()}/versions",
            SchemaBody("""{"type":"object"}""", schemaType));

        AssertError(HttpStatusCode.UnprocessableEntity, 42201, answer);
        Assert.Contains(schemaType, answer.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterSchema_ExplicitAvroType_IsAccepted()
    {
        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{NewSubject()}/versions", SchemaBody(Sensor, "AVRO"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(answer.Body.GetProperty("id").GetInt32() > 0);
    }

    [Fact]
    public async Task RegisterSchema_MalformedJsonBody_Answers400ConfluentBody()
    {
        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{NewSubject()}/versions", Json("{\"schema\":"));

        AssertError(HttpStatusCode.BadRequest, 400, answer);
    }

    [Theory]
    [InlineData("application/vnd.schemaregistry.v1+json")]
    [InlineData("application/vnd.schemaregistry+json")]
    [InlineData("application/json")]
    public async Task RegisterSchema_EachRegistryMediaType_IsAcceptedAndAnsweredInKind(string mediaType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/registry/subjects/{NewSubject()}/versions", UriKind.Relative))
        {
            Content = Json(JsonSerializer.Serialize(new { schema = Sensor }), mediaType),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetSubjects_NoAcceptHeader_AnswersSchemaRegistryV1MediaType()
    {
        using var response = await _client.GetAsync(new Uri("/registry/subjects", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(V1, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetSubjects_AfterSoftDelete_HidesSubjectUnlessDeletedTrue()
    {
        var (kept, deleted) = (NewSubject(), NewSubject());
        await RegisterAsync(_client, kept, Sensor);
        await RegisterAsync(_client, deleted, Sensor);
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{deleted}");

        var (_, live) = await SendAsync(_client, HttpMethod.Get, "/registry/subjects");
        var (_, all) = await SendAsync(_client, HttpMethod.Get, "/registry/subjects?deleted=true");

        var liveNames = live.EnumerateArray().Select(s => s.GetString()).ToList();
        var allNames = all.EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains(kept, liveNames);
        Assert.DoesNotContain(deleted, liveNames);
        Assert.Contains(deleted, allNames);
    }

    [Fact]
    public async Task GetVersions_UnknownSubject_Answers40401()
    {
        var subject = NewSubject();

        var answer = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions");

        AssertError(HttpStatusCode.NotFound, 40401, answer);
        Assert.Equal($"Subject '{subject}' not found.", answer.Body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GetVersion_UnknownVersion_Answers40402()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions/7");

        AssertError(HttpStatusCode.NotFound, 40402, answer);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("-2")]
    public async Task GetVersion_InvalidVersion_Answers42202(string version)
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions/{version}");

        AssertError(HttpStatusCode.UnprocessableEntity, 42202, answer);
    }

    [Fact]
    public async Task GetVersionSchema_Registered_AnswersRawSchema()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        using var response = await _client.GetAsync(new Uri($"/registry/subjects/{subject}/versions/latest/schema", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sensor, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetSchemaById_Registered_AnswersSchemaAndRawSchema()
    {
        var id = await RegisterAsync(_client, NewSubject(), Sensor);

        var (status, body) = await SendAsync(_client, HttpMethod.Get, $"/registry/schemas/ids/{id}");
        var raw = await _client.GetStringAsync(new Uri($"/registry/schemas/ids/{id}/schema", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Sensor, body.GetProperty("schema").GetString());
        Assert.False(body.TryGetProperty("schemaType", out _));
        Assert.Equal(Sensor, raw);
    }

    [Fact]
    public async Task GetSchemaById_UnknownId_Answers40403()
    {
        var answer = await SendAsync(_client, HttpMethod.Get, "/registry/schemas/ids/987654");

        AssertError(HttpStatusCode.NotFound, 40403, answer);
        Assert.Equal("Schema 987654 not found.", answer.Body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task GetSchemaById_AfterSoftDeleteOfItsOnlyVersion_StillAnswers()
    {
        var subject = NewSubject();
        var id = await RegisterAsync(_client, subject, Sensor);
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/1");

        var (status, body) = await SendAsync(_client, HttpMethod.Get, $"/registry/schemas/ids/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Sensor, body.GetProperty("schema").GetString());
    }

    [Fact]
    public async Task GetSchemaTypes_Always_AnswersAvroOnly()
    {
        var (status, body) = await SendAsync(_client, HttpMethod.Get, "/registry/schemas/types");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["AVRO"], body.EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Lookup_RegisteredSchema_AnswersSubjectIdVersionSchema()
    {
        var subject = NewSubject();
        var id = await RegisterAsync(_client, subject, Sensor);

        var (status, body) = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{subject}", SchemaBody(Sensor));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(subject, body.GetProperty("subject").GetString());
        Assert.Equal(id, body.GetProperty("id").GetInt32());
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.Equal(Sensor, body.GetProperty("schema").GetString());
    }

    [Fact]
    public async Task Lookup_SchemaNotUnderSubject_Answers40403()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{subject}", SchemaBody(SensorWithUnit));

        AssertError(HttpStatusCode.NotFound, 40403, answer);
    }

    [Fact]
    public async Task Lookup_UnknownSubject_Answers40401()
    {
        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{NewSubject()}", SchemaBody(Sensor));

        AssertError(HttpStatusCode.NotFound, 40401, answer);
    }

    [Fact]
    public async Task DeleteVersion_Soft_HidesVersionAndAnswersItsNumber()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);
        await RegisterAsync(_client, subject, SensorWithUnit);

        var (status, body) = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/latest");
        var (_, versions) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions");
        var (_, withDeleted) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions?deleted=true");
        var gone = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions/2");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetInt32());
        Assert.Equal([1], versions.EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal([1, 2], withDeleted.EnumerateArray().Select(v => v.GetInt32()));
        AssertError(HttpStatusCode.NotFound, 40402, gone);
    }

    [Fact]
    public async Task DeleteVersion_SoftTwice_Answers40406()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);
        await RegisterAsync(_client, subject, SensorWithUnit);
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/1");

        var answer = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/1");

        AssertError(HttpStatusCode.NotFound, 40406, answer);
    }

    [Fact]
    public async Task DeleteVersion_PermanentWithoutSoftDelete_Answers40407()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/1?permanent=true");

        AssertError(HttpStatusCode.NotFound, 40407, answer);
    }

    [Fact]
    public async Task DeleteVersion_PermanentAfterSoftDelete_RemovesItEvenFromDeletedListing()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);
        await RegisterAsync(_client, subject, SensorWithUnit);
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/2");

        var (status, body) = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}/versions/2?permanent=true");
        var (_, withDeleted) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions?deleted=true");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetInt32());
        Assert.Equal([1], withDeleted.EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public async Task DeleteSubject_Soft_AnswersVersionsAndSubjectIsGone()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);
        await RegisterAsync(_client, subject, SensorWithUnit);

        var (status, body) = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}");
        var after = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([1, 2], body.EnumerateArray().Select(v => v.GetInt32()));
        AssertError(HttpStatusCode.NotFound, 40401, after);
    }

    [Fact]
    public async Task DeleteSubject_SoftTwice_Answers40404()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}");

        var answer = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}");

        AssertError(HttpStatusCode.NotFound, 40404, answer);
    }

    [Fact]
    public async Task DeleteSubject_PermanentWithoutSoftDelete_Answers40405()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}?permanent=true");

        AssertError(HttpStatusCode.NotFound, 40405, answer);
    }

    [Fact]
    public async Task DeleteSubject_PermanentAfterSoft_RemovesEverythingAndOnlyUseOfIdIsGone()
    {
        var subject = NewSubject();
        var id = await RegisterAsync(_client, subject, """{"type":"enum","name":"only_here","symbols":["A","B"]}""");
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}");

        var (status, body) = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}?permanent=true");
        var (_, all) = await SendAsync(_client, HttpMethod.Get, "/registry/subjects?deleted=true");
        var byId = await SendAsync(_client, HttpMethod.Get, $"/registry/schemas/ids/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([1], body.EnumerateArray().Select(v => v.GetInt32()));
        Assert.DoesNotContain(subject, all.EnumerateArray().Select(s => s.GetString()));
        AssertError(HttpStatusCode.NotFound, 40403, byId);
    }

    [Fact]
    public async Task DeleteSubject_Unknown_Answers40401()
    {
        var answer = await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{NewSubject()}");

        AssertError(HttpStatusCode.NotFound, 40401, answer);
    }

    [Fact]
    public async Task RegisterSchema_AfterSoftDeleteOfSubject_ContinuesVersionNumbersWithSameId()
    {
        var subject = NewSubject();
        var id = await RegisterAsync(_client, subject, Sensor);
        await SendAsync(_client, HttpMethod.Delete, $"/registry/subjects/{subject}");

        var again = await RegisterAsync(_client, subject, Sensor);
        var (_, versions) = await SendAsync(_client, HttpMethod.Get, $"/registry/subjects/{subject}/versions");

        Assert.Equal(id, again);
        Assert.Equal([2], versions.EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public async Task GlobalConfig_Get_AnswersCompatibilityLevel()
    {
        var (status, body) = await SendAsync(_client, HttpMethod.Get, "/registry/config");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(KafkaGateway.Schemas.Compatibility.CompatibilityLevelNames.TryParse(body.GetProperty("compatibilityLevel").GetString(), out _));
    }

    [Fact]
    public async Task GlobalConfig_PutInvalidLevel_Answers42203()
    {
        var answer = await SendAsync(_client, HttpMethod.Put, "/registry/config", Json("""{"compatibility":"SIDEWAYS"}"""));

        AssertError(HttpStatusCode.UnprocessableEntity, 42203, answer);
    }

    [Fact]
    public async Task SubjectConfig_WithoutOwnLevel_Answers40408UnlessDefaultToGlobal()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var none = await SendAsync(_client, HttpMethod.Get, $"/registry/config/{subject}");
        var (status, global) = await SendAsync(_client, HttpMethod.Get, $"/registry/config/{subject}?defaultToGlobal=true");
        var (_, globalConfig) = await SendAsync(_client, HttpMethod.Get, "/registry/config");

        AssertError(HttpStatusCode.NotFound, 40408, none);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(globalConfig.GetProperty("compatibilityLevel").GetString(), global.GetProperty("compatibilityLevel").GetString());
    }

    [Fact]
    public async Task SubjectConfig_PutGetDelete_RoundTripsAndFallsBack()
    {
        var subject = NewSubject();

        var (putStatus, put) = await SendAsync(_client, HttpMethod.Put, $"/registry/config/{subject}", Json("""{"compatibility":"full_transitive"}"""));
        var (_, get) = await SendAsync(_client, HttpMethod.Get, $"/registry/config/{subject}");
        var (deleteStatus, deleted) = await SendAsync(_client, HttpMethod.Delete, $"/registry/config/{subject}");
        var after = await SendAsync(_client, HttpMethod.Get, $"/registry/config/{subject}");

        Assert.Equal(HttpStatusCode.OK, putStatus);
        Assert.Equal("FULL_TRANSITIVE", put.GetProperty("compatibility").GetString());
        Assert.Equal("FULL_TRANSITIVE", get.GetProperty("compatibilityLevel").GetString());
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Equal("FULL_TRANSITIVE", deleted.GetProperty("compatibilityLevel").GetString());
        AssertError(HttpStatusCode.NotFound, 40408, after);
    }

    [Fact]
    public async Task SubjectConfig_Forward_RejectsSchemaTheOldOneCannotRead()
    {
        var subject = NewSubject();
        await SendAsync(_client, HttpMethod.Put, $"/registry/config/{subject}", Json("""{"compatibility":"FORWARD"}"""));
        await RegisterAsync(_client, subject, SensorWithUnit);

        // Dropping "unit" (which the old schema needs... with a default) is fine forward; changing a type is not.
        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/subjects/{subject}/versions",
            SchemaBody("""{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"string"},{"name":"unit","type":"string","default":"C"}]}"""));

        AssertError(HttpStatusCode.Conflict, 409, answer);
    }

    [Fact]
    public async Task TestCompatibility_CompatibleAndIncompatible_AnswersIsCompatibleWithVerboseMessages()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var (okStatus, ok) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions/latest", SchemaBody(SensorWithUnit));
        var (_, bad) = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions/1?verbose=true", SchemaBody(SensorWithRequiredUnit));

        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.True(ok.GetProperty("is_compatible").GetBoolean());
        Assert.False(ok.TryGetProperty("messages", out _));
        Assert.False(bad.GetProperty("is_compatible").GetBoolean());
        Assert.Contains("READER_FIELD_MISSING_DEFAULT_VALUE", bad.GetProperty("messages")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestCompatibility_UnknownVersion_Answers40402()
    {
        var subject = NewSubject();
        await RegisterAsync(_client, subject, Sensor);

        var answer = await SendAsync(_client, HttpMethod.Post, $"/registry/compatibility/subjects/{subject}/versions/5", SchemaBody(Sensor));

        AssertError(HttpStatusCode.NotFound, 40402, answer);
    }

    [Fact]
    public async Task HealthReady_RegistryLoaded_ListsSchemaRegistryCheckHealthy()
    {
        await SendAsync(_client, HttpMethod.Get, "/registry/subjects");

        var (status, body) = await SendAsync(_client, HttpMethod.Get, "/health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        var check = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "schema-registry");
        Assert.Equal("Healthy", check.GetProperty("status").GetString());
    }

    [Fact]
    public async Task SwaggerJson_Requested_DocumentsRegisterWithTopicValueNote()
    {
        var (_, document) = await SendAsync(_client, HttpMethod.Get, "/swagger/v1/swagger.json");

        var post = document.GetProperty("paths").GetProperty("/registry/subjects/{subject}/versions").GetProperty("post");
        Assert.Contains("{topic}-value", post.GetProperty("description").GetString(), StringComparison.Ordinal);
        // The collapsed summary names the task; the XML doc summary leads the description.
        Assert.Equal("Register a schema under a subject", post.GetProperty("summary").GetString());
        Assert.Contains("global id", post.GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
