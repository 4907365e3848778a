using KafkaGateway.Admin;
using KafkaGateway.ApiDocument;
using KafkaGateway.Hosting;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using KafkaGateway.Observability;
using KafkaGateway.Producing;
using KafkaGateway.Schemas;
using KafkaGateway.Schemas.Registry;
using KafkaGateway.Security;
using KafkaGateway.Streaming;

try
{
    var builder = WebApplication.CreateBuilder(args);

    builder.AddGatewayHosting();
    builder.AddGatewayHttp();
    builder.AddApiDocument();
    builder.AddKafka();
    builder.AddSchemaRegistryClient();
    builder.AddSchemaRegistry();
    builder.AddProducing();
    builder.AddAdmin();
    builder.AddStreaming();
    builder.AddSecurity();
    builder.AddObservability();

    var app = builder.Build();

    // The request pipeline, outermost first. The request completion (status-code pages, then the request log) wraps
    // error handling, so it logs the status the client got (a GatewayException becomes its 4xx in the handler, not a
    // 500 in the log).
    app.UseGatewayRequestCompletion();
    app.UseExceptionHandler();
    app.UseGatewayHsts();
    app.UseGatewayCors();
    app.UseGatewayAuthentication();
    app.UseRequestBodyLimit();
    app.UseRequestRateLimits();
    // Audit sits before authorization so refusals (401/403) are audited too.
    app.UseAudit();
    app.UseGatewayAuthorization();
    app.UseEndpointAccessCheck();

    app.MapHealthEndpoints();
    app.MapSwaggerUi();
    app.MapControllers();
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
