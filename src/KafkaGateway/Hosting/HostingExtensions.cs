using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using KafkaGateway.Http;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;

namespace KafkaGateway.Hosting;

/// <summary>Logging, listening addresses, HTTPS and shutdown.</summary>
public static partial class HostingExtensions
{
    private const string ProductionUrls = "https://+:8443";

    /// <summary>Adds Serilog, the listening addresses and HTTPS configuration.</summary>
    public static WebApplicationBuilder AddGatewayHosting(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var environment = builder.Environment;
        UseRootAppSettings(configuration, environment);

        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        // Unknown, renamed and retired keys of every gateway section (typo protection): see GatewaySettings.
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewaySettingsValidator>();

        // No bootstrap logger: it freezes a static logger and breaks WebApplicationFactory tests.
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration).Enrich.FromLogContext()
                // Program prints these start-up failures as one line; the host's report would add a stack trace.
                .Filter.ByExcluding(e => StartupFailure.IsReportedByExplain(SourceContext(e), e.Exception));
            if (environment.IsDevelopment())
            {
                logger.WriteTo.Console(
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        });

        CachingLoggerFactory.Decorate(builder.Services);

        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<GatewayOptions>>((host, gateway) => host.ShutdownTimeout = TimeSpan.FromSeconds(gateway.Value.ShutdownTimeoutSeconds));

