using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using KafkaGateway.Hosting;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>
/// The README's configuration table and the options classes agree: every key of every options class (found by
/// reflection through <see cref="GatewaySettings.Sections"/>, so a new class or property without a row fails here)
/// has exactly one row, every row names a key that exists, and the documented default is the class's default.
/// </summary>
public sealed partial class ReadmeConfigurationTests
{
    /// <summary>Framework keys the table documents because the gateway relies on them; no options class owns them.</summary>
    private static readonly string[] s_frameworkKeys = ["Kestrel:Certificates:Default:Path", "Serilog:MinimumLevel:Default"];

    private static readonly Lazy<IReadOnlyList<Row>> s_rows = new(ReadRows);

    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var key in ExpectedKeys().Keys)
        {
            data.Add(key);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void ReadmeConfigurationTable_EveryOptionsKey_HasExactlyOneRow(string key)
    {
        var rows = s_rows.Value.Where(row => row.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).ToList();

        Assert.True(rows.Count == 1, $"README.md's configuration table has {rows.Count} rows for `{key}`; it needs exactly one.");
        Assert.False(string.IsNullOrWhiteSpace(rows[0].Allowed), $"`{key}`: the row says nothing about the allowed values or unit.");
        Assert.False(string.IsNullOrWhiteSpace(rows[0].Meaning), $"`{key}`: the row does not say what the key does.");
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void ReadmeConfigurationTable_DocumentedDefault_IsTheOptionsClassDefault(string key)
    {
        var expected = ExpectedKeys()[key];
        var row = s_rows.Value.FirstOrDefault(r => r.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
        Assert.NotNull(row);

        // The first word of the cell is the class's default; what follows may explain it ("false (true in Development)").
        var documented = row.Default.Split(' ', 2)[0].Trim('`');
        Assert.True(string.Equals(documented, expected, StringComparison.OrdinalIgnoreCase),
            $"`{key}`: README.md documents the default '{row.Default}', the options class has '{expected}'.");
    }

    [Fact]
    public void ReadmeConfigurationTable_EveryRow_NamesAnExistingKeyOnce()
    {
        var expected = ExpectedKeys();

        var stale = s_rows.Value.Select(r => r.Key).Where(key => !expected.ContainsKey(key) && !s_frameworkKeys.Contains(key, StringComparer.OrdinalIgnoreCase));
        var duplicated = s_rows.Value.GroupBy(r => r.Key, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key);

        Assert.Empty(stale);
        Assert.Empty(duplicated);
    }

    [Fact]
    public void OptionsClasses_Discovered_IncludeEverySection()
    {
        var sections = GatewaySettings.Sections.Select(s => s.Section).ToList();

        // A sanity bound on the discovery itself: these sections exist, so a broken reflection cannot pass as "no rows missing".
        Assert.Superset(
            new HashSet<string>(["Admin", "Gateway", "Gateway:TopicFormats", "Kafka", "Kafka:Identities", "Kafka:Tls", "Observability",
                "Producer", "SchemaRegistry", "Security", "Streaming"]),
            sections.ToHashSet());
        Assert.Equal(sections.Count, sections.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    /// <summary>Every documented key (with <c>N</c> for list indexes and <c>&lt;&gt;</c> for names) and its default as the README writes it.</summary>
    private static Dictionary<string, string> ExpectedKeys()
    {
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in GatewaySettings.Sections)
        {
            Walk(section.Options, Activator.CreateInstance(section.Options), section.Section, keys);
        }

        return keys;
    }

    private static void Walk(Type type, object? instance, string prefix, Dictionary<string, string> keys)
    {
        if (GatewaySettings.DictionaryValue(type) is { } dictionaryValue)
        {
            // A dictionary of values is one row (Kafka:Properties:<librdkafka key>); a dictionary of sections is one row
            // naming where its keys come from (Kafka:Identities:<principal>:<Kafka:Tls key>).
            keys[GatewaySettings.IsValue(dictionaryValue) ? $"{prefix}:<>" : $"{prefix}:<>:<>"] = "none";
            return;
        }

        foreach (var property in GatewaySettings.SettingsOf(type))
        {
            var key = $"{prefix}:{property.Name}";
            var value = instance is null ? null : property.GetValue(instance);
            if (GatewaySettings.IsValue(property.PropertyType))
            {
                keys[key] = Format(value);
            }
            else if (GatewaySettings.DictionaryValue(property.PropertyType) is not null)
            {
                Walk(property.PropertyType, value, key, keys);
            }
            else if (GatewaySettings.ListElement(property.PropertyType) is { } element)
            {
                if (GatewaySettings.IsValue(element))
                {
                    keys[$"{key}:N"] = "none";
                }
                else
                {
                    Walk(element, Activator.CreateInstance(element), $"{key}:N", keys);
                }
            }
            else
            {
                Walk(property.PropertyType, value ?? Activator.CreateInstance(property.PropertyType), key, keys);
            }
        }
    }

    private static string Format(object? value) => value switch
    {
        null or "" => "none",
        bool flag => flag ? "true" : "false",
        Enum member => member.ToString(),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        string text => text,
        IEnumerable => throw new InvalidOperationException("lists are not single values"),
        _ => value.ToString() ?? "none",
    };

    private static List<Row> ReadRows()
    {
        var lines = File.ReadAllLines(RepositoryFiles.PathOf("README.md"));
        var start = Array.FindIndex(lines, l => l == "## Configuration");
        Assert.True(start >= 0, "README.md has no '## Configuration' section");
        var rows = new List<Row>();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            if (!line.StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = CellBorder().Split(line.Trim().Trim('|'));
            Assert.True(cells.Length >= 4, $"README.md configuration row with fewer than 4 cells: {line}");
            var key = Placeholder().Replace(cells[0].Trim().Trim('`'), "<>");
            rows.Add(new Row(key, cells[1].Trim(), cells[2].Trim(), cells[3].Trim()));
        }

        return rows;
    }

    // A '|' inside a cell is written '\|' (e.g. "| sha256sum").
    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellBorder();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Placeholder();

    private sealed record Row(string Key, string Default, string Allowed, string Meaning);
}
