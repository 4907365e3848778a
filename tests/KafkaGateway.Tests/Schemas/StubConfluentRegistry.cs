using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaGateway.Tests.Schemas;

/// <summary>
/// A stand-in for a Confluent-compatible schema registry: a real Kestrel server on 127.0.0.1 with the four REST
/// endpoints the gateway's client calls, an in-memory store, a record of every request, and fault injection
/// (canned error answers, delays, stopping). Not a registry implementation: no compatibility checks and schema
/// texts are compared as written.
/// </summary>
internal sealed class StubConfluentRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (string Type, string Schema)> _schemas = [];
    private readonly Dictionary<string, List<int>> _subjects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CannedAnswer> _canned = new();
    private bool _stopped;

    private StubConfluentRegistry(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234.</summary>
    public string Url { get; }

    /// <summary>Every request received, in arrival order.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Delay before every answer (to test timeouts and coalescing).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Requests whose path (without query) starts with <paramref name="pathPrefix"/>.</summary>
    public int CountOf(string pathPrefix) => Requests.Count(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    /// <summary>The next <paramref name="times"/> requests get this answer instead of the normal one.</summary>
    public void FailNext(int times, int status, string? body = null, string? retryAfter = null)
    {
        for (var i = 0; i < times; i++)
        {
            _canned.Enqueue(new CannedAnswer(status, body, retryAfter));
        }
    }

    /// <summary>Registers directly in the store (no HTTP) and returns the id.</summary>
    public int Seed(string subject, string schema, string schemaType = "AVRO")
    {
        lock (_lock)
        {
            return RegisterLocked(subject, schema, schemaType);
        }
    }

    public static async Task<StubConfluentRegistry> StartAsync(X509Certificate2? serverCertificate = null, X509Certificate2? clientCa = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (serverCertificate is not null)
            {
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = serverCertificate;
                    if (clientCa is not null)
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (certificate, _, _) =>
                        {
                            using var chain = new X509Chain();
                            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                            chain.ChainPolicy.CustomTrustStore.Add(clientCa);
                            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                            return chain.Build(certificate);
                        };
                    }
                });
            }
        }));

        var app = builder.Build();
        StubConfluentRegistry? stub = null;
        app.Use(async (context, next) => await stub!.InterceptAsync(context, next));
        app.MapGet("/schemas/ids/{id:int}", (int id) => stub!.GetById(id));
        app.MapGet("/subjects/{subject}/versions/{version}", (string subject, string version) => stub!.GetVersion(Decode(subject), version));
        app.MapPost("/subjects/{subject}/versions", async (string subject, HttpRequest request) =>
            stub!.Register(Decode(subject), await ReadSchemaAsync(request)));
        app.MapPost("/subjects/{subject}", async (string subject, HttpRequest request) =>
            stub!.Lookup(Decode(subject), await ReadSchemaAsync(request)));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        stub = new StubConfluentRegistry(app, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return stub;
    }

    /// <summary>Stops listening: later connections are refused, as with a registry that is down.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task InterceptAsync(HttpContext context, RequestDelegate next)
    {
        context.Request.EnableBuffering();
        using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
        var body = await reader.ReadToEndAsync();
        context.Request.Body.Position = 0;
        Requests.Enqueue(new ReceivedRequest(
            context.Request.Method,
            context.Request.Path.ToUriComponent(),
            context.Request.QueryString.Value ?? string.Empty,
            context.Request.Headers.Authorization.ToString(),
            context.Request.Headers.Accept.ToString(),
            context.Request.ContentType,
            body,
            context.Connection.ClientCertificate?.Subject,
            context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty));

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (_canned.TryDequeue(out var canned))
        {
            context.Response.StatusCode = canned.Status;
            if (canned.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = canned.RetryAfter;
            }

            if (canned.Body is not null)
            {
                context.Response.ContentType = "application/vnd.schemaregistry.v1+json";
                await context.Response.WriteAsync(canned.Body);
            }

            return;
        }

        await next(context);
    }

    private IResult GetById(int id)
    {
        lock (_lock)
        {
            return _schemas.TryGetValue(id, out var found)
                ? Json(WithType(new JsonObject { ["schema"] = found.Schema }, found.Type))
                : Error(404, 40403, "Schema not found");
        }
    }

    private IResult GetVersion(string subject, string version)
    {
        lock (_lock)
        {
            if (!_subjects.TryGetValue(subject, out var ids))
            {
                return Error(404, 40401, $"Subject '{subject}' not found.");
            }

            var number = version == "latest" ? ids.Count : int.Parse(version, CultureInfo.InvariantCulture);
            return number < 1 || number > ids.Count
                ? Error(404, 40402, "Version not found.")
                : Json(SubjectVersion(subject, number, ids[number - 1]));
        }
    }

    private IResult Register(string subject, (string Schema, string Type) request)
    {
        if (request.Schema.Contains("invalid", StringComparison.Ordinal))
        {
            return Error(422, 42201, "Invalid schema");
        }

        lock (_lock)
        {
            return Json(new JsonObject { ["id"] = RegisterLocked(subject, request.Schema, request.Type) });
        }
    }

    private IResult Lookup(string subject, (string Schema, string Type) request)
    {
        lock (_lock)
        {
            if (!_subjects.TryGetValue(subject, out var ids))
            {
                return Error(404, 40401, $"Subject '{subject}' not found.");
            }

            var index = ids.FindIndex(id => _schemas[id] == (request.Type, request.Schema));
            return index < 0 ? Error(404, 40403, "Schema not found") : Json(SubjectVersion(subject, index + 1, ids[index]));
        }
    }

    private int RegisterLocked(string subject, string schema, string type)
    {
        var existing = _schemas.FirstOrDefault(pair => pair.Value == (type, schema));
        var id = existing.Value.Schema is not null ? existing.Key : _schemas.Count + 1;
        _schemas[id] = (type, schema);
        var versions = _subjects.TryGetValue(subject, out var list) ? list : _subjects[subject] = [];
        if (!versions.Contains(id))
        {
            versions.Add(id);
        }

        return id;
    }

    private JsonObject SubjectVersion(string subject, int version, int id) => WithType(
        new JsonObject { ["subject"] = subject, ["version"] = version, ["id"] = id, ["schema"] = _schemas[id].Schema },
        _schemas[id].Type);

    // Confluent omits schemaType for AVRO.
    private static JsonObject WithType(JsonObject body, string type)
    {
        if (type != "AVRO")
        {
            body["schemaType"] = type;
        }

        return body;
    }

    private static async Task<(string Schema, string Type)> ReadSchemaAsync(HttpRequest request)
    {
        var body = await JsonNode.ParseAsync(request.Body) ?? throw new InvalidOperationException("empty body");
        return (body["schema"]!.GetValue<string>(), body["schemaType"]?.GetValue<string>() ?? "AVRO");
    }

    private static string Decode(string routeValue) => Uri.UnescapeDataString(routeValue);

    private static IResult Json(JsonObject body) =>
        Results.Text(body.ToJsonString(), "application/vnd.schemaregistry.v1+json");

    private static IResult Error(int status, int code, string message) =>
        Results.Text(JsonSerializer.Serialize(new { error_code = code, message }), "application/vnd.schemaregistry.v1+json", statusCode: status);

    private sealed record CannedAnswer(int Status, string? Body, string? RetryAfter);
}

/// <summary>A request as the stand-in registry saw it.</summary>
internal sealed record ReceivedRequest(
    string Method, string Path, string Query, string Authorization, string Accept, string? ContentType, string Body, string? ClientCertificateSubject,
    string RawTarget);
