using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;
using KafkaGateway.Streaming;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaGateway.IntegrationTests.Streaming;

/// <summary>A server-sent event stream opened on the gateway, parsed with System.Net.ServerSentEvents.</summary>
internal sealed class OpenStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private OpenStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _body = body;
        _events = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
    }

    public HttpResponseMessage Response => _response;

    public static async Task<OpenStream> OpenAsync(HttpClient client, string url, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new HttpRequestException($"{(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        return new OpenStream(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event, or null when the stream ended.</summary>
    public async Task<SseItem<string>?> NextAsync(TimeSpan? timeout = null)
    {
        var more = await _events.MoveNextAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(45));
        return more ? _events.Current : null;
    }

    /// <summary>Reads events until <paramref name="count"/> of type <paramref name="type"/> arrived; returns every event read.</summary>
    public async Task<List<SseItem<string>>> ReadUntilAsync(int count, string type = "record", TimeSpan? timeout = null)
    {
        var events = new List<SseItem<string>>();
        var seen = 0;
        while (seen < count)
        {
            SseItem<string>? next;
            try
            {
                next = await NextAsync(timeout);
            }
            catch (TimeoutException ex)
            {
                var last = events.Count == 0 ? "none" : $"{events[^1].EventType} {events[^1].Data}";
                throw new TimeoutException($"No event within the wait after {events.Count} events ({seen} {type}); last: {Truncate(last)}.", ex);
            }

            var item = next ?? throw new InvalidOperationException($"Stream ended after {seen} {type} events.");
            events.Add(item);
            if (item.EventType == type)
            {
                seen++;
            }
        }

        return events;
    }

    /// <summary>Reads every event until the response completes (it must, within the wait per event).</summary>
    public async Task<List<SseItem<string>>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var events = new List<SseItem<string>>();
        while (true)
        {
            SseItem<string>? next;
            try
            {
                next = await NextAsync(timeout);
            }
            catch (TimeoutException ex)
            {
                var last = events.Count == 0 ? "none" : $"{events[^1].EventType} {events[^1].Data}";
                throw new TimeoutException($"The stream did not end: no event within the wait after {events.Count} events; last: {Truncate(last)}.", ex);
            }

            if (next is not { } item)
            {
                return events;
            }

            events.Add(item);
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public async ValueTask DisposeAsync()
    {
        // Closing the body first ends a read still pending after a timeout; the parser refuses disposal meanwhile.
        await _body.DisposeAsync();
        _response.Dispose();
        try
        {
            await _events.DisposeAsync();
        }
        catch (NotSupportedException)
        {
        }
    }
}

internal static class StreamingTestSupport
{
    public static JsonElement Data(this SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement;

    public static (int Partition, long Offset) Position(this SseItem<string> item)
    {
        var data = item.Data();
        return (data.GetProperty("partition").GetInt32(), data.GetProperty("offset").GetInt64());
    }

    public static StreamHub Hub(this WebApplicationFactory<Program> gateway) => gateway.Services.GetRequiredService<StreamHub>();

    public static IProducer<byte[]?, byte[]?> Producer(this KafkaClusterFixture cluster) =>
        new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig(cluster.ClientConfig()) { LingerMs = 5, Acks = Acks.All }).Build();

    public static async Task ProduceAsync(
        this IProducer<byte[]?, byte[]?> producer, string topic, int partition, string? key, byte[]? value,
        IReadOnlyDictionary<string, byte[]>? headers = null, DateTimeOffset? timestamp = null)
    {
        var message = new Message<byte[]?, byte[]?>
        {
            Key = key is null ? null : Encoding.UTF8.GetBytes(key),
            Value = value,
            Headers = [],
        };
        foreach (var (name, bytes) in headers ?? new Dictionary<string, byte[]>())
        {
            message.Headers.Add(name, bytes);
        }

        if (timestamp is { } time)
        {
            message.Timestamp = new Timestamp(time);
        }

        await producer.ProduceAsync(new TopicPartition(topic, partition), message);
    }

    public static Task ProduceTextAsync(this IProducer<byte[]?, byte[]?> producer, string topic, int partition, string value, string? key = null) =>
        producer.ProduceAsync(topic, partition, key, Encoding.UTF8.GetBytes(value));

    /// <summary>Gateway settings that mark <paramref name="topic"/> with a schema-less format.</summary>
    public static Dictionary<string, string?> Format(string topic, string format, Dictionary<string, string?>? extra = null)
    {
        var settings = extra ?? [];
        settings[$"Gateway:TopicFormats:Topics:{topic}"] = format;
        return settings;
    }

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        Harness.Harness.WaitUntilAsync(condition, timeout, what);

    /// <summary>The gateway with <paramref name="registry"/> as its schema registry.</summary>
    public static WebApplicationFactory<Program> WithRegistry(this GatewayFactory gateway, ISchemaRegistry registry) =>
        gateway.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton(registry)));
}

/// <summary>
/// Test-only stand-in for the schema registry: the built-in registry and the HTTP client are built on other branches,
/// so Avro decoding is tested against this dictionary of schemas by id.
/// </summary>
internal sealed class InMemorySchemaRegistryStandIn : ISchemaRegistry
{
    private readonly Dictionary<int, RegisteredSchema> _byId = [];

    public void Add(int id, string schema) => _byId[id] = new RegisteredSchema(null, 0, id, "AVRO", schema);

    public Task<RegisteredSchema> GetSchemaByIdAsync(int id, CancellationToken cancellationToken) =>
        _byId.TryGetValue(id, out var schema)
            ? Task.FromResult(schema)
            : Task.FromException<RegisteredSchema>(new SchemaRegistryException(404, SchemaRegistryException.SchemaNotFound, $"Schema {id} not found."));

    public Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<RegisteredSchema> GetVersionAsync(string subject, int version, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<int> RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<RegisteredSchema?> LookupAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken) => throw new NotSupportedException();
}
