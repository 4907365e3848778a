using System.Globalization;
using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using KafkaGateway.Bench.Harness;
using KafkaGateway.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaGateway.Bench.External;

/// <summary>
/// The framework floor: the least an ASP.NET Core gateway to Kafka with MVC controllers does, and nothing of
/// KafkaGateway. An MVC controller binds the body as a <see cref="JsonElement"/>, produces each value's JSON bytes
/// with Confluent.Kafka's <c>ProduceAsync</c> (the direct arm's settings, to its own embedded cluster), awaits the
/// deliveries and answers partition and offset; <c>GET /health/live</c> is a minimal-API endpoint writing fixed text.
/// No logging, authentication, authorization, limits, schema, audit or metrics middleware. The produce suite runs it
/// as its own process (<c>floor-server --port N</c>) and measures it exactly as it measures the gateway, so each CPU
/// target's line can say what the framework and the Kafka client alone cost on the machine in the same run.
/// </summary>
internal static class FloorServer
{
    public const string Command = "floor-server";

    public static async Task<int> RunAsync(string[] args)
    {
        var portIndex = Array.IndexOf(args, "--port");
        if (portIndex < 0 || portIndex + 1 >= args.Length || !int.TryParse(args[portIndex + 1], CultureInfo.InvariantCulture, out var port))
        {
            await Console.Error.WriteLineAsync($"usage: KafkaGateway.Bench {Command} --port <port>");
            return 2;
        }

        using var cluster = MockCluster.Start(3);
        cluster.CreateTopic(FloorController.Topic, 4, 3);
        using var producer = BenchCluster.CreateDirectProducer(cluster.BootstrapServers);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(producer);
        // Only this assembly's controller: the default discovery would also find the gateway's (a referenced assembly).
        builder.Services.AddControllers().ConfigureApplicationPartManager(parts =>
        {
            parts.ApplicationParts.Clear();
            parts.ApplicationParts.Add(new AssemblyPart(typeof(FloorController).Assembly));
        });
        await using var app = builder.Build();
        app.MapGet("/health/live", () => "Healthy");
        app.MapGet("/health/ready", () => "Healthy");
        // The two figures the suite reads from a gateway's /metrics, in the same Prometheus text.
        app.MapGet("/metrics", () => Results.Text(string.Create(CultureInfo.InvariantCulture,
            $"dotnet_gc_heap_total_allocated_bytes {GC.GetTotalAllocatedBytes()}\ndotnet_jit_compilation_time_seconds {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds}\n")));
        app.MapControllers();
        await app.RunAsync();
        return 0;
    }
}

/// <summary>The floor's produce endpoint: <c>{"value":…}</c> or <c>{"records":[{"value":…},…]}</c>, as the gateway's.</summary>
[ApiController]
public sealed class FloorController(IProducer<byte[]?, byte[]?> producer) : ControllerBase
{
    internal const string Topic = "bench-sensors";

    [HttpPost("/topics/{topic}/records")]
    public async Task<IActionResult> ProduceAsync(string topic, [FromBody] JsonElement body)
    {
        if (body.TryGetProperty("value", out var single))
        {
            var delivered = await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = JsonSerializer.SerializeToUtf8Bytes(single) });
            return Ok(new Delivered(delivered.Partition.Value, delivered.Offset.Value));
        }

        var records = body.GetProperty("records");
        var deliveries = new Task<DeliveryResult<byte[]?, byte[]?>>[records.GetArrayLength()];
        var i = 0;
        foreach (var record in records.EnumerateArray())
        {
            deliveries[i++] = producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = JsonSerializer.SerializeToUtf8Bytes(record.GetProperty("value")) });
        }

        var results = await Task.WhenAll(deliveries);
        return Ok(Array.ConvertAll(results, r => new Delivered(r.Partition.Value, r.Offset.Value)));
    }

    public sealed record Delivered(int Partition, long Offset);
}