        // Listening addresses and HTTPS are decided when Kestrel is configured, from the final configuration
        // (test hosts and WebApplicationFactory add settings after Program's builder code has run).
        builder.Services.AddSingleton<DevelopmentCertificateProvider>();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelSetup>();
        builder.Services.AddHostedService<ListeningReporter>();
        return builder;
    }

    private static string? SourceContext(Serilog.Events.LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var value) && value is Serilog.Events.ScalarValue { Value: string name }
            ? name
            : null;

    /// <summary>
    /// The repository-root appsettings.json is linked into the build output. When the content root is the project
    /// folder (<c>dotnet run</c>, WebApplicationFactory) the files are not there, so read them from the output folder,
    /// in the same place of the configuration order (environment variables and the command line still win).
    /// </summary>
    private static void UseRootAppSettings(ConfigurationManager configuration, IHostEnvironment environment)
    {
        if (File.Exists(Path.Combine(environment.ContentRootPath, "appsettings.json"))
            || !File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")))
        {
            return;
        }

        IList<IConfigurationSource> sources = ((IConfigurationBuilder)configuration).Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path: { } path } json
                && path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                sources[i] = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
                {
                    Path = path,
                    Optional = json.Optional,
                    ReloadOnChange = json.ReloadOnChange,
                    FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(AppContext.BaseDirectory),
                };
            }
        }
    }

    /// <summary>
    /// What follows the rest of the pipeline (<see cref="RequestCompletion"/>, outermost): status-code pages (a
    /// ProblemDetails body for a 4xx/5xx answer without one, as <c>UseStatusCodePages()</c> with the same options and
    /// handler) and the request log (the event Serilog's <c>UseSerilogRequestLogging</c> writes, one per request,
    /// Information; Error for 5xx), in one async frame, without the framework middleware's per-request items entry and
    /// Serilog's per-request diagnostic-context collection, which nothing in the gateway adds properties to.
    /// </summary>
    public static WebApplication UseGatewayRequestCompletion(this WebApplication app)
    {
        app.UseMiddleware<RequestCompletion>();
        return app;
    }

    /// <summary>Maps <c>/health/live</c> and <c>/health/ready</c> (anonymous; details for the <c>cluster</c> permission).</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        HealthEndpoints.Map(app);
        return app;
    }

    /// <summary>
    /// Once Kestrel listens, says where: the Development certificate's <c>curl --cacert</c> line with the HTTPS address
    /// actually bound, or that HTTPS is off and how to turn it on.
    /// </summary>
    private sealed partial class ListeningReporter(
        DevelopmentCertificateProvider provider, IServer server, IHostApplicationLifetime lifetime,
        ILogger<ListeningReporter> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(Report);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private void Report()
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            if (addresses.Count == 0)
            {
                return; // Not a socket server (tests' in-memory server).
            }

            var https = addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
            if (https is null)
            {
                LogHttpsOff(logger, string.Join(", ", addresses));
            }
            else if (provider.Current is { } certificate)
            {
                LogCertificate(logger, certificate.Created ? "created" : "reused", certificate.PemPath, ForCurl(https));
            }
        }

        /// <summary>The Development certificate names localhost; a loopback or wildcard address is reached as localhost.</summary>
        private static string ForCurl(string address)
        {
            var uri = new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal)
                .Replace("://*", "://localhost", StringComparison.Ordinal)
                .Replace("://[::]", "://localhost", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal));
            var host = uri.IsLoopback ? "localhost" : uri.Host;
            return $"{uri.Scheme}://{host}:{uri.Port}";
        }

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "Development HTTPS: {Action} a self-signed certificate for localhost; trust it with: curl --cacert {PemPath} {HttpsAddress}/health/ready")]
        private static partial void LogCertificate(Microsoft.Extensions.Logging.ILogger logger, string action, string pemPath, string httpsAddress);

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "HTTPS is off: listening on {Addresses} only. To turn it on, add an https address, e.g. --urls \"http://localhost:5080;https://localhost:5443\" (Development creates a certificate; elsewhere set Kestrel:Certificates:Default:Path)")]
        private static partial void LogHttpsOff(Microsoft.Extensions.Logging.ILogger logger, string addresses);
    }

    /// <summary>Default listening addresses, TLS 1.2+ and the server certificate.</summary>
    private sealed class KestrelSetup(
        IConfiguration configuration, IHostEnvironment environment, DevelopmentCertificateProvider developmentCertificates,
        IEnumerable<IConfigureOptions<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>> httpsSetups)
        : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions options)
        {
            options.AddServerHeader = false;
            var urls = configuration["urls"];
            var explicitEndpoints = !string.IsNullOrWhiteSpace(urls) || configuration.GetSection("Kestrel:Endpoints").Exists();
            var certificateConfigured = configuration.GetSection("Kestrel:Certificates:Default:Path").Exists();
            var wantsHttps = explicitEndpoints
                ? (urls?.Contains("https://", StringComparison.OrdinalIgnoreCase) ?? false)
                    || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any(e => (e["Url"] ?? "").StartsWith("https", StringComparison.OrdinalIgnoreCase))
                : true;

            X509Certificate2? developmentCertificate = null;
            if (wantsHttps && !certificateConfigured)
            {
                if (!environment.IsDevelopment())
                {
                    throw new GatewayConfigurationException(
                        $"HTTPS is requested (urls '{urls ?? ProductionUrls}') but no certificate is configured. Set Kestrel:Certificates:Default:Path " +
                        "to a PEM certificate (with Kestrel:Certificates:Default:KeyPath) or a PFX (with Kestrel:Certificates:Default:Password), " +
                        "or listen on plain HTTP explicitly, e.g. --urls http://+:8080.");
                }

                developmentCertificate = developmentCertificates.GetOrCreate().Certificate;
            }

            options.ConfigureHttpsDefaults(https =>
            {
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                // Features add theirs (Security: client certificates, the reloading server certificate).
                foreach (var setup in httpsSetups)
                {
                    setup.Configure(https);
                }
                if (developmentCertificate is not null)
                {
                    https.ServerCertificate = developmentCertificate;
                }
            });

            if (!explicitEndpoints)
            {
                if (environment.IsDevelopment())
                {
                    // Development: plain HTTP for local curl, and HTTPS with the self-signed certificate.
                    options.ListenLocalhost(5080);
                    options.ListenLocalhost(5443, listen => listen.UseHttps());
                }
                else
                {
                    options.ListenAnyIP(8443, listen => listen.UseHttps());
                }
            }
        }
    }
}

/// <summary>Creates the Development certificate once, when Kestrel first needs it.</summary>
internal sealed class DevelopmentCertificateProvider(IOptions<GatewayOptions> options, IHostEnvironment environment) : IDisposable
{
    private readonly Lazy<DevelopmentCertificate> _certificate = new(
        () => DevelopmentCertificate.LoadOrCreate(options.Value.ResolveDataDirectory(environment)));

    public DevelopmentCertificate? Current => _certificate.IsValueCreated ? _certificate.Value : null;

    public DevelopmentCertificate GetOrCreate() => _certificate.Value;

    public void Dispose()
    {
        if (_certificate.IsValueCreated)
        {
            _certificate.Value.Certificate.Dispose();
        }
    }
}
