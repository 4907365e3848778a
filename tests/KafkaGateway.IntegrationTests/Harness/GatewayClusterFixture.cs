using System.Net.Http.Json;
using System.Text.Json;

namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>A harness cluster plus one gateway booted against it, shared by a test class.</summary>
public class GatewayClusterFixture : KafkaClusterFixture
{
    public const string SensorSchema =
        """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"}]}""";

    private GatewayFactory? _gateway;

    public GatewayFactory Gateway => _gateway ??= GatewayFactory.For(this, ExtraSettings());

    public HttpClient CreateClient() => Gateway.CreateClient();

    protected virtual Dictionary<string, string?> ExtraSettings() => [];

    public override async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>Registers <paramref name="schema"/> under <paramref name="subject"/> through the gateway's /registry and returns its id.</summary>
    public static async Task<int> RegisterSchemaAsync(HttpClient client, string subject, string schema)
    {
        var response = await client.PostAsJsonAsync($"/registry/subjects/{subject}/versions", new { schema });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"registering {subject}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
    }
}
