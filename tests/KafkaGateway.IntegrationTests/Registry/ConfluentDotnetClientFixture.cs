using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Confluent.SchemaRegistry;
using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// One harness cluster and one gateway (built-in registry, API-key authentication, no anonymous access) on a real
/// Kestrel socket: Confluent's <see cref="CachedSchemaRegistryClient"/> takes a URL, not an in-memory handler.
/// </summary>
public sealed class ConfluentDotnetClientFixture : IAsyncLifetime
{
    public const string KeyName = "registry-client";

    public static readonly string Key = "key-" + KeyName + "-0123456789abcdef";

    public KafkaClusterFixture Cluster { get; } = new();

    public GatewayFactory Gateway { get; private set; } = null!;

    /// <summary>The gateway's base address (http://127.0.0.1:port/).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>What Confluent clients are configured with: the gateway's <c>/registry</c>.</summary>
    public string RegistryUrl => new Uri(BaseUrl, "registry").ToString();

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Gateway = RegistryTestHost.Gateway(Cluster, extra: new Dictionary<string, string?>
        {
            ["Security:AllowAnonymous"] = "false",
            ["Security:Authentication:ApiKeys:0:Name"] = KeyName,
            ["Security:Authentication:ApiKeys:0:Sha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Key))),
            ["Security:Authorization:Rules:0:Principal"] = KeyName,
            ["Security:Authorization:Rules:0:Topics:0"] = "*",
            ["Security:Authorization:Rules:0:Permissions:0"] = "produce",
            ["Security:Authorization:Rules:0:Permissions:1"] = "consume",
            ["Security:Authorization:Rules:0:Permissions:2"] = "admin",
            ["Security:Authorization:Rules:0:Permissions:3"] = "schemas:write",
            ["Security:Authorization:Rules:0:Permissions:4"] = "cluster",
        });
        BaseUrl = RegistryTestHost.StartOnRealPort(Gateway);
    }

    /// <summary>Confluent's registry client, authenticating with HTTP Basic (key name : API key) as Confluent Cloud API keys do.</summary>
    public CachedSchemaRegistryClient RegistryClient(string? userInfo = null) => new(new SchemaRegistryConfig
    {
        Url = RegistryUrl,
        BasicAuthCredentialsSource = AuthCredentialsSource.UserInfo,
        BasicAuthUserInfo = userInfo ?? $"{KeyName}:{Key}",
        // 2.16 counts attempts here: 0 would send nothing (and fail with a NullReferenceException).
        MaxRetries = 1,
    });

    /// <summary>A plain HTTP client to the gateway's real socket, with the same credentials.</summary>
    public HttpClient Http()
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{KeyName}:{Key}")));
        return client;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
