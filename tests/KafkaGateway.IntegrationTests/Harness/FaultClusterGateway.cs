using KafkaGateway.Producing;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// A gateway on a mock cluster of the test class's own, for tests that inject broker faults (faults must not leak
/// into other tests). Topics default to plain JSON, so the tests need no schema; <paramref name="settings"/> come on top.
/// </summary>
public abstract class FaultClusterGateway(IReadOnlyDictionary<string, string?> settings) : IAsyncLifetime
{
    private GatewayFactory? _gateway;
    private HttpClient? _client;

    protected KafkaClusterFixture Cluster { get; } = new();

    protected GatewayFactory Gateway => _gateway ?? throw new InvalidOperationException("The gateway starts in InitializeAsync.");

    protected HttpClient Client => _client ?? throw new InvalidOperationException("The gateway starts in InitializeAsync.");

    protected ProducerPool Pool => Gateway.Services.GetRequiredService<ProducerPool>();

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        var all = new Dictionary<string, string?>(settings) { ["Gateway:TopicFormats:Default"] = "json" };
        _gateway = GatewayFactory.For(Cluster, all);
        _client = _gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    /// <summary>POSTs a produce request body (JSON) to the topic's records.</summary>
    protected Task<HttpResponseMessage> PostRecords(string topic, string json) =>
        Client.PostAsync(new Uri($"/topics/{topic}/records", UriKind.Relative), Producing.ProduceTests.Json(json));
}
