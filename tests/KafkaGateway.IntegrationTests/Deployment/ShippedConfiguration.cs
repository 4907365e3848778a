using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>The gateway's container as a shipped file describes it: its environment, its mounts, who it runs as.</summary>
/// <param name="Name">e.g. <c>compose:gateway</c> or <c>kubernetes</c>.</param>
/// <param name="Environment">The variables the manifest gives the container, interpolated (compose) or resolved from Secrets (Kubernetes).</param>
/// <param name="Mounts">What the container sees at which path.</param>
/// <param name="ReadOnlyRootFilesystem">Whether everything outside the writable mounts is read-only.</param>
/// <param name="Probes">Health paths the platform calls over HTTPS (Kubernetes probes; compose relies on the image's HEALTHCHECK).</param>
internal sealed record ShippedContainer(
    string Name, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<ShippedMount> Mounts, bool ReadOnlyRootFilesystem, IReadOnlyList<string> Probes)
{
    /// <summary>Paths the container may write to.</summary>
    public IEnumerable<string> WritablePaths => Mounts.Where(m => !m.ReadOnly).Select(m => m.ContainerPath).Order(StringComparer.Ordinal);
}

/// <summary>A mount: the container path and what backs it.</summary>
/// <param name="ContainerPath">e.g. <c>/certs</c>.</param>
/// <param name="Kind"><c>bind</c> (compose host folder), <c>volume</c> (compose named volume), <c>tmpfs</c>, <c>secret</c>, <c>emptyDir</c>.</param>
/// <param name="Source">The host folder (relative to the repository), the volume or the Secret name.</param>
/// <param name="ReadOnly">Mounted read-only.</param>
internal sealed record ShippedMount(string ContainerPath, string Kind, string Source, bool ReadOnly);

/// <summary>The runtime stage of the Dockerfile: what the image runs and how.</summary>
internal sealed record DockerfileRuntime(
    IReadOnlyDictionary<string, string> Environment, string WorkDir, string User, IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> HealthCheck, IReadOnlyList<string> Volumes);

/// <summary>
/// Reads the shipped deployment files (docker-compose.yml, deploy/kubernetes, the Dockerfile and the README's
/// <c>kubectl create secret</c> commands) the way Docker, Kubernetes and a reader following the README would.
/// </summary>
internal static partial class ShippedConfiguration
{
    /// <summary>The compose service <paramref name="service"/>, its <c>${VAR}</c> references taken from <paramref name="dotEnv"/> as compose does.</summary>
    public static ShippedContainer ComposeService(string service, IReadOnlyDictionary<string, string> dotEnv)
    {
        var compose = DeploymentManifests.Load(DeploymentManifests.ComposeFile).Single();
        var node = DeploymentManifests.Merged((YamlMappingNode)((YamlMappingNode)compose["services"])[service]);
        var environment = DeploymentManifests.Merged((YamlMappingNode)node["environment"]).Children.ToDictionary(
            pair => ((YamlScalarNode)pair.Key).Value!,
            pair => Interpolate(((YamlScalarNode)pair.Value).Value ?? "", dotEnv),
            StringComparer.Ordinal);
        var mounts = new List<ShippedMount>();
        foreach (var volume in ((YamlSequenceNode)node["volumes"]).Cast<YamlScalarNode>().Select(v => v.Value!))
        {
            var parts = volume.Split(':');
            var bind = parts[0].StartsWith('.') || parts[0].StartsWith('/');
            mounts.Add(new ShippedMount(parts[1], bind ? "bind" : "volume", parts[0], parts.Length > 2 && parts[2].Split(',').Contains("ro")));
        }

        if (node.Children.TryGetValue("tmpfs", out var tmpfs))
        {
            mounts.AddRange(((YamlSequenceNode)tmpfs).Cast<YamlScalarNode>().Select(t => new ShippedMount(t.Value!.Split(':')[0], "tmpfs", "", false)));
        }

        return new ShippedContainer($"compose:{service}", environment, mounts, DeploymentManifests.Scalar(node, "read_only") == "true", []);
    }

