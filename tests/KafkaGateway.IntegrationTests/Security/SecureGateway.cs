using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KafkaGateway.IntegrationTests.Harness;
using KafkaGateway.Schemas;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaGateway.IntegrationTests.Security;

/// <summary>
/// A gateway with security on (no anonymous access unless the test allows it), topics in JSON so no schema registry
/// is involved, and the audit log captured.
/// </summary>
public sealed class SecureGateway : IAsyncDisposable
{
    private readonly GatewayFactory _root;

    private SecureGateway(
        KafkaClusterFixture cluster, IReadOnlyDictionary<string, string?> settings, bool kestrel, bool certificateFromConfiguration = false, bool cachingRegistry = false)
    {
        var all = new Dictionary<string, string?>
        {
            ["Security:AllowAnonymous"] = "false",
            ["Gateway:TopicFormats:Default"] = "json",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _root = GatewayFactory.For(cluster, all);
        App = _root.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            if (cachingRegistry)
            {
                // The production cache over the stand-in, for its hit/miss metrics.
                services.AddSingleton<ISchemaRegistry>(provider => new CachingSchemaRegistry(
                    new EmptySchemaRegistryStandIn(), new SchemaRegistryOptions().CacheSettings, TimeProvider.System,
                    provider.GetRequiredService<ILogger<CachingSchemaRegistry>>(), provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
            }
            else
            {
                services.AddSingleton<ISchemaRegistry, EmptySchemaRegistryStandIn>();
            }

            services.AddSingleton<ILoggerFactory>(_ => LoggerFactory.Create(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Information)));
        }));
        if (kestrel)
        {
            App.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificateFromConfiguration)
                {
                    listen.UseHttps();
                }
                else
                {
                    listen.UseHttps(TestCertificates.Shared.Broker);
                }
            }));
        }
    }

    public WebApplicationFactory<Program> App { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>API key settings for the names given, whose key is "key-" + name.</summary>
    public static Dictionary<string, string?> ApiKeys(params (string Name, string? Role)[] keys)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < keys.Length; i++)
        {
            settings[$"Security:Authentication:ApiKeys:{i}:Name"] = keys[i].Name;
            settings[$"Security:Authentication:ApiKeys:{i}:Sha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(KeyOf(keys[i].Name))));
            if (keys[i].Role is { } role)
            {
                settings[$"Security:Authentication:ApiKeys:{i}:Roles:0"] = role;
            }
        }

        return settings;
    }

    public static string KeyOf(string name) => "key-" + name + "-0123456789abcdef";

    public static SecureGateway InProcess(KafkaClusterFixture cluster, IReadOnlyDictionary<string, string?> settings, bool cachingRegistry = false) =>
        new(cluster, settings, kestrel: false, cachingRegistry: cachingRegistry);

    /// <summary>On a real HTTPS socket (needed for client certificates), server certificate from the harness CA.</summary>
    public static SecureGateway OverHttps(KafkaClusterFixture cluster, IReadOnlyDictionary<string, string?> settings, bool certificateFromConfiguration = false)
    {
        var gateway = new SecureGateway(cluster, settings, kestrel: true, certificateFromConfiguration);
        gateway.App.StartServer();
        return gateway;
    }

    public HttpClient Client(string? apiKeyName = null)
    {
        var client = App.CreateClient();
        if (apiKeyName is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", KeyOf(apiKeyName));
        }

        return client;
    }

    /// <summary>A real HTTPS client, optionally presenting <paramref name="clientCertificate"/>.</summary>
    public HttpClient HttpsClient(X509Certificate2? clientCertificate = null, Action<X509Certificate2>? serverCertificateSeen = null)
    {
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var handler = new HttpClientHandler
        {
            ClientCertificateOptions = ClientCertificateOption.Manual,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (serverCertificateSeen is not null && certificate is not null)
                {
                    serverCertificateSeen(certificate);
                    return true;
                }

                return certificate is not null && certificate.Thumbprint == TestCertificates.Shared.Broker.Thumbprint;
            },
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificates.Add(clientCertificate);
        }

        return new HttpClient(handler) { BaseAddress = new Uri(address) };
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await _root.DisposeAsync();
    }
}

/// <summary>
/// Stand-in for the schema registry (none is registered on this branch): empty, so JSON topics never find a schema;
/// anything beyond "which is the latest schema of this subject" must not be asked by these tests.
/// </summary>
internal sealed class EmptySchemaRegistryStandIn : ISchemaRegistry
{
    public Task<RegisteredSchema> GetSchemaByIdAsync(int id, CancellationToken cancellationToken) => throw Unused();

    public Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken) =>
        Task.FromException<RegisteredSchema>(new SchemaRegistryException(404, SchemaRegistryException.SubjectNotFound, $"Subject '{subject}' not found."));

    public Task<RegisteredSchema> GetVersionAsync(string subject, int version, CancellationToken cancellationToken) => throw Unused();

    public Task<int> RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken) => throw Unused();

    public Task<RegisteredSchema?> LookupAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken) => throw Unused();

    private static InvalidOperationException Unused() => new("security tests use JSON topics; the schema registry must not be called");
}

/// <summary>Keeps every log event (category, event id, rendered message) for assertions.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId EventId, string Message)> Events { get; } = new();

    /// <summary>
    /// The audit lines (EventId 4200) once <paramref name="enough"/> holds for them, or as they are after 15 s (a
    /// liveness bound on a loaded machine, not a timing assertion): audit lines are written when the response has
    /// completed, which the client may see first.
    /// </summary>
    public async Task<string[]> AuditsAsync(Func<string[], bool> enough)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            string[] audits = [.. Events.Where(e => e.EventId.Id == 4200).Select(e => e.Message)];
            if (enough(audits) || DateTime.UtcNow > deadline)
            {
                return audits;
            }

            await Task.Delay(20);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Capturing(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Capturing(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Events.Enqueue((category, eventId, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}
