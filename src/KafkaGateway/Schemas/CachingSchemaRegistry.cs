using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Avro;
using KafkaGateway.Schemas.Compatibility;

namespace KafkaGateway.Schemas;

/// <summary>Bounds and lifetimes of <see cref="CachingSchemaRegistry"/>.</summary>
public sealed record SchemaCacheSettings
{
    /// <summary>Most entries each cache (by id, by version, latest, registrations, lookups) holds.</summary>
    public int MaxEntries { get; init; } = 1000;

    /// <summary>
    /// How long a "latest version" answer (also "the subject has no version") is reused before the registry is asked
    /// again; a registration through this cache ends it at once.
    /// </summary>
    public TimeSpan LatestTtl { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Caches any <see cref="ISchemaRegistry"/> (the HTTP client or the built-in registry) for the produce and stream
/// paths, which ask for the same few schemas on every record.
/// </summary>
/// <remarks>
/// <para>What registries never change is kept until evicted by the size bound: schemas by global id (and GUID), by subject
/// and version, and registrations (register or lookup) by subject and canonical schema text. The latest version of
/// a subject changes and is kept for <see cref="SchemaCacheSettings.LatestTtl"/>, and so is "the subject has no
/// version" (the produce path asks it for every key subject); a registration through this cache drops the subject's
/// entry, so the gateway that registered sees its schema at once. Past the TTL, while the registry is unavailable,
/// the stale answer is served (with one warning) rather than failing produce. This is the gateway's only cache of
/// "latest": callers must not add a TTL of their own on top.</para>
/// <para>Misses for the same key share one registry call, so a burst of records with a new schema id costs one
/// request. The shared call ignores the callers' cancellation (each caller stops waiting on its own), since
/// another caller may still want the answer; the inner registry's own timeouts bound it.</para>
/// <para>Other negative answers (not found by id or version, lookup null) and errors are never cached.</para>
/// </remarks>
public sealed partial class CachingSchemaRegistry : ISchemaRegistry, IDisposable
{
    /// <summary>Name of the <see cref="Meter"/> publishing cache counters.</summary>
    public const string MeterName = Observability.GatewayTelemetry.SchemasMeter;

    private const string Avro = "AVRO";

    private readonly ISchemaRegistry _inner;
    private readonly TimeSpan _latestTtl;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<CachingSchemaRegistry> _logger;
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _hitCounter;
    private readonly Counter<long> _missCounter;

    private readonly BoundedCache<int, RegisteredSchema> _byId;
    private readonly BoundedCache<Guid, RegisteredSchema> _byGuid;
    private readonly BoundedCache<(string Subject, int Version), RegisteredSchema> _byVersion;
    private readonly BoundedCache<string, LatestEntry> _latest;
    private readonly BoundedCache<RegistrationKey, int> _registrations;
    private readonly BoundedCache<RegistrationKey, RegisteredSchema> _lookups;
    private readonly BoundedCache<string, string> _canonicalTexts;

    private readonly ConcurrentDictionary<int, Lazy<Task<RegisteredSchema>>> _byIdInFlight = new();
    private readonly ConcurrentDictionary<Guid, Lazy<Task<RegisteredSchema>>> _byGuidInFlight = new();
    private readonly ConcurrentDictionary<(string, int), Lazy<Task<RegisteredSchema>>> _byVersionInFlight = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<RegisteredSchema?>>> _latestInFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RegistrationKey, Lazy<Task<int>>> _registerInFlight = new();
    private readonly ConcurrentDictionary<RegistrationKey, Lazy<Task<RegisteredSchema?>>> _lookupInFlight = new();

    // Bumped by every registration: a latest fetch that started before one must not store its (older) answer.
    private long _latestGeneration;
    private long _hits;
    private long _misses;
    private long _staleServed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The registry answering misses.</param>
    /// <param name="settings">Size bound and latest TTL.</param>
    /// <param name="timeProvider">Clock for the latest TTL.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="meterFactory">Creates the <see cref="MeterName"/> meter; without it the cache owns a meter of its own.</param>
    public CachingSchemaRegistry(
        ISchemaRegistry inner,
        SchemaCacheSettings settings,
        TimeProvider timeProvider,
        ILogger<CachingSchemaRegistry> logger,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.LatestTtl, TimeSpan.Zero);
        _inner = inner;
        _latestTtl = settings.LatestTtl;
        _timeProvider = timeProvider;
        _logger = logger;

        _byId = new(settings.MaxEntries);
        _byGuid = new(settings.MaxEntries);
        _byVersion = new(settings.MaxEntries);
        _latest = new(settings.MaxEntries);
        _registrations = new(settings.MaxEntries);
        _lookups = new(settings.MaxEntries);
        _canonicalTexts = new(settings.MaxEntries);

        var meter = meterFactory?.Create(MeterName) ?? (_ownedMeter = new Meter(MeterName));
        _hitCounter = meter.CreateCounter<long>("kafkagateway.schema_cache.hits", "{request}",
            "Schema registry requests answered from the gateway's cache.");
        _missCounter = meter.CreateCounter<long>("kafkagateway.schema_cache.misses", "{request}",
            "Schema registry requests the gateway's cache passed to the registry.");
    }

    /// <summary>Requests answered from the cache (including stale latest answers).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Requests passed to the inner registry (coalesced waiters count as misses too).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Latest-version answers served past their TTL because the registry was unavailable.</summary>
    public long StaleServed => Interlocked.Read(ref _staleServed);

    /// <summary>Schemas cached by global id.</summary>
    public int CachedSchemaCount => _byId.Count;

    /// <inheritdoc />
    public Task<RegisteredSchema> GetSchemaByIdAsync(int id, CancellationToken cancellationToken)
    {
        if (_byId.TryGetValue(id, out var cached))
        {
            Hit("id");
            return Task.FromResult(cached);
        }

        Miss("id");
        return Coalesce(_byIdInFlight, id, async () =>
        {
            var schema = await _inner.GetSchemaByIdAsync(id, CancellationToken.None);
            _byId.Set(id, schema);
            return schema;
        }).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<RegisteredSchema> GetSchemaByGuidAsync(Guid guid, CancellationToken cancellationToken)
    {
        if (_byGuid.TryGetValue(guid, out var cached))
        {
            Hit("guid");
            return Task.FromResult(cached);
        }

        Miss("guid");
        return Coalesce(_byGuidInFlight, guid, async () =>
        {
            var schema = await _inner.GetSchemaByGuidAsync(guid, CancellationToken.None);
            _byGuid.Set(guid, schema);
            return schema;
        }).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<RegisteredSchema> GetVersionAsync(string subject, int version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var key = (subject, version);
        if (_byVersion.TryGetValue(key, out var cached))
        {
            Hit("version");
            return Task.FromResult(cached);
        }

        Miss("version");
        return Coalesce(_byVersionInFlight, key, async () =>
        {
            var schema = await _inner.GetVersionAsync(subject, version, CancellationToken.None);
            _byVersion.Set(key, schema);
            return schema;
        }).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken) =>
        await FindLatestAsync(subject, cancellationToken)
            ?? throw new SchemaRegistryException(StatusCodes.Status404NotFound, SchemaRegistryException.SubjectNotFound,
                $"Subject '{subject}' has no version (cached answer).");

    /// <inheritdoc />
    public async Task<RegisteredSchema?> FindLatestAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var found = _latest.TryGetValue(subject, out var cached);
        if (found && _timeProvider.GetElapsedTime(cached.FetchedAt) < _latestTtl)
        {
            Hit("latest");
            return cached.Schema;
        }

        Miss("latest");
        try
        {
            return await Coalesce(_latestInFlight, subject, async () =>
            {
                var generation = Interlocked.Read(ref _latestGeneration);
                var schema = await _inner.FindLatestAsync(subject, CancellationToken.None);
                if (generation == Interlocked.Read(ref _latestGeneration))
                {
                    _latest.Set(subject, new LatestEntry(schema, _timeProvider.GetTimestamp()));
                }

                if (schema is not null)
                {
                    _byVersion.Set((subject, schema.Version), schema);
                }

                return schema;
            }).WaitAsync(cancellationToken);
        }
        catch (SchemaRegistryUnavailableException e) when (found)
        {
            Interlocked.Increment(ref _staleServed);
            Hit("latest", stale: true);
            if (cached.TryMarkWarned())
            {
                LogServingStaleLatest(_logger, e, subject, cached.Schema?.Version ?? 0, cached.Schema?.Id ?? 0,
                    (long)_timeProvider.GetElapsedTime(cached.FetchedAt).TotalSeconds);
            }

            return cached.Schema;
        }
    }

    /// <inheritdoc />
    public Task<int> RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var key = KeyOf(subject, schema, schemaType);
        if (_registrations.TryGetValue(key, out var id))
        {
            Hit("registration");
            return Task.FromResult(id);
        }

        Miss("registration");
        return Coalesce(_registerInFlight, key, async () =>
        {
            var registered = await _inner.RegisterAsync(subject, schema, schemaType, CancellationToken.None);
            _registrations.Set(key, registered);
            // The registration may be the subject's new latest version (or its first): never answer the old one,
            // neither from the cache nor from a fetch that was already running.
            Invalidate(subject);
            return registered;
        }).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Forgets the subject's cached latest version (and the answer of a fetch already running), for changes made
    /// past this cache, e.g. registrations and deletions forwarded to the external registry: the next request asks
    /// the registry.
    /// </summary>
    public void Invalidate(string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        Interlocked.Increment(ref _latestGeneration);
        _latestInFlight.TryRemove(subject, out _);
        _latest.Remove(subject);
    }

    /// <inheritdoc />
    public Task<RegisteredSchema?> LookupAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var key = KeyOf(subject, schema, schemaType);
        if (_lookups.TryGetValue(key, out var cached))
        {
            Hit("lookup");
            return Task.FromResult<RegisteredSchema?>(cached);
        }

        Miss("lookup");
        return Coalesce(_lookupInFlight, key, async () =>
        {
            var found = await _inner.LookupAsync(subject, schema, schemaType, CancellationToken.None);
            if (found is not null)
            {
                _lookups.Set(key, found);
                _registrations.Set(key, found.Id);
                _byVersion.Set((found.Subject ?? subject, found.Version), found);
            }

            return found;
        }).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _ownedMeter?.Dispose();

    /// <summary>
    /// Starts <paramref name="fetch"/> unless a fetch for <paramref name="key"/> is already running, and returns the
    /// running one. The entry leaves the map when the fetch ends, by then its answer is in the cache.
    /// </summary>
    private static Task<T> Coalesce<TKey, T>(ConcurrentDictionary<TKey, Lazy<Task<T>>> inFlight, TKey key, Func<Task<T>> fetch)
        where TKey : notnull
    {
        var candidate = new Lazy<Task<T>>(fetch, LazyThreadSafetyMode.ExecutionAndPublication);
        var running = inFlight.GetOrAdd(key, candidate);
        if (ReferenceEquals(running, candidate))
        {
            _ = candidate.Value.ContinueWith(
                _ => inFlight.TryRemove(KeyValuePair.Create(key, candidate)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return running.Value;
    }

    private RegistrationKey KeyOf(string subject, string schema, string schemaType)
    {
        var type = string.IsNullOrWhiteSpace(schemaType) ? Avro : schemaType.Trim().ToUpperInvariant();
        return new RegistrationKey(subject, type, type == Avro ? CanonicalAvro(schema) : schema);
    }

    /// <summary>
    /// The canonical text, so whitespace or attribute order do not defeat the cache; remembered per raw text, as
    /// producers send the same text again and again and parsing costs more than hashing.
    /// </summary>
    private string CanonicalAvro(string schema)
    {
        if (_canonicalTexts.TryGetValue(schema, out var canonical))
        {
            return canonical;
        }

        try
        {
            canonical = AvroSchemaCanonicalizer.Canonicalize(schema);
        }
        catch (Exception e) when (e is AvroException or JsonException or ArgumentException)
        {
            // Invalid schemas go to the registry as written; it answers 42201, which is not cached.
            canonical = schema;
        }

        _canonicalTexts.Set(schema, canonical);
        return canonical;
    }

    private void Hit(string cache, bool stale = false)
    {
        Interlocked.Increment(ref _hits);
        _hitCounter.Add(1, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("stale", stale));
    }

    private void Miss(string cache)
    {
        Interlocked.Increment(ref _misses);
        _missCounter.Add(1, new KeyValuePair<string, object?>("cache", cache));
    }

    private readonly record struct RegistrationKey(string Subject, string SchemaType, string CanonicalSchema);

    /// <summary>A latest answer; <see cref="Schema"/> null means "the subject has no version".</summary>
    private sealed class LatestEntry(RegisteredSchema? schema, long fetchedAt)
    {
        private int _warned;

        public RegisteredSchema? Schema { get; } = schema;

        public long FetchedAt { get; } = fetchedAt;

        /// <summary>True the first time only: one warning per stale entry, not one per record.</summary>
        public bool TryMarkWarned() => Interlocked.Exchange(ref _warned, 1) == 0;
    }
}