    /// <summary>
    /// The gateway container of deploy/kubernetes/deployment.yaml: the ConfigMap it takes with <c>envFrom</c>, its
    /// <c>env</c> with <c>secretKeyRef</c>s resolved from <paramref name="secrets"/> (Secret name, then key).
    /// </summary>
    public static ShippedContainer KubernetesGateway(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets)
    {
        var documents = DeploymentManifests.KubernetesFiles.SelectMany(DeploymentManifests.Load).ToArray();
        var deployment = documents.Single(d => DeploymentManifests.Scalar(d, "kind") == "Deployment");
        var pod = (YamlMappingNode)deployment["spec"]["template"]["spec"];
        var container = ((YamlSequenceNode)pod["containers"]).Cast<YamlMappingNode>().Single(c => DeploymentManifests.Scalar(c, "name") == "gateway");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in ((YamlSequenceNode)container["envFrom"]).Cast<YamlMappingNode>())
        {
            var name = DeploymentManifests.Scalar((YamlMappingNode)source["configMapRef"], "name");
            var configMap = documents.Single(d => DeploymentManifests.Scalar(d, "kind") == "ConfigMap"
                && DeploymentManifests.Scalar((YamlMappingNode)d["metadata"], "name") == name);
            foreach (var (key, value) in ((YamlMappingNode)configMap["data"]).Children)
            {
                environment[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value ?? "";
            }
        }

        foreach (var variable in ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>())
        {
            var name = DeploymentManifests.Scalar(variable, "name")!;
            if (DeploymentManifests.Scalar(variable, "value") is { } value)
            {
                environment[name] = value;
                continue;
            }

            var reference = (YamlMappingNode)variable["valueFrom"]["secretKeyRef"];
            var secret = DeploymentManifests.Scalar(reference, "name")!;
            var key = DeploymentManifests.Scalar(reference, "key")!;
            if (!secrets.TryGetValue(secret, out var data) || !data.TryGetValue(key, out var resolved))
            {
                throw new InvalidOperationException($"deployment.yaml: {name} comes from key {key} of the Secret {secret}, which the README's kubectl commands do not create.");
            }

            environment[name] = resolved;
        }

        var volumes = ((YamlSequenceNode)pod["volumes"]).Cast<YamlMappingNode>().ToDictionary(v => DeploymentManifests.Scalar(v, "name")!, StringComparer.Ordinal);
        var mounts = new List<ShippedMount>();
        foreach (var mount in ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>())
        {
            var volume = volumes[DeploymentManifests.Scalar(mount, "name")!];
            var (kind, source) = volume.Children.TryGetValue("secret", out var secret)
                ? ("secret", DeploymentManifests.Scalar((YamlMappingNode)secret, "secretName")!)
                : volume.Children.ContainsKey("emptyDir") ? ("emptyDir", "") : ("unknown", "");
            mounts.Add(new ShippedMount(DeploymentManifests.Scalar(mount, "mountPath")!, kind, source, DeploymentManifests.Scalar(mount, "readOnly") == "true"));
        }

        var securityContext = (YamlMappingNode)container["securityContext"];
        var probes = new[] { "startupProbe", "livenessProbe", "readinessProbe" }
            .Select(p => (YamlMappingNode)((YamlMappingNode)container[p])["httpGet"])
            .Select(get => $"{DeploymentManifests.Scalar(get, "scheme")}:{DeploymentManifests.Scalar(get, "path")}")
            .ToArray();
        return new ShippedContainer("kubernetes", environment, mounts, DeploymentManifests.Scalar(securityContext, "readOnlyRootFilesystem") == "true", probes);
    }

    /// <summary>The pod's <c>securityContext</c> value <paramref name="key"/> (e.g. <c>runAsUser</c>).</summary>
    public static string? KubernetesPodSecurity(string key)
    {
        var deployment = DeploymentManifests.KubernetesFiles.SelectMany(DeploymentManifests.Load).Single(d => DeploymentManifests.Scalar(d, "kind") == "Deployment");
        return DeploymentManifests.Scalar((YamlMappingNode)deployment["spec"]["template"]["spec"]["securityContext"], key);
    }

