using KafkaGateway.ApiDocument;
using KafkaGateway.Hosting;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using KafkaGateway.Observability;
using KafkaGateway.Producing;
using KafkaGateway.Schemas;
using KafkaGateway.Schemas.Registry;
using KafkaGateway.Streaming;
using KafkaGateway.Security;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddGatewayHosting();
    builder.AddGatewayHttp();
    builder.AddApiDocument();
    builder.AddKafka();
    builder.Services.AddSchemaRegistryClient(builder.Configuration);
    builder.AddSchemaRegistry();
    builder.AddProducing();
    builder.AddAdmin();
    builder.AddStreaming();
    builder.AddSecurity();
    builder.AddObservability();

    var app = builder.Build();

    app.UseGatewayHosting();
    app.MapRegistryForwarding();
    app.MapObservability();

    app.Run();
    return 0;
}
catch (Exception exception) when (StartupFailure.Explain(exception) is { } line)
{
    // A wrong setting or a port in use is the operator's to fix: one line naming it, no stack trace.
    Console.Error.WriteLine(line);
    return StartupFailure.ExitCode;
}

/// <summary>The gateway's entry point (public for WebApplicationFactory tests).</summary>
public partial class Program;
