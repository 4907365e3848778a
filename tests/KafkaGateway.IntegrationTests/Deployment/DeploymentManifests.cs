using YamlDotNet.RepresentationModel;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>docker-compose.yml and deploy/kubernetes/*.yaml, parsed with YamlDotNet (anchors and merge keys resolved).</summary>
internal static class DeploymentManifests
{
    public static string ComposeFile => RepositoryFiles.PathOf("docker-compose.yml");

    public static IEnumerable<string> KubernetesFiles =>
        Directory.EnumerateFiles(RepositoryFiles.PathOf("deploy", "kubernetes"), "*.yaml").Order(StringComparer.Ordinal);

    public static IReadOnlyList<YamlMappingNode> Load(string file)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(file))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(document => (YamlMappingNode)document.RootNode).ToArray();
    }

    /// <summary>Every environment variable name the compose file sets for a service built from this repository.</summary>
    public static IReadOnlyList<(string Service, string Variable)> ComposeGatewayVariables()
    {
        var compose = Load(ComposeFile).Single();
        var services = (YamlMappingNode)compose["services"];
        var variables = new List<(string, string)>();
        foreach (var (name, node) in services.Children)
        {
            var service = Merged((YamlMappingNode)node);
            if (!service.Children.ContainsKey("build"))
            {
                continue;
            }

            foreach (var key in Merged((YamlMappingNode)service["environment"]).Children.Keys)
            {
                variables.Add((((YamlScalarNode)name).Value!, ((YamlScalarNode)key).Value!));
            }
        }

        return variables;
    }

    /// <summary>Environment variable names the Kubernetes manifests give the gateway: ConfigMap data and container env.</summary>
    public static IReadOnlyList<(string Source, string Variable)> KubernetesGatewayVariables()
    {
        var variables = new List<(string, string)>();
        foreach (var file in KubernetesFiles)
        {
            foreach (var document in Load(file))
            {
                var kind = Scalar(document, "kind");
                if (kind == "ConfigMap" && document.Children.TryGetValue("data", out var data))
                {
                    variables.AddRange(((YamlMappingNode)data).Children.Keys.Select(k => (Path.GetFileName(file), ((YamlScalarNode)k).Value!)));
                }

                if (kind == "Deployment")
                {
                    var containers = (YamlSequenceNode)document["spec"]["template"]["spec"]["containers"];
                    foreach (var container in containers.Cast<YamlMappingNode>())
                    {
                        if (container.Children.TryGetValue("env", out var env))
                        {
                            variables.AddRange(((YamlSequenceNode)env).Cast<YamlMappingNode>().Select(e => (Path.GetFileName(file), Scalar(e, "name")!)));
                        }
                    }
                }
            }
        }

        return variables;
    }

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? (value as YamlScalarNode)?.Value : null;

    /// <summary>The mapping with YAML merge keys (<c>&lt;&lt;: *anchor</c>) applied; the node's own keys win.</summary>
    public static YamlMappingNode Merged(YamlMappingNode node)
    {
        var result = new YamlMappingNode();
        if (node.Children.TryGetValue("<<", out var merge))
        {
            var sources = merge is YamlSequenceNode list ? list.Cast<YamlMappingNode>() : [(YamlMappingNode)merge];
            foreach (var source in sources)
            {
                foreach (var (key, value) in Merged(source).Children)
                {
                    result.Children[key] = value;
                }
            }
        }

        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode { Value: "<<" })
            {
                continue;
            }

            result.Children[key] = value;
        }

        return result;
    }
}
