using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KafkaGateway.Schemas;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.Tests.Schemas;

/// <summary>The HTTP client against <see cref="StubConfluentRegistry"/>, a stand-in Confluent registry on Kestrel.</summary>
public sealed class HttpSchemaRegistryClientTests : IAsyncLifetime
{
    private const string UserSchema = """{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"}]}""";
    private const string JsonSchema = """{"type":"object","properties":{"id":{"type":"integer"}}}""";

    private StubConfluentRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await StubConfluentRegistry.StartAsync();

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task GetSchemaByIdAsync_KnownAvroId_ReturnsSchemaWithAvroType()
    {
        var id = _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var schema = await Client(services).GetSchemaByIdAsync(id, CancellationToken.None);

        Assert.Equal(new RegisteredSchema(null, 0, id, "AVRO", UserSchema), schema);
        var request = Assert.Single(_registry.Requests);
        Assert.Equal($"/schemas/ids/{id}", request.Path);
        Assert.Contains("application/vnd.schemaregistry.v1+json", request.Accept, StringComparison.Ordinal);
        Assert.Contains("application/vnd.schemaregistry+json", request.Accept, StringComparison.Ordinal);
        Assert.Contains("application/json", request.Accept, StringComparison.Ordinal);
        Assert.Empty(request.Authorization);
    }

    [Fact]
    public async Task GetSchemaByIdAsync_WithSubject_SendsEncodedSubjectQuery()
    {
        var id = _registry.Seed("orders-value", JsonSchema, "JSON");
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var schema = await Client(services).GetSchemaByIdAsync(id, "a b/c", CancellationToken.None);

        Assert.Equal("JSON", schema.SchemaType);
        Assert.Equal("?subject=a%20b%2Fc", Assert.Single(_registry.Requests).Query);
    }

