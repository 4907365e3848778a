using System.Collections.Concurrent;

namespace KafkaGateway.Schemas;

/// <summary>
/// Compiled <see cref="AvroJsonCodec"/>s by global schema id. Ids are immutable in every Confluent-compatible
/// registry, so a compiled codec is kept for the life of the process (bounded in count); concurrent first uses of
/// one id share a single registry call and compilation.
/// </summary>
public sealed class AvroCodecCache(ISchemaRegistry registry)
{
    /// <summary>Upper bound of cached codecs; beyond it the cache is cleared and refills from use.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<int, Lazy<Task<AvroJsonCodec>>> _byId = new();

    /// <summary>The codec for schema <paramref name="id"/>.</summary>
    /// <exception cref="SchemaRegistryException">40403 when the registry does not know the id, 42201 for a non-Avro schema.</exception>
    /// <exception cref="SchemaRegistryUnavailableException">The registry is unreachable and the id is not cached.</exception>
    public async Task<AvroJsonCodec> GetAsync(int id, CancellationToken cancellationToken)
    {
        if (_byId.Count >= MaxEntries)
        {
            _byId.Clear();
        }

        var entry = _byId.GetOrAdd(id, key => new Lazy<Task<AvroJsonCodec>>(() => CompileAsync(key)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (entry.Value.IsFaulted)
        {
            // Failures are not cached: the next request asks the registry again.
            _byId.TryRemove(new KeyValuePair<int, Lazy<Task<AvroJsonCodec>>>(id, entry));
            throw;
        }
    }

    private async Task<AvroJsonCodec> CompileAsync(int id)
    {
        // Not tied to one request's cancellation: other requests may be waiting on the same compilation.
        var schema = await registry.GetSchemaByIdAsync(id, CancellationToken.None);
        if (!string.Equals(schema.SchemaType, "AVRO", StringComparison.OrdinalIgnoreCase))
        {
            throw new SchemaRegistryException(422, SchemaRegistryException.InvalidSchema,
                $"Schema {id} is of type {schema.SchemaType}; the gateway converts JSON to Avro only.");
        }

        return AvroJsonCodec.Create(schema.Schema);
    }
}
