using YamlDotNet.RepresentationModel;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>The compose file and Kubernetes manifests parse and configure only settings the gateway has.</summary>
public sealed class DeploymentManifestTests
{
    public static TheoryData<string> ManifestFiles()
    {
        var files = new TheoryData<string>();
        files.Add("docker-compose.yml");
        foreach (var file in DeploymentManifests.KubernetesFiles)
        {
            files.Add(Path.GetRelativePath(RepositoryFiles.Root, file));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Load_EveryManifest_ParsesAsYamlMappings(string relativePath)
    {
        var documents = DeploymentManifests.Load(RepositoryFiles.PathOf(relativePath));

        Assert.NotEmpty(documents);
        Assert.All(documents, document => Assert.NotEmpty(document.Children));
    }

    [Fact]
    public void KubernetesFiles_AllResources_AreListedInKustomization()
    {
        var kustomization = DeploymentManifests.Load(RepositoryFiles.PathOf("deploy", "kubernetes", "kustomization.yaml")).Single();
        var listed = ((YamlSequenceNode)kustomization["resources"]).Select(node => ((YamlScalarNode)node).Value).ToHashSet();

        var resources = DeploymentManifests.KubernetesFiles.Select(Path.GetFileName).Where(name => name != "kustomization.yaml");

        Assert.All(resources, name => Assert.Contains(name, listed));
        Assert.All(listed, name => Assert.True(File.Exists(RepositoryFiles.PathOf("deploy", "kubernetes", name!)), $"{name} is listed but missing"));
    }

    [Fact]
    public void ComposeGatewayEnvironment_EveryVariable_BindsToAnExistingSetting()
    {
        var variables = DeploymentManifests.ComposeGatewayVariables();

        Assert.Contains(variables, v => v.Service == "gateway" && v.Variable == "Kafka__Tls__KeyStoreLocation");
        Assert.Contains(variables, v => v.Service == "gateway-confluent-sr" && v.Variable == "SchemaRegistry__Url");
        Assert.Empty(variables.Select(v => GatewaySettingNames.Problem(v.Variable) is { } problem ? $"{v.Service}: {problem}" : null).OfType<string>());
    }

    [Fact]
    public void ComposeConfluentSrProfile_RegistryTopics_OnlyConfluentWritesItsTopic()
    {
        var services = (YamlMappingNode)DeploymentManifests.Load(DeploymentManifests.ComposeFile).Single()["services"];
        string? Env(string service, string variable) =>
            DeploymentManifests.Scalar(DeploymentManifests.Merged((YamlMappingNode)DeploymentManifests.Merged((YamlMappingNode)services[service])["environment"]), variable);

        var confluentTopic = Env("schema-registry", "SCHEMA_REGISTRY_KAFKASTORE_TOPIC") ?? "_schemas";
        var builtInTopic = Env("gateway", "SchemaRegistry__Topic") ?? "_schemas";

        // The default gateway runs the built-in registry (no URL); it must write another topic than Confluent's.
        Assert.True(string.IsNullOrEmpty(Env("gateway", "SchemaRegistry__Url")));
        Assert.NotEqual(confluentTopic, builtInTopic);
        // The profile's gateway forwards to Confluent (no built-in registry runs) and reserves Confluent's topic.
        Assert.Equal("http://schema-registry:8081", Env("gateway-confluent-sr", "SchemaRegistry__Url"));
        Assert.Equal(confluentTopic, Env("gateway-confluent-sr", "SchemaRegistry__Topic"));
        // Both gateways share the Kafka cluster: each reserves the other registry's topic too, so no request through
        // either can write a record into a registry topic.
        Assert.Equal(confluentTopic, Env("gateway", "SchemaRegistry__ReservedTopics__0"));
        Assert.Equal(builtInTopic, Env("gateway-confluent-sr", "SchemaRegistry__ReservedTopics__0"));
    }

    [Fact]
    public void KubernetesGatewayEnvironment_EveryVariable_BindsToAnExistingSetting()
    {
        var variables = DeploymentManifests.KubernetesGatewayVariables();

        Assert.Contains(variables, v => v.Variable == "Kafka__BootstrapServers");
        Assert.Contains(variables, v => v.Variable == "Kafka__Tls__KeyStorePassword");
        Assert.Empty(variables.Select(v => GatewaySettingNames.Problem(v.Variable) is { } problem ? $"{v.Source}: {problem}" : null).OfType<string>());
    }

    [Theory]
    [InlineData("Kafka__Tls__KeystoreLocaton")]
    [InlineData("Kafka__Tls")]
    [InlineData("Kafka__Bootstrap")]
    [InlineData("Producer__LingerMilliseconds__Extra")]
    [InlineData("Producer__LingerMs")]
    [InlineData("Kafka__Identities__apikey.alice")]
    [InlineData("Kestrel__Certificates__Default__PrivateKey")]
    [InlineData("Gatway__DataDirectory")]
    [InlineData("ASPNETCORE_URL")]
    [InlineData("Security__Authentication__ApiKeys__Name")]
    [InlineData("Security__Authentication__ApiKeys__0__Hash")]
    [InlineData("Security__Authorization__Rules__0__Permissions__0__Name")]
    public void Problem_MisspelledOrMisplacedName_IsReported(string variable)
    {
        Assert.NotNull(GatewaySettingNames.Problem(variable));
    }

    [Theory]
    [InlineData("Kafka__Properties__socket.keepalive.enable")]
    [InlineData("SchemaRegistry__Tls__KeyStoreLocation")]
    [InlineData("Producer__LingerMilliseconds")]
    [InlineData("Kafka__Identities__apikey.alice__KeyStoreLocation")]
    [InlineData("Gateway__TopicFormats__Topics__audit-log")]
    [InlineData("Serilog__MinimumLevel__Override__Microsoft.AspNetCore")]
    [InlineData("kafka__tls__calocation")]
    [InlineData("Security__Authentication__ApiKeys__0__Sha256")]
    [InlineData("Security__Authorization__Rules__1__Permissions__4")]
    [InlineData("Security__Authentication__ClientCertificates__CaLocation")]
    public void Problem_ExistingSetting_IsNull(string variable)
    {
        Assert.Null(GatewaySettingNames.Problem(variable));
    }
}
