using KafkaGateway.Hosting;
using KafkaGateway.Http;
using KafkaGateway.Kafka;
using KafkaGateway.Streaming;

var builder = WebApplication.CreateBuilder(args);

builder.AddGatewayHosting();
builder.AddGatewayHttp();
builder.AddKafka();
builder.AddStreaming();

var app = builder.Build();

app.UseGatewayHosting();

app.Run();

/// <summary>The gateway's entry point (public for WebApplicationFactory tests).</summary>
public partial class Program;
