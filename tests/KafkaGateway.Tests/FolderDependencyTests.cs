using System.Text.RegularExpressions;

namespace KafkaGateway.Tests;

/// <summary>
/// The folders of src/KafkaGateway form a graph without cycles: shared plumbing at the bottom, features above it,
/// hosting on top (docs/architecture.md draws it). A scan of the sources finds every reference from one folder to a
/// type or extension method declared in another (through a <c>using</c>, the enclosing namespace or a qualified
/// name); each must be allowed by <see cref="s_allowed"/>, and that table must itself be acyclic.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private const string Root = "(root)";

    // Bottom to top. A folder may use the folders listed for it, nothing else; features never use each other.
    private static readonly string[] s_plumbing = ["Http", "Tls", "Kafka", "Security", "Observability", "Schemas"];
    private static readonly string[] s_features = ["Producing", "Streaming", "Admin"];

    private static readonly Dictionary<string, string[]> s_allowed = new(StringComparer.Ordinal)
    {
        ["Http"] = [],
        ["Tls"] = ["Http"],
        ["Kafka"] = ["Http", "Tls"],
        ["Security"] = ["Http", "Tls", "Kafka"],
        ["Observability"] = ["Http", "Security"],
        ["Schemas"] = ["Http", "Tls", "Kafka", "Security", "Observability"],
        ["Producing"] = s_plumbing,
        ["Streaming"] = s_plumbing,
        ["Admin"] = s_plumbing,
        // On top: the host and the API document (Swagger describes every feature's operations).
        ["Hosting"] = [.. s_plumbing, .. s_features],
        ["ApiDocument"] = [.. s_plumbing, .. s_features],
        [Root] = [.. s_plumbing, .. s_features, "Hosting", "ApiDocument"],
    };

    [Fact]
    public void Sources_ReferencesBetweenFolders_FollowTheAllowedLayering()
    {
        var graph = Scan(SourceFiles());

        var unknownFolders = graph.Folders.Select(TopLevel).Where(f => !s_allowed.ContainsKey(f)).Distinct(StringComparer.Ordinal).ToList();
        var forbidden = graph.Edges
            .Where(e => TopLevel(e.From) != TopLevel(e.To) && s_allowed.GetValueOrDefault(TopLevel(e.From))?.Contains(TopLevel(e.To)) != true)
            .Select(e => $"{TopLevel(e.From)} -> {TopLevel(e.To)}: {e.File} uses {e.Symbol}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(unknownFolders.Count == 0, $"Folders missing from the layering table: {string.Join(", ", unknownFolders)}");
        Assert.True(forbidden.Count == 0, "References against the layering (docs/architecture.md):\n" + string.Join("\n", forbidden));
    }

    [Fact]
    public void Sources_SubfolderGraph_HasNoCycle()
    {
        // Within a folder too (Schemas, Schemas/Registry, Schemas/Compatibility): no two subfolders use each other.
        var graph = Scan(SourceFiles());

        var cycles = Cycles(graph.Edges.Select(e => (e.From, e.To)));

        Assert.True(cycles.Count == 0, "Folder cycles: " + string.Join("; ", cycles.Select(c => string.Join(" <-> ", c))));
    }

    [Fact]
    public void LayeringTable_IsAcyclic()
    {
        var edges = s_allowed.SelectMany(entry => entry.Value.Select(to => (entry.Key, to)));

        Assert.Empty(Cycles(edges));
    }

    [Fact]
    public void Scan_FindsUsingsQualifiedNamesAndExtensionMethods_NotCommentsStringsOrPrivateTypes()
    {
        // The scan itself: a test that found nothing would pass on any tree.
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Low/Thing.cs"] = """
                namespace KafkaGateway.Low;
                public sealed class LowThing;
                public static class LowExtensions { public static int Twice(this int value) => value * 2; }
                internal sealed class Holder { private sealed class Hidden; }
                """,
            ["High/ByUsing.cs"] = """
                using KafkaGateway.Low;
                namespace KafkaGateway.High;
                public sealed class ByUsing { public LowThing? Thing { get; init; } }
                """,
            ["Mid/ByName.cs"] = """
                namespace KafkaGateway.Mid;
                // LowThing in a comment, "LowThing" in a string, and Hidden (private) do not count.
                public sealed class ByName { public object Make() => new Low.LowThing(); public string S => "Hidden"; }
                """,
            ["Other/ByExtension.cs"] = """
                using KafkaGateway.Low;
                namespace KafkaGateway.Other;
                public sealed class ByExtension { public int Of(int x) => x.Twice(); }
                """,
            ["Quiet/NoUse.cs"] = """
                namespace KafkaGateway.Quiet;
                // KafkaGateway.Low.LowThing is only mentioned here.
                public sealed class NoUse { public string Name => "LowThing"; }
                """,
        };

        var edges = Scan(files).Edges.Select(e => $"{e.From} -> {e.To} ({e.Symbol})").Order(StringComparer.Ordinal);

        Assert.Equal(["High -> Low (LowThing)", "Mid -> Low (Low.LowThing)", "Other -> Low (Twice())"], edges);
    }

    [Fact]
    public void Scan_OfTheSources_SeesTheKnownEdges()
    {
        var edges = Scan(SourceFiles()).Edges.Select(e => (TopLevel(e.From), TopLevel(e.To))).ToHashSet();

        // Every feature builds on the catalogue and on Kafka; if these vanish, the scan is broken, not the code fixed.
        Assert.Contains(("Producing", "Http"), edges);
        Assert.Contains(("Producing", "Kafka"), edges);
        Assert.Contains(("Streaming", "Kafka"), edges);
        Assert.Contains(("Admin", "Security"), edges);
    }

    private sealed record Edge(string From, string To, string File, string Symbol);

    private sealed record Graph(IReadOnlyCollection<string> Folders, IReadOnlyCollection<Edge> Edges);

    private static string TopLevel(string folder) => folder.Split('/')[0];

    /// <summary>Relative path (with '/') to source text of every .cs file under src/KafkaGateway.</summary>
    private static Dictionary<string, string> SourceFiles()
    {
        var root = Path.Combine(RepositoryPaths.Root(), "src", "KafkaGateway");
        var separator = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal)
                && !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);
    }

    private static Graph Scan(IReadOnlyDictionary<string, string> files)
    {
        var parsed = files.Select(file =>
        {
            var code = StripCommentsAndStrings(file.Value);
            var slash = file.Key.LastIndexOf('/');
            var folder = slash < 0 ? Root : file.Key[..slash];
            var ns = NamespaceDeclaration().Match(code) is { Success: true } m ? m.Groups[1].Value : "";
            var usings = UsingDirective().Matches(code).Select(u => u.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            var body = UsingDirective().Replace(code, "");
            return (Path: file.Key, Folder: folder, Namespace: ns, Usings: usings, Body: body);
        }).ToList();

        var types = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var namespaceFolders = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in parsed)
        {
            foreach (Match declaration in TypeDeclaration().Matches(file.Body))
            {
                if (!declaration.Groups["modifiers"].Value.Contains("private", StringComparison.Ordinal))
                {
                    Add(types, declaration.Groups["name"].Value, file.Folder);
                }
            }

            foreach (Match extension in ExtensionMethod().Matches(file.Body))
            {
                Add(extensions, extension.Groups[1].Value, file.Folder);
            }

            Add(namespaceFolders, file.Namespace, file.Folder);
        }

        var edges = new HashSet<Edge>();
        foreach (var file in parsed)
        {
            var parts = file.Namespace.Split('.', StringSplitOptions.RemoveEmptyEntries);
            var visible = new HashSet<string>(file.Usings, StringComparer.Ordinal);
            for (var i = 1; i <= parts.Length; i++)
            {
                visible.Add(string.Join('.', parts[..i]));
            }

            // Namespaces outside the gateway's (Microsoft.AspNetCore.Builder) are visible everywhere through implicit usings.
            visible.UnionWith(namespaceFolders.Keys.Where(n => !n.StartsWith("KafkaGateway", StringComparison.Ordinal)));
            var visibleFolders = visible.SelectMany(n => namespaceFolders.GetValueOrDefault(n) ?? []).ToHashSet(StringComparer.Ordinal);
            var own = (string name) => types.GetValueOrDefault(name)?.Contains(file.Folder) == true;

            foreach (var name in Identifier().Matches(file.Body).Select(m => m.Value).Distinct(StringComparer.Ordinal))
            {
                if (own(name))
                {
                    continue;
                }

                foreach (var folder in types.GetValueOrDefault(name) ?? [])
                {
                    if (folder != file.Folder && visibleFolders.Contains(folder))
                    {
                        edges.Add(new Edge(file.Folder, folder, file.Path, name));
                    }
                }

                foreach (var folder in extensions.GetValueOrDefault(name) ?? [])
                {
                    if (folder != file.Folder && visibleFolders.Contains(folder)
                        && Regex.IsMatch(file.Body, $@"\.\s*{name}\b", RegexOptions.None, TimeSpan.FromSeconds(5)))
                    {
                        edges.Add(new Edge(file.Folder, folder, file.Path, name + "()"));
                    }
                }
            }

            // Qualified names: Http.GatewayErrors, KafkaGateway.Http.GatewayErrors, Registry.X from inside KafkaGateway.Schemas.
            foreach (var chain in QualifiedName().Matches(file.Body).Select(m => m.Value.Split('.')))
            {
                for (var i = 1; i < chain.Length; i++)
                {
                    var prefix = string.Join('.', chain[..i]);
                    var name = chain[i];
                    var candidates = new[] { prefix }.Concat(Enumerable.Range(1, parts.Length).Select(j => string.Join('.', parts[..j]) + "." + prefix));
                    foreach (var folder in candidates.SelectMany(c => namespaceFolders.GetValueOrDefault(c) ?? []))
                    {
                        if (folder != file.Folder && (types.GetValueOrDefault(name)?.Contains(folder) == true || extensions.GetValueOrDefault(name)?.Contains(folder) == true))
                        {
                            edges.Add(new Edge(file.Folder, folder, file.Path, prefix + "." + name));
                        }
                    }
                }
            }
        }

        return new Graph(parsed.Select(p => p.Folder).ToHashSet(StringComparer.Ordinal), edges);
    }

    /// <summary>Groups of two or more nodes that reach each other (Tarjan's strongly connected components).</summary>
    private static List<List<string>> Cycles(IEnumerable<(string From, string To)> edges)
    {
        var next = edges.Where(e => e.From != e.To).GroupBy(e => e.From, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next.GetValueOrDefault(node) ?? [])
            {
                if (index.TryGetValue(to, out var visited))
                {
                    if (onStack.Contains(to))
                    {
                        low[node] = Math.Min(low[node], visited);
                    }
                }
                else
                {
                    Visit(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    found.Add([.. component.Order(StringComparer.Ordinal)]);
                }
            }
        }

        foreach (var node in next.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return found;
    }

    private static void Add(Dictionary<string, HashSet<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var set))
        {
            map[key] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        set.Add(value);
    }

    private static string StripCommentsAndStrings(string source)
    {
        var code = BlockComment().Replace(source, " ");
        code = RawString().Replace(code, "\"\"");
        code = VerbatimString().Replace(code, "\"\"");
        code = RegularString().Replace(code, "\"\"");
        return LineComment().Replace(code, "");
    }

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex("\\$*\"\"\"+.*?\"\"\"+", RegexOptions.Singleline)]
    private static partial Regex RawString();

    [GeneratedRegex("\\$?@\\$?\"(?:[^\"]|\"\")*\"")]
    private static partial Regex VerbatimString();

    [GeneratedRegex("\\$?\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])'")]
    private static partial Regex RegularString();

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?([\w.]+)\s*;[^\n]*\n?", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<modifiers>(?:\b(?:public|internal|private|protected|file|sealed|static|abstract|partial|readonly|ref)\s+)*)\b(?:record\s+(?:struct|class)|class|record|struct|interface|enum)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\b([A-Z]\w*)\s*(?:<[^>()]*>)?\s*\(\s*this\s")]
    private static partial Regex ExtensionMethod();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"\b[A-Z]\w*(?:\.[A-Z]\w*)+")]
    private static partial Regex QualifiedName();
}