    [Fact]
    public async Task GetSchemaByIdAsync_UnknownId_Throws40403()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).GetSchemaByIdAsync(99, CancellationToken.None));

        Assert.Equal((404, SchemaRegistryException.SchemaNotFound), (error.StatusCode, error.ErrorCode));
    }

    [Fact]
    public async Task GetLatestAndVersion_SeededSubject_ReturnSubjectVersionAndId()
    {
        var first = _registry.Seed("users-value", UserSchema);
        var second = _registry.Seed("users-value", UserSchema.Replace("\"long\"", "\"string\"", StringComparison.Ordinal));
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var client = Client(services);

        var latest = await client.GetLatestAsync("users-value", CancellationToken.None);
        var v1 = await client.GetVersionAsync("users-value", 1, CancellationToken.None);

        Assert.Equal(("users-value", 2, second, "AVRO"), (latest.Subject, latest.Version, latest.Id, latest.SchemaType));
        Assert.Equal(("users-value", 1, first, UserSchema), (v1.Subject, v1.Version, v1.Id, v1.Schema));
        Assert.Equal(["/subjects/users-value/versions/latest", "/subjects/users-value/versions/1"], _registry.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task GetVersionAsync_SubjectWithReservedCharacters_IsUrlEncoded()
    {
        const string Subject = "team/a:users value";
        _registry.Seed(Subject, UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var schema = await Client(services).GetVersionAsync(Subject, 1, CancellationToken.None);

        Assert.Equal(Subject, schema.Subject);
        Assert.Equal("/subjects/team%2Fa%3Ausers%20value/versions/1", Assert.Single(_registry.Requests).RawTarget);
    }

    [Fact]
    public async Task GetLatestAsync_UnknownSubject_Throws40401()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).GetLatestAsync("nope-value", CancellationToken.None));

        Assert.Equal((404, SchemaRegistryException.SubjectNotFound), (error.StatusCode, error.ErrorCode));
        Assert.Equal("Subject 'nope-value' not found.", error.Message);
    }

    [Fact]
    public async Task RegisterAsync_Avro_PostsSchemaWithoutSchemaTypeAndReturnsId()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var id = await Client(services).RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None);

        Assert.Equal(1, id);
        var request = Assert.Single(_registry.Requests);
        Assert.Equal(("POST", "/subjects/users-value/versions"), (request.Method, request.Path));
        Assert.StartsWith("application/vnd.schemaregistry.v1+json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal($$"""{"schema":{{System.Text.Json.JsonSerializer.Serialize(UserSchema)}}}""", request.Body);
    }

    [Fact]
    public async Task RegisterAsync_Json_SendsSchemaType()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var id = await Client(services).RegisterAsync("orders-value", JsonSchema, "json", CancellationToken.None);

        Assert.Equal(id, _registry.Seed("orders-value", JsonSchema, "JSON"));
        Assert.Contains("\"schemaType\":\"JSON\"", Assert.Single(_registry.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupAsync_RegisteredSchema_ReturnsRegistration()
    {
        var id = _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var found = await Client(services).LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None);

        Assert.Equal(new RegisteredSchema("users-value", 1, id, "AVRO", UserSchema), found);
        Assert.Equal(("POST", "/subjects/users-value"), (_registry.Requests.Single().Method, _registry.Requests.Single().Path));
    }

    [Fact]
    public async Task LookupAsync_SchemaNotInSubject_ReturnsNull()
    {
        _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var found = await Client(services).LookupAsync("users-value", JsonSchema, "JSON", CancellationToken.None);

        Assert.Null(found);
    }

    [Fact]
    public async Task LookupAsync_UnknownSubject_ReturnsNull()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);

        Assert.Null(await Client(services).LookupAsync("nope-value", UserSchema, "AVRO", CancellationToken.None));
    }

    [Fact]
    public async Task LookupAsync_404WithoutConfluentBody_ThrowsInsteadOfNull()
    {
        _registry.FailNext(1, 404, "<html>not here</html>");
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None));

        Assert.Equal((404, 404), (error.StatusCode, error.ErrorCode));
        Assert.Contains("SchemaRegistry:Url", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, 40401, "Subject 'x' not found.")]
    [InlineData(422, 42201, "Invalid schema")]
    [InlineData(409, 409, "Schema being registered is incompatible with an earlier schema")]
    [InlineData(422, 42202, "The specified version is not a valid version id.")]
    public async Task RegisterAsync_ConfluentErrorBody_MapsStatusCodeAndMessageWithoutRetry(int status, int code, string message)
    {
        _registry.FailNext(1, status, System.Text.Json.JsonSerializer.Serialize(new { error_code = code, message }));
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).RegisterAsync("x", UserSchema, "AVRO", CancellationToken.None));

        Assert.Equal((status, code, message), (error.StatusCode, error.ErrorCode, error.Message));
        Assert.Single(_registry.Requests);
    }

    [Fact]
    public async Task RegisterAsync_InvalidSchema_Throws42201()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).RegisterAsync("x", "\"invalid\"", "AVRO", CancellationToken.None));

        Assert.Equal(SchemaRegistryException.InvalidSchema, error.ErrorCode);
    }

    [Fact]
    public async Task Request_401WithoutBody_NamesTheCredentialKeys()
    {
        _registry.FailNext(1, 401);
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).GetLatestAsync("x", CancellationToken.None));

        Assert.Equal((401, 401), (error.StatusCode, error.ErrorCode));
        Assert.Contains("SchemaRegistry:BasicAuthUserInfo", error.Message, StringComparison.Ordinal);
        Assert.Single(_registry.Requests);
    }

    [Fact]
    public async Task Request_BasicAuthUserInfo_SendsBasicHeaderAndNeverLogsIt()
    {
        _registry.Seed("users-value", UserSchema);
        var logs = new CapturedLogs();
        using var services = RegistryClientTestServices.Build(_registry.Url,
            new Dictionary<string, string?> { ["SchemaRegistry:BasicAuthUserInfo"] = "gateway:s3cr3t-pw" }, logs);

        await Client(services).GetLatestAsync("users-value", CancellationToken.None);
        _registry.FailNext(3, 503);
        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetLatestAsync("users-value", CancellationToken.None));

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("gateway:s3cr3t-pw"));
        Assert.All(_registry.Requests, r => Assert.Equal(expected, r.Authorization));
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain("s3cr3t-pw", logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(expected["Basic ".Length..], logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_BasicAuthUsernameAndPassword_SendsBasicHeader()
    {
        _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url, new Dictionary<string, string?>
        {
            ["SchemaRegistry:BasicAuthUsername"] = "gateway",
            ["SchemaRegistry:BasicAuthPassword"] = "pässword",
        });

        await Client(services).GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("gateway:pässword")), Assert.Single(_registry.Requests).Authorization);
    }

    [Fact]
    public async Task Request_BearerToken_SendsBearerHeaderAndNeverLogsIt()
    {
        _registry.Seed("users-value", UserSchema);
        var logs = new CapturedLogs();
        using var services = RegistryClientTestServices.Build(_registry.Url,
            new Dictionary<string, string?> { ["SchemaRegistry:BearerToken"] = "tok-123-secret" }, logs);

        await Client(services).GetLatestAsync("users-value", CancellationToken.None);
        _registry.FailNext(3, 500);
        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetLatestAsync("users-value", CancellationToken.None));

        Assert.All(_registry.Requests, r => Assert.Equal("Bearer tok-123-secret", r.Authorization));
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain("tok-123-secret", logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_503ThenSuccess_RetriesAndSucceeds()
    {
        var id = _registry.Seed("users-value", UserSchema);
        _registry.FailNext(2, 503, """{"error_code":50003,"message":"Error while forwarding the request to the leader"}""");
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var schema = await Client(services).GetSchemaByIdAsync(id, CancellationToken.None);

        Assert.Equal(id, schema.Id);
        Assert.Equal(3, _registry.Requests.Count);
    }

    [Fact]
    public async Task Request_5xxBeyondMaxRetries_ThrowsUnavailableAfterMaxRetriesPlusOneAttempts()
    {
        _registry.FailNext(10, 500);
        using var services = RegistryClientTestServices.Build(_registry.Url, new Dictionary<string, string?> { ["SchemaRegistry:MaxRetries"] = "3" });

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetSchemaByIdAsync(1, CancellationToken.None));

        Assert.Equal(4, _registry.Requests.Count);
        Assert.Equal(5, error.RetryAfterSeconds);
        Assert.IsType<SchemaRegistryException>(error.InnerException);
    }

    [Fact]
    public async Task Request_429WithShortRetryAfter_WaitsAndRetries()
    {
        var id = _registry.Seed("users-value", UserSchema);
        _registry.FailNext(1, 429, retryAfter: "1");
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var stopwatch = Stopwatch.StartNew();

        await Client(services).GetSchemaByIdAsync(id, CancellationToken.None);

        Assert.Equal(2, _registry.Requests.Count);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Request_503WithLongRetryAfter_GivesUpAtOnceAndPassesRetryAfterOn()
    {
        _registry.FailNext(1, 503, retryAfter: "120");
        using var services = RegistryClientTestServices.Build(_registry.Url);

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetSchemaByIdAsync(1, CancellationToken.None));

        Assert.Equal(120, error.RetryAfterSeconds);
        Assert.Single(_registry.Requests);
    }

    [Fact]
    public async Task Request_SlowRegistry_TimesOutAndThrowsUnavailable()
    {
        _registry.Seed("users-value", UserSchema);
        _registry.Delay = TimeSpan.FromSeconds(5);
        using var services = RegistryClientTestServices.Build(_registry.Url, new Dictionary<string, string?>
        {
            ["SchemaRegistry:RequestTimeoutSeconds"] = "1",
            ["SchemaRegistry:MaxRetries"] = "1",
        });
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetSchemaByIdAsync(1, CancellationToken.None));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4.5), $"gave up after {stopwatch.Elapsed}");
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, _registry.Requests.Count);
    }

    [Fact]
    public async Task Request_CallerCancels_ThrowsOperationCanceledWithoutRetry()
    {
        _registry.Delay = TimeSpan.FromSeconds(5);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        using var cancellation = new CancellationTokenSource();

        // Cancel once the registry has the request (not on a timer, which a loaded machine can beat).
        var call = Client(services).GetSchemaByIdAsync(1, cancellation.Token);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_registry.Requests.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // Proving that no retry follows: there is no event to await, only time in which a retry would show.
        await Task.Delay(300);

        Assert.Single(_registry.Requests);
    }

    [Fact]
    public async Task Request_FirstUrlRefusesConnections_FailsOverToSecondAndStaysThere()
    {
        var id = _registry.Seed("users-value", UserSchema);
        var deadUrl = $"http://127.0.0.1:{UnusedPort()}";
        var logs = new CapturedLogs();
        using var services = RegistryClientTestServices.Build($"{deadUrl}, {_registry.Url}", logs: logs);
        var client = Client(services);

        await client.GetSchemaByIdAsync(id, CancellationToken.None);
        await client.GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal(new Uri(_registry.Url + "/"), client.CurrentBaseUrl);
        Assert.Equal(2, _registry.Requests.Count);
        Assert.Single(logs.Entries, e => e.Text.StartsWith($"Schema registry at {deadUrl}/ failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_EveryUrlDown_ThrowsUnavailableAfterRetries()
    {
        await _registry.StopAsync();
        using var services = RegistryClientTestServices.Build($"http://127.0.0.1:{UnusedPort()},{_registry.Url}");

        var error = await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => Client(services).GetSchemaByIdAsync(1, CancellationToken.None));

        Assert.Contains("connection failed", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task Request_BaseUrlWithPath_KeepsThePath()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url + "/apis/ccompat/v7");

        await Assert.ThrowsAsync<SchemaRegistryException>(() => Client(services).GetSchemaByIdAsync(7, CancellationToken.None));

        Assert.Equal("/apis/ccompat/v7/schemas/ids/7", Assert.Single(_registry.Requests).Path);
    }

    internal static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static HttpSchemaRegistryClient Client(ServiceProvider services) => services.GetRequiredService<HttpSchemaRegistryClient>();
}
