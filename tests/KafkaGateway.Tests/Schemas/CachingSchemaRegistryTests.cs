using System.Diagnostics.Metrics;
using KafkaGateway.Schemas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaGateway.Tests.Schemas;

/// <summary>
/// The cache as the gateway wires it (<see cref="CachingSchemaRegistry"/> over the HTTP client) against the
/// stand-in registry <see cref="StubConfluentRegistry"/>; the stub's request log counts registry calls.
/// </summary>
public sealed class CachingSchemaRegistryTests : IAsyncLifetime
{
    private const string UserSchema = """{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"}]}""";
    private const string UserSchemaReformatted = """
        { "namespace": "com.example", "name": "User", "type": "record",
          "fields": [ { "type": "long", "name": "id" } ] }
        """;
    private const string UserSchemaV2 = """{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"},{"name":"n","type":"string","default":""}]}""";

    private StubConfluentRegistry _registry = null!;

    public async Task InitializeAsync() => _registry = await StubConfluentRegistry.StartAsync();

    public async Task DisposeAsync() => await _registry.DisposeAsync();

    [Fact]
    public async Task GetSchemaByIdAsync_Twice_CallsRegistryOnceAndCountsHitAndMiss()
    {
        var id = _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        var first = await cache.GetSchemaByIdAsync(id, CancellationToken.None);
        var second = await cache.GetSchemaByIdAsync(id, CancellationToken.None);

        Assert.Same(first, second);
        Assert.Single(_registry.Requests);
        Assert.Equal((1, 1), (cache.Hits, cache.Misses));
    }

