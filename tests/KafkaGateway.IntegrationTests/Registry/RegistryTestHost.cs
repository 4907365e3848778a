using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using KafkaGateway.IntegrationTests.Harness;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>Registry test helpers: a gateway with a registry topic of its own, and Confluent-shaped requests.</summary>
internal static class RegistryTestHost
{
    public const string V1 = "application/vnd.schemaregistry.v1+json";

    public const string Sensor =
        """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"}]}""";

    /// <summary>Sensor plus a field with a default: backward compatible.</summary>
    public const string SensorWithUnit =
        """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"},{"name":"unit","type":"string","default":"C"}]}""";

    /// <summary>Sensor plus a field without a default: not backward compatible.</summary>
    public const string SensorWithRequiredUnit =
        """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},{"name":"id","type":"string"},{"name":"value","type":"double"},{"name":"unit","type":"string"}]}""";

    public static string NewTopic() => $"_schemas-{Guid.NewGuid():N}";

    public static string NewSubject() => $"s-{Guid.NewGuid():N}-value";

    public static GatewayFactory Gateway(KafkaClusterFixture cluster, string? topic = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["SchemaRegistry:Topic"] = topic ?? NewTopic() };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return GatewayFactory.For(cluster, settings);
    }

    /// <summary>Starts <paramref name="gateway"/> on a real Kestrel socket and returns its base address.</summary>
    public static Uri StartOnRealPort(GatewayFactory gateway)
    {
        gateway.UseKestrel();
        gateway.StartServer();
        var addresses = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First());
    }

    public static StringContent Json(string json, string mediaType = V1) =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));

    public static StringContent SchemaBody(string schema, string? schemaType = null) =>
        Json(schemaType is null
            ? JsonSerializer.Serialize(new { schema })
            : JsonSerializer.Serialize(new { schema, schemaType }));

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpClient client, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<int> RegisterAsync(HttpClient client, string subject, string schema)
    {
        var (status, body) = await SendAsync(client, HttpMethod.Post, $"/registry/subjects/{subject}/versions", SchemaBody(schema));
        Assert.True(status == HttpStatusCode.OK, $"register answered {(int)status}: {body}");
        return body.GetProperty("id").GetInt32();
    }

    public static void AssertError(HttpStatusCode expectedStatus, int expectedCode, (HttpStatusCode Status, JsonElement Body) answer)
    {
        Assert.Equal(expectedStatus, answer.Status);
        Assert.Equal(expectedCode, answer.Body.GetProperty("error_code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("message").GetString()));
    }
}
