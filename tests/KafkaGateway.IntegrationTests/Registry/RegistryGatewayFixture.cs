using KafkaGateway.IntegrationTests.Harness;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>One harness cluster and one gateway with the built-in registry, shared by a test class; tests use unique subjects.</summary>
public sealed class RegistryGatewayFixture : IAsyncLifetime
{
    public KafkaClusterFixture Cluster { get; } = new();

    public GatewayFactory Gateway { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Gateway = RegistryTestHost.Gateway(Cluster);
        Client = Gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