    [Fact]
    public async Task RegistryDown_WarmCache_ServesEveryCachedAnswer()
    {
        var id = _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);
        var byId = await cache.GetSchemaByIdAsync(id, CancellationToken.None);
        var byVersion = await cache.GetVersionAsync("users-value", 1, CancellationToken.None);
        var registered = await cache.RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None);
        var looked = await cache.LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None);

        await _registry.StopAsync();

        Assert.Same(byId, await cache.GetSchemaByIdAsync(id, CancellationToken.None));
        Assert.Equal(byVersion, await cache.GetVersionAsync("users-value", 1, CancellationToken.None));
        Assert.Equal(registered, await cache.RegisterAsync("users-value", UserSchemaReformatted, "AVRO", CancellationToken.None));
        Assert.Same(looked, await cache.LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None));
    }

    [Fact]
    public async Task RegistryDown_ColdCache_ThrowsUnavailable()
    {
        _registry.Seed("users-value", UserSchema);
        await _registry.StopAsync();
        using var services = RegistryClientTestServices.Build(_registry.Url, new Dictionary<string, string?> { ["SchemaRegistry:MaxRetries"] = "0" });
        var cache = Cache(services);

        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => cache.GetSchemaByIdAsync(1, CancellationToken.None));
        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => cache.GetLatestAsync("users-value", CancellationToken.None));
        await Assert.ThrowsAsync<SchemaRegistryUnavailableException>(() => cache.RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None));
    }

    [Fact]
    public async Task GetLatestAsync_WithinTtl_CachedAndPastTtl_Refetched()
    {
        _registry.Seed("users-value", UserSchema);
        var clock = new ManualTimeProvider();
        using var services = RegistryClientTestServices.Build(_registry.Url,
            new Dictionary<string, string?> { ["SchemaRegistry:LatestCacheTtlSeconds"] = "60" }, timeProvider: clock);
        var cache = Cache(services);

        var first = await cache.GetLatestAsync("users-value", CancellationToken.None);
        var v2 = _registry.Seed("users-value", UserSchemaV2);
        clock.Advance(TimeSpan.FromSeconds(59));
        var withinTtl = await cache.GetLatestAsync("users-value", CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        var pastTtl = await cache.GetLatestAsync("users-value", CancellationToken.None);

        Assert.Same(first, withinTtl);
        Assert.Equal((2, v2), (pastTtl.Version, pastTtl.Id));
        Assert.Equal(2, _registry.CountOf("/subjects/users-value/versions/latest"));
    }

    [Fact]
    public async Task GetLatestAsync_PastTtlAndRegistryDown_ServesStaleAndWarnsOnce()
    {
        _registry.Seed("users-value", UserSchema);
        var clock = new ManualTimeProvider();
        var logs = new CapturedLogs();
        using var services = RegistryClientTestServices.Build(_registry.Url,
            new Dictionary<string, string?> { ["SchemaRegistry:MaxRetries"] = "0" }, logs, clock);
        var cache = Cache(services);
        var fresh = await cache.GetLatestAsync("users-value", CancellationToken.None);

        await _registry.StopAsync();
        clock.Advance(TimeSpan.FromMinutes(5));
        var stale1 = await cache.GetLatestAsync("users-value", CancellationToken.None);
        var stale2 = await cache.GetLatestAsync("users-value", CancellationToken.None);

        Assert.Same(fresh, stale1);
        Assert.Same(fresh, stale2);
        Assert.Equal(2, cache.StaleServed);
        var warning = Assert.Single(logs.Entries, e => e.Category == typeof(CachingSchemaRegistry).FullName);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("subject users-value (version 1, id 1) fetched 300 s ago", warning.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLatestAsync_SubjectDeleted_StaleEntryReplacedByNotFound()
    {
        _registry.Seed("users-value", UserSchema);
        var clock = new ManualTimeProvider();
        using var services = RegistryClientTestServices.Build(_registry.Url, timeProvider: clock);
        var cache = Cache(services);
        await cache.GetLatestAsync("users-value", CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(2));
        _registry.FailNext(1, 404, """{"error_code":40401,"message":"Subject 'users-value' not found."}""");
        await Assert.ThrowsAsync<SchemaRegistryException>(() => cache.GetLatestAsync("users-value", CancellationToken.None));
        await _registry.StopAsync();

        // Within the TTL the "no version" answer is the cached one; the deleted version is never served again.
        var again = await Assert.ThrowsAsync<SchemaRegistryException>(() => cache.GetLatestAsync("users-value", CancellationToken.None));
        Assert.Equal(SchemaRegistryException.SubjectNotFound, again.ErrorCode);
        Assert.Null(await cache.FindLatestAsync("users-value", CancellationToken.None));
    }

    [Fact]
    public async Task FindLatestAsync_NoSubject_AskedOncePerTtl()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        var first = await cache.FindLatestAsync("orders-key", CancellationToken.None);
        var asked = _registry.CountOf("/subjects/orders-key/versions/latest");
        var second = await cache.FindLatestAsync("orders-key", CancellationToken.None);

        Assert.Null(first);
        Assert.Null(second);
        // The first answer may have taken retries on a loaded machine; the second must not ask at all.
        Assert.True(asked >= 1);
        Assert.Equal(asked, _registry.CountOf("/subjects/orders-key/versions/latest"));
    }

    [Fact]
    public async Task FindLatestAsync_AfterRegisterThroughCache_SeesTheNewSchemaWithinTtl()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url,
            new Dictionary<string, string?> { ["SchemaRegistry:LatestCacheTtlSeconds"] = "3600" });
        var cache = Cache(services);
        Assert.Null(await cache.FindLatestAsync("users-value", CancellationToken.None));

        var id = await cache.RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None);
        var afterFirst = await cache.FindLatestAsync("users-value", CancellationToken.None);
        var v2 = await cache.RegisterAsync("users-value", UserSchemaV2, "AVRO", CancellationToken.None);
        var afterSecond = await cache.GetLatestAsync("users-value", CancellationToken.None);

        Assert.Equal((id, 1), (afterFirst!.Id, afterFirst.Version));
        Assert.Equal((v2, 2), (afterSecond.Id, afterSecond.Version));
    }

    [Fact]
    public async Task ConcurrentMisses_SameKey_OneRegistryCall()
    {
        var id = _registry.Seed("users-value", UserSchema);
        _registry.Delay = TimeSpan.FromMilliseconds(300);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        var byId = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => cache.GetSchemaByIdAsync(id, CancellationToken.None))));
        var latest = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => cache.GetLatestAsync("users-value", CancellationToken.None))));
        var registered = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => cache.RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None))));

        Assert.All(byId, schema => Assert.Same(byId[0], schema));
        Assert.All(latest, schema => Assert.Same(latest[0], schema));
        Assert.All(registered, registeredId => Assert.Equal(id, registeredId));
        Assert.Equal(1, _registry.CountOf("/schemas/ids/"));
        Assert.Equal(1, _registry.CountOf("/subjects/users-value/versions/latest"));
        Assert.Equal(1, _registry.Requests.Count(r => r.Method == "POST"));
    }

    [Fact]
    public async Task ConcurrentMisses_OneCallerCancels_OthersStillGetTheAnswer()
    {
        var id = _registry.Seed("users-value", UserSchema);
        _registry.Delay = TimeSpan.FromMilliseconds(500);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);
        using var impatient = new CancellationTokenSource();

        var cancelled = cache.GetSchemaByIdAsync(id, impatient.Token);
        var patient = cache.GetSchemaByIdAsync(id, CancellationToken.None);
        // Cancelled once both wait on the one registry call (a timer could fire before the second caller joined on a
        // loaded machine, and the second caller would then rightly start its own call).
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(id, (await patient).Id);
        Assert.Single(_registry.Requests);
    }

    [Fact]
    public async Task GetSchemaByIdAsync_MoreIdsThanMaxCachedSchemas_EvictsLeastRecentlyUsed()
    {
        var ids = new[] { "a", "b", "c" }.Select(name => _registry.Seed($"{name}-value", UserSchema.Replace("User", name, StringComparison.Ordinal))).ToArray();
        using var services = RegistryClientTestServices.Build(_registry.Url, new Dictionary<string, string?> { ["SchemaRegistry:MaxCachedSchemas"] = "2" });
        var cache = Cache(services);

        await cache.GetSchemaByIdAsync(ids[0], CancellationToken.None);
        await cache.GetSchemaByIdAsync(ids[1], CancellationToken.None);
        await cache.GetSchemaByIdAsync(ids[0], CancellationToken.None); // ids[1] is now the least recently used
        await cache.GetSchemaByIdAsync(ids[2], CancellationToken.None);
        await cache.GetSchemaByIdAsync(ids[0], CancellationToken.None);
        await cache.GetSchemaByIdAsync(ids[1], CancellationToken.None);

        Assert.Equal(2, cache.CachedSchemaCount);
        Assert.Equal(1, _registry.CountOf($"/schemas/ids/{ids[0]}"));
        Assert.Equal(2, _registry.CountOf($"/schemas/ids/{ids[1]}"));
    }

    [Fact]
    public async Task RegisterAsync_SameSchemaDifferentFormatting_OneRegistryCall()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        var first = await cache.RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None);
        var second = await cache.RegisterAsync("users-value", UserSchemaReformatted, "AVRO", CancellationToken.None);
        var otherSubject = await cache.RegisterAsync("other-value", UserSchema, "AVRO", CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(first, otherSubject);
        Assert.Equal(2, _registry.Requests.Count);
    }

    [Fact]
    public async Task LookupAsync_NotRegistered_IsNotCached()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        Assert.Null(await cache.LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None));
        var id = _registry.Seed("users-value", UserSchema);
        var found = await cache.LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None);

        Assert.Equal(id, found?.Id);
        Assert.Equal(2, _registry.Requests.Count);
    }

    [Fact]
    public async Task LookupAsync_Found_AlsoAnswersRegisterAndVersionFromCache()
    {
        var id = _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        await cache.LookupAsync("users-value", UserSchema, "AVRO", CancellationToken.None);
        var registered = await cache.RegisterAsync("users-value", UserSchema, "AVRO", CancellationToken.None);
        var version = await cache.GetVersionAsync("users-value", 1, CancellationToken.None);

        Assert.Equal((id, id), (registered, version.Id));
        Assert.Single(_registry.Requests);
    }

    [Fact]
    public async Task Errors_AreNotCached()
    {
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);

        await Assert.ThrowsAsync<SchemaRegistryException>(() => cache.GetSchemaByIdAsync(1, CancellationToken.None));
        var id = _registry.Seed("users-value", UserSchema);

        Assert.Equal(id, (await cache.GetSchemaByIdAsync(1, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task Counters_ArePublishedOnTheSchemasMeter()
    {
        var id = _registry.Seed("users-value", UserSchema);
        using var services = RegistryClientTestServices.Build(_registry.Url);
        var cache = Cache(services);
        var measured = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CachingSchemaRegistry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (measured)
            {
                measured[instrument.Name] = measured.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        await cache.GetSchemaByIdAsync(id, CancellationToken.None);
        await cache.GetSchemaByIdAsync(id, CancellationToken.None);
        await cache.GetSchemaByIdAsync(id, CancellationToken.None);

        Assert.Equal(2, measured["kafkagateway.schema_cache.hits"]);
        Assert.Equal(1, measured["kafkagateway.schema_cache.misses"]);
    }

    private static CachingSchemaRegistry Cache(ServiceProvider services) =>
        services.GetRequiredService<CachingSchemaRegistry>();
}
