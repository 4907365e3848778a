using System.Text.Json;
using Avro;

namespace KafkaGateway.Schemas.Compatibility;

/// <summary>
/// The aliases of every named type (record, enum, fixed) declared in a schema, by full name.
/// </summary>
/// <remarks>
/// Apache.Avro keeps named-type aliases internal, so they are read back from the schema's own JSON. The JSON is
/// the library's serialization, which declares each named type once; namespace inheritance is applied here so an
/// unqualified alias means the same thing it meant in the schema text.
/// </remarks>
internal sealed class NamedSchemaAliasIndex
{
    private readonly Dictionary<string, HashSet<string>> _aliasesByFullName = new(StringComparer.Ordinal);

    private NamedSchemaAliasIndex()
    {
    }

    public static NamedSchemaAliasIndex Build(Schema schema)
    {
        var index = new NamedSchemaAliasIndex();
        using var document = JsonDocument.Parse(schema.ToString());
        index.Collect(document.RootElement, enclosingNamespace: null);
        return index;
    }

    /// <summary>True when the named type <paramref name="fullName"/> lists <paramref name="aliasFullName"/> as an alias.</summary>
    public bool HasAlias(string fullName, string aliasFullName) =>
        _aliasesByFullName.TryGetValue(fullName, out var aliases) && aliases.Contains(aliasFullName);

    private void Collect(JsonElement element, string? enclosingNamespace)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var branch in element.EnumerateArray())
            {
                Collect(branch, enclosingNamespace);
            }

            return;
        }

        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("type", out var type))
        {
            return;
        }

        if (type.ValueKind != JsonValueKind.String)
        {
            // {"type": {...}} or {"type": [...]} wraps a nested schema.
            Collect(type, enclosingNamespace);
            return;
        }

        switch (type.GetString())
        {
            case "record" or "error" or "enum" or "fixed":
                CollectNamed(element, enclosingNamespace);
                break;
            case "array" when element.TryGetProperty("items", out var items):
                Collect(items, enclosingNamespace);
                break;
            case "map" when element.TryGetProperty("values", out var values):
                Collect(values, enclosingNamespace);
                break;
            default:
                break;
        }
    }

    private void CollectNamed(JsonElement element, string? enclosingNamespace)
    {
        if (!element.TryGetProperty("name", out var nameElement) || nameElement.GetString() is not { } name)
        {
            return;
        }

        var lastDot = name.LastIndexOf('.');
        var space = lastDot >= 0
            ? name[..lastDot]
            : element.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String
                ? ns.GetString()
                : enclosingNamespace;
        var fullName = Qualify(name, space);

        if (element.TryGetProperty("aliases", out var aliases) && aliases.ValueKind == JsonValueKind.Array)
        {
            if (!_aliasesByFullName.TryGetValue(fullName, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _aliasesByFullName[fullName] = set;
            }

            foreach (var alias in aliases.EnumerateArray())
            {
                if (alias.GetString() is { } aliasName)
                {
                    set.Add(Qualify(aliasName, space));
                }
            }
        }

        if (element.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array)
        {
            foreach (var field in fields.EnumerateArray())
            {
                if (field.TryGetProperty("type", out var fieldType))
                {
                    Collect(fieldType, space);
                }
            }
        }
    }

    private static string Qualify(string name, string? space) =>
        name.Contains('.', StringComparison.Ordinal) || string.IsNullOrEmpty(space) ? name : $"{space}.{name}";
}
