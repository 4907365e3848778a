using Avro;

namespace KafkaGateway.Schemas;

/// <summary>
/// Parses an Avro schema that uses named types from other registered schemas (Confluent's schema
/// <c>references</c>): the referenced schemas are parsed first, depth first, into one set of names, and the schema
/// itself last, so that its <c>"type": "com.acme.Address"</c> finds the definition.
/// </summary>
/// <remarks>Parsing adds the parsed schema's named types to the set, so every parse needs a set of its own.</remarks>
public static class AvroSchemaReferences
{
    /// <summary>Most references followed for one schema (all levels together).</summary>
    public const int MaxReferences = 1000;

    /// <summary>Deepest chain of references followed.</summary>
    public const int MaxDepth = 32;

    /// <summary>Parses <paramref name="schema"/> with its <paramref name="references"/>, fetching each through <paramref name="resolve"/>.</summary>
    /// <exception cref="SchemaParseException">A schema is invalid, a referenced name is not defined, or the limits are exceeded.</exception>
    public static async Task<Schema> ParseAsync(
        string schema,
        IReadOnlyList<SchemaReference>? references,
        Func<SchemaReference, CancellationToken, Task<RegisteredSchema>> resolve,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        if (references is not { Count: > 0 })
        {
            return Parse(schema, null);
        }

        // Fetched first (they may need the network), then parsed in dependency order.
        var ordered = new List<RegisteredSchema>();
        await CollectAsync(references, ordered, [], resolve, 1, cancellationToken);
        return Parse(schema, NamesOf(ordered));
    }

    /// <summary>The named types <paramref name="references"/> define, resolved synchronously (an in-memory registry); null when there are none.</summary>
    /// <exception cref="SchemaParseException">A referenced schema is invalid or missing, or the limits are exceeded.</exception>
    public static SchemaNames? NamesFor(IReadOnlyList<SchemaReference>? references, Func<SchemaReference, RegisteredSchema> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        if (references is not { Count: > 0 })
        {
            return null;
        }

        var ordered = new List<RegisteredSchema>();
        CollectAsync(references, ordered, [], (r, _) => Task.FromResult(resolve(r)), 1, CancellationToken.None).GetAwaiter().GetResult();
        return NamesOf(ordered);
    }

    /// <summary>Parses <paramref name="schema"/> with the named types already in <paramref name="names"/> (none when null).</summary>
    /// <exception cref="SchemaParseException">The text is not a valid Avro schema.</exception>
    public static Schema Parse(string schema, SchemaNames? names) =>
        (names is null ? Schema.Parse(schema) : Schema.Parse(schema, names))
        // Apache.Avro returns null rather than throwing for some invalid texts.
        ?? throw new SchemaParseException($"Not an Avro schema: {schema}");

    private static SchemaNames NamesOf(List<RegisteredSchema> ordered)
    {
        var names = new SchemaNames();
        foreach (var referenced in ordered)
        {
            // Parsing a named schema adds it, and the named types inside it, to the names the next ones see.
            Parse(referenced.Schema, names);
        }

        return names;
    }

    private static async Task CollectAsync(
        IReadOnlyList<SchemaReference> references,
        List<RegisteredSchema> ordered,
        HashSet<(string, int)> seen,
        Func<SchemaReference, CancellationToken, Task<RegisteredSchema>> resolve,
        int depth,
        CancellationToken cancellationToken)
    {
        if (depth > MaxDepth)
        {
            throw new SchemaParseException($"Schema references nest deeper than {MaxDepth} levels.");
        }

        foreach (var reference in references)
        {
            var referenced = await resolve(reference, cancellationToken);
            // A type reached twice (a diamond) is defined once; parsing it again would be a duplicate name.
            if (!seen.Add((referenced.Subject ?? reference.Subject, referenced.Version)))
            {
                continue;
            }

            if (seen.Count > MaxReferences)
            {
                throw new SchemaParseException($"The schema has more than {MaxReferences} references.");
            }

            if (referenced.References is { Count: > 0 } nested)
            {
                await CollectAsync(nested, ordered, seen, resolve, depth + 1, cancellationToken);
            }

            ordered.Add(referenced);
        }
    }
}
