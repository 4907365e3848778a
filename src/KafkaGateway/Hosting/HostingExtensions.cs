using System.Security.Authentication;
using KafkaGateway.Http;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;

namespace KafkaGateway.Hosting;

/// <summary>Logging, listening addresses, HTTPS and shutdown.</summary>
public static partial class HostingExtensions
{
    private const string DevelopmentUrls = "http://localhost:5080;https://localhost:5443";
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

        // No bootstrap logger: it freezes a static logger and breaks WebApplicationFactory tests.
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration).Enrich.FromLogContext();
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

        var gateway = configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(gateway.ShutdownTimeoutSeconds));

        // --urls and ASPNETCORE_URLS both land in "urls"; only when neither (nor Kestrel:Endpoints) is set do we pick.
        var urls = configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls) && !configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            urls = environment.IsDevelopment() ? DevelopmentUrls : ProductionUrls;
            builder.WebHost.UseUrls(urls);
        }

        var certificateConfigured = configuration.GetSection("Kestrel:Certificates:Default:Path").Exists();
        var wantsHttps = urls?.Contains("https://", StringComparison.OrdinalIgnoreCase) ?? false;
        DevelopmentCertificate? developmentCertificate = null;
        if (wantsHttps && !certificateConfigured)
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"HTTPS is requested (urls '{urls}') but no certificate is configured. Set Kestrel:Certificates:Default:Path " +
                    "to a PEM certificate (with Kestrel:Certificates:Default:KeyPath) or a PFX (with Kestrel:Certificates:Default:Password), " +
                    "or listen on plain HTTP explicitly, e.g. --urls http://+:8080.");
            }

            developmentCertificate = DevelopmentCertificate.LoadOrCreate(gateway.ResolveDataDirectory(environment));
            builder.Services.AddSingleton(developmentCertificate);
            builder.Services.AddHostedService<DevelopmentCertificateReporter>();
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                if (developmentCertificate is not null)
                {
                    https.ServerCertificate = developmentCertificate.Certificate;
                }
            });
        });

        return builder;
    }

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

    /// <summary>Request logging and the health endpoints.</summary>
    public static WebApplication UseGatewayHosting(this WebApplication app)
    {
        app.UseSerilogRequestLogging();
        app.UseGatewayHttp();
        HealthEndpoints.Map(app);
        return app;
    }

    private sealed partial class DevelopmentCertificateReporter(DevelopmentCertificate certificate, ILogger<DevelopmentCertificateReporter> logger)
        : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogCertificate(logger, certificate.Created ? "created" : "reused", certificate.PemPath);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "Development HTTPS: {Action} a self-signed certificate for localhost; trust it with: curl --cacert {PemPath} https://localhost:5443/health/ready")]
        private static partial void LogCertificate(Microsoft.Extensions.Logging.ILogger logger, string action, string pemPath);
    }
}