    /// <summary>The Dockerfile's last stage (the image that runs).</summary>
    public static DockerfileRuntime Dockerfile()
    {
        var lines = LogicalLines(File.ReadAllText(RepositoryFiles.PathOf("Dockerfile")));
        var runtime = lines.SkipWhile((_, i) => i < lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToArray();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        string workDir = "/", user = "root";
        string[] entrypoint = [], healthCheck = [], volumes = [];
        foreach (var line in runtime)
        {
            var (instruction, rest) = (line.Split(' ', 2)[0], line.Contains(' ', StringComparison.Ordinal) ? line.Split(' ', 2)[1].Trim() : "");
            switch (instruction)
            {
                case "ENV":
                    foreach (var assignment in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var pair = assignment.Split('=', 2);
                        environment[pair[0]] = pair.Length > 1 ? pair[1] : "";
                    }

                    break;
                case "WORKDIR":
                    workDir = rest;
                    break;
                case "USER":
                    user = rest;
                    break;
                case "ENTRYPOINT":
                    entrypoint = JsonSerializer.Deserialize<string[]>(rest)!;
                    break;
                case "VOLUME":
                    volumes = JsonSerializer.Deserialize<string[]>(rest)!;
                    break;
                case "HEALTHCHECK":
                    healthCheck = JsonSerializer.Deserialize<string[]>(rest[(rest.IndexOf("CMD ", StringComparison.Ordinal) + 4)..])!;
                    break;
            }
        }

        return new DockerfileRuntime(environment, workDir, user, entrypoint, healthCheck, volumes);
    }

    /// <summary>
    /// The Secrets the README's Kubernetes section creates: <c>kubectl ... create secret generic NAME</c> with
    /// <c>--from-file=PATH</c> (one file each, named after the file) or <c>--from-env-file=PATH</c> (KEY=value lines).
    /// README paths under <c>deploy/certs/out/</c> are read from <paramref name="certificatesFolder"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ReadmeSecrets(string certificatesFolder, out IReadOnlyDictionary<string, IReadOnlyList<string>> files)
    {
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var fileLists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var line in ReadmeCurlExamples.CodeBlockLines(File.ReadAllText(RepositoryFiles.PathOf("README.md"))))
        {
            if (KubectlCreateSecret().Match(line) is not { Success: true } match)
            {
                continue;
            }

            string Local(string path) => path.StartsWith("deploy/certs/out/", StringComparison.Ordinal)
                ? Path.Combine(certificatesFolder, path["deploy/certs/out/".Length..])
                : throw new InvalidOperationException($"README: {path} is not under deploy/certs/out/ ({line})");
            var data = new Dictionary<string, string>(StringComparer.Ordinal);
            var paths = new List<string>();
            foreach (Match option in SecretSource().Matches(line))
            {
                var path = Local(option.Groups["path"].Value);
                if (option.Groups["kind"].Value == "file")
                {
                    paths.Add(path);
                    data[Path.GetFileName(path)] = File.ReadAllText(path);
                }
                else
                {
                    foreach (var pair in File.ReadAllLines(path).Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l.Split('=', 2)))
                    {
                        data[pair[0]] = pair[1];
                    }
                }
            }

            secrets[match.Groups["name"].Value] = data;
            fileLists[match.Groups["name"].Value] = paths;
        }

        files = fileLists;
        return secrets;
    }

    /// <summary>KEY=value lines of an env file such as .env.</summary>
    public static IReadOnlyDictionary<string, string> ReadEnvFile(string path) =>
        File.ReadAllLines(path).Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>Compose's interpolation: <c>${VAR}</c>, <c>${VAR:-default}</c>, <c>${VAR:?error}</c> (fails like compose when unset), <c>$$</c>.</summary>
    public static string Interpolate(string value, IReadOnlyDictionary<string, string> variables) =>
        ComposeVariable().Replace(value, match =>
        {
            if (match.Value == "$$")
            {
                return "$";
            }

            var name = match.Groups["name"].Value;
            var found = variables.TryGetValue(name, out var text) && text.Length > 0;
            return match.Groups["op"].Value switch
            {
                ":-" or "-" => found ? text! : match.Groups["arg"].Value,
                ":?" or "?" => found ? text! : throw new InvalidOperationException($"compose would refuse to start: {name}: {match.Groups["arg"].Value}"),
                _ => text ?? "",
            };
        });

    // Dockerfile lines with backslash continuations joined; comments and blank lines dropped.
    private static List<string> LogicalLines(string dockerfile)
    {
        var lines = new List<string>();
        var pending = "";
        foreach (var raw in dockerfile.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (raw.TrimStart().StartsWith('#') || (raw.Trim().Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (raw.EndsWith('\\'))
            {
                pending += raw[..^1].Trim() + " ";
                continue;
            }

            lines.Add((pending + raw.Trim()).Trim());
            pending = "";
        }

        return lines;
    }

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?[-?])(?<arg>[^}]*))?\}")]
    private static partial Regex ComposeVariable();

    [GeneratedRegex(@"kubectl\s.*\bcreate secret generic (?<name>[a-z0-9.-]+)")]
    private static partial Regex KubectlCreateSecret();

    [GeneratedRegex(@"--from-(?<kind>file|env-file)=(?<path>\S+)")]
    private static partial Regex SecretSource();
}
