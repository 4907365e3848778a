using System.Text.RegularExpressions;
using KafkaGateway.Http;

namespace KafkaGateway.Tests.Http;

/// <summary>
/// The error catalogue is the one source of truth for codes: README's "Errors" table lists exactly its entries, and no
/// code is spelled as a string literal anywhere else in src (a scan of the sources, so a new hand-written
/// <c>"kafka_unavailable"</c> fails here).
/// </summary>
public sealed partial class GatewayErrorsTests
{
    // Findings that are not hand-written errors; each with the reason.
    private static readonly HashSet<(string File, string Finding)> s_allowed =
    [
        // The per-record status "not_persisted" (RecordOutcome.Status) shares its word with the 503 answer code.
        ("src/KafkaGateway/Producing/DeliveryOutcomes.cs", "not_persisted"),
        // The one writer builds the body from the catalogue entry.
        ("src/KafkaGateway/Http/GatewayProblemWriter.cs", "new ProblemDetails"),
        ("src/KafkaGateway/Http/GatewayProblemWriter.cs", "[\"code\"] ="),
    ];

    [Fact]
    public void Catalogue_Codes_AreUniqueSnakeCaseWithAnErrorStatus()
    {
        var codes = GatewayErrors.All.Select(e => e.Code).ToList();

        Assert.True(codes.Count > 50, $"only {codes.Count} entries found by reflection");
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(GatewayErrors.All, e =>
        {
            Assert.Matches("^[a-z]+(_[a-z]+)*$", e.Code);
            Assert.InRange(e.Status, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(e.Title));
        });
    }

    [Theory]
    [InlineData("topic_not_found", 404, 40401)]
    [InlineData("partition_not_found", 404, 40402)]
    [InlineData("invalid_records", 422, 42203)]
    [InlineData("key_schema_missing", 422, 42201)]
    [InlineData("forbidden", 403, 40300)]
    [InlineData("kafka_unavailable", 503, 50003)]
    [InlineData("not_persisted", 503, 50003)]
    [InlineData("partially_persisted", 500, 50002)]
    [InlineData("delivery_unknown", 504, 50002)]
    public void RestProxyErrorCode_OnlyNothingWrittenIsRetriable(string code, int status, int restProxy)
    {
        var error = GatewayErrors.Find(code)!;

        Assert.Equal(status, error.Status);
        Assert.Equal(restProxy, error.RestProxyErrorCode);
        Assert.Equal(restProxy / 100, error.RestProxyStatus);
    }

    [Theory]
    [InlineData(404, "not_found")]
    [InlineData(405, "method_not_allowed")]
    [InlineData(415, "unsupported_media_type")]
    [InlineData(411, "bad_request")]
    [InlineData(507, "internal_error")]
    public void ForStatus_FrameworkStatus_GenericCode(int status, string code) =>
        Assert.Equal(code, GatewayErrors.ForStatus(status).Code);

    [Fact]
    public void Readme_ErrorsTable_ListsEveryCatalogueEntryAndNothingElse()
    {
        var rows = ReadmeErrorRows();
        var expected = GatewayErrors.All
            .Select(e => $"{e.Code} {e.Status} {e.RetryAfterSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {e.RestProxyErrorCode}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(rows.Count, rows.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected, rows.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Sources_NoCodeLiteralOutsideTheCatalogue()
    {
        var root = RepositoryPaths.Root();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("GatewayErrors.cs", StringComparison.Ordinal));

        var findings = files
            .Where(f => !f.EndsWith(Path.Combine("Http", "GatewayErrors.cs"), StringComparison.Ordinal))
            .SelectMany(f =>
            {
                var relative = Path.GetRelativePath(root, f).Replace('\\', '/');
                return HandWrittenErrors(File.ReadAllText(f)).Where(l => !s_allowed.Contains((relative, l))).Select(l => $"{relative}: {l}");
            })
            .ToList();

        Assert.Empty(findings);
    }

    [Fact]
    public void HandWrittenErrors_CodeLiteralsAndProblemDetails_AreFound()
    {
        // The scan itself: it must see what the previous test forbids, and ignore comments.
        const string source = """
            /// <c>"kafka_unavailable"</c> in a doc comment is fine
            throw new GatewayException(503, "kafka_unavailable", "Kafka is unavailable", detail); // "topic_not_found"
            var p = new ProblemDetails { Extensions = { ["code"] = "made_up" } };
            var reason = $"not a code: {"invalid_json"}";
            """;

        var found = HandWrittenErrors(source);

        Assert.Equal(["kafka_unavailable", "new ProblemDetails", "[\"code\"] ="], found);
    }

    /// <summary>Catalogue codes spelled as literals, ProblemDetails built by hand, and hand-set <c>code</c> members.</summary>
    private static List<string> HandWrittenErrors(string source)
    {
        var codes = GatewayErrors.All.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);
        var found = new List<string>();
        foreach (var rawLine in source.Split('\n'))
        {
            var line = StripComment(rawLine);
            found.AddRange(StringLiteral().Matches(line).Select(m => m.Groups[1].Value).Where(codes.Contains));
            if (line.Contains("new ProblemDetails", StringComparison.Ordinal))
            {
                found.Add("new ProblemDetails");
            }

            if (line.Contains("[\"code\"] =", StringComparison.Ordinal))
            {
                found.Add("[\"code\"] =");
            }
        }

        return found;
    }

    private static string StripComment(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.StartsWith("//", StringComparison.Ordinal))
        {
            return "";
        }

        // A trailing comment: the first "//" outside a string literal.
        var inString = false;
        for (var i = 0; i < line.Length - 1; i++)
        {
            if (line[i] == '"' && (i == 0 || line[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && line[i] == '/' && line[i + 1] == '/')
            {
                return line[..i];
            }
        }

        return line;
    }

    /// <summary>"code status retry-after restproxy" of every row of README's Errors table ("-" for no Retry-After).</summary>
    private static List<string> ReadmeErrorRows()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root(), "README.md"));
        var start = Array.IndexOf(lines, "## Errors");
        Assert.True(start >= 0, "README.md has no '## Errors' section");
        var header = Array.FindIndex(lines, start, l => l.StartsWith("| `code` |", StringComparison.Ordinal));
        Assert.True(header > start, "the Errors section has no table starting with '| `code` |'");

        var rows = new List<string>();
        for (var i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            var cells = lines[i].Split('|').Select(c => c.Trim()).ToArray();
            Assert.True(cells.Length >= 6, $"README.md line {i + 1} is not a 5-column row: {lines[i]}");
            var retryAfter = cells[3].Length == 0 ? "-" : cells[3];
            rows.Add($"{cells[1].Trim('`')} {cells[2]} {retryAfter} {cells[4]}");
        }

        return rows;
    }

    [GeneratedRegex("\"([a-z]+(?:_[a-z]+)*)\"")]
    private static partial Regex StringLiteral();
}
