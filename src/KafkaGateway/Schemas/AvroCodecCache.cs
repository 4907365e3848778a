using System.Collections.Concurrent;

namespace KafkaGateway.Schemas;

/// <summary>
/// Compiled <see cref="AvroJsonCodec"/>s by global schema id (and by schema GUID, for records in the header form of
/// Confluent's 2.16 serializers). Ids and GUIDs are immutable in every Confluent-compatible registry, so a compiled
/// codec is kept for the life of the process (bounded in count); concurrent first uses of one id share a single
/// registry call and compilation. A schema with references is compiled with the referenced types, fetched from the
/// registry by subject and version.
/// </summary>
public sealed class AvroCodecCache(ISchemaRegistry registry)
{
    /// <summary>Upper bound of cached codecs; beyond it the cache is cleared and refills from use.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<int, Lazy<Task<AvroJsonCodec>>> _byId = new();
    private readonly ConcurrentDictionary<Guid, Lazy<Task<(AvroJsonCodec Codec, int? Id)>>> _byGuid = new();

    /// <summary>The codec for schema <paramref name="id"/>.</summary>
    /// <exception cref="SchemaRegistryException">40403 when the registry does not know the id, 42201 for a non-Avro schema.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is unreachable and the id is not cached.</exception>
    public Task<AvroJsonCodec> GetAsync(int id, CancellationToken cancellationToken) =>
        // Every produce request asks: a compiled codec is answered with its own completed task (no closure, no
        // state machine, no new task per request).
        _byId.TryGetValue(id, out var compiled) && compiled.IsValueCreated && compiled.Value.IsCompletedSuccessfully
            ? compiled.Value
            : GetOrCompileAsync(_byId, id, async () => await CompileAsync(await registry.GetSchemaByIdAsync(id, CancellationToken.None), id.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);

    /// <summary>The codec for the schema with GUID <paramref name="guid"/>, and its global id when the registry tells it.</summary>
    /// <exception cref="SchemaRegistryException">40403 when the registry does not know the GUID, 42201 for a non-Avro schema.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is unreachable and the GUID is not cached.</exception>
    public Task<(AvroJsonCodec Codec, int? Id)> GetByGuidAsync(Guid guid, CancellationToken cancellationToken) =>
        GetOrCompileAsync(_byGuid, guid, async () =>
        {
            var schema = await registry.GetSchemaByGuidAsync(guid, CancellationToken.None);
            return (await CompileAsync(schema, guid.ToString("D")), schema.Id > 0 ? schema.Id : (int?)null);
        }, cancellationToken);

    private static async Task<T> GetOrCompileAsync<TKey, T>(
        ConcurrentDictionary<TKey, Lazy<Task<T>>> cache, TKey key, Func<Task<T>> compile, CancellationToken cancellationToken)
        where TKey : notnull
    {
        if (cache.Count >= MaxEntries)
        {
            cache.Clear();
        }

        var entry = cache.GetOrAdd(key, _ => new Lazy<Task<T>>(compile));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (entry.Value.IsFaulted)
        {
            // Failures are not cached: the next request asks the registry again.
            cache.TryRemove(new KeyValuePair<TKey, Lazy<Task<T>>>(key, entry));
            throw;
        }
    }

    private async Task<AvroJsonCodec> CompileAsync(RegisteredSchema schema, string name)
    {
        if (!string.Equals(schema.SchemaType, "AVRO", StringComparison.OrdinalIgnoreCase))
        {
            throw new SchemaRegistryException(422, SchemaRegistryException.InvalidSchema,
                $"Schema {name} is of type {schema.SchemaType}; the gateway converts JSON to Avro only.");
        }

        if (schema.References is not { Count: > 0 })
        {
            return AvroJsonCodec.Create(schema.Schema);
        }

        // Not tied to one request's cancellation: other requests may be waiting on the same compilation.
        var parsed = await AvroSchemaReferences.ParseAsync(schema.Schema, schema.References,
            (reference, cancellationToken) => reference.Version == -1
                ? registry.GetLatestAsync(reference.Subject, cancellationToken)
                : registry.GetVersionAsync(reference.Subject, reference.Version, cancellationToken),
            CancellationToken.None);
        return AvroJsonCodec.Create(parsed, schema.Schema);
    }
}
