using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.Tls;

/// <summary>
/// The gateway's HTTPS certificate (<c>Kestrel:Certificates:Default:Path</c> with <c>KeyPath</c> for PEM, or
/// <c>Password</c> for PKCS#12), served through a certificate selector and reloaded when its files change, so a
/// renewed certificate (cert-manager, certbot) is used by new connections without a restart.
/// </summary>
/// <remarks>
/// Kestrel's own reload (<c>CertificatePathWatcher</c>) rebinds only endpoints declared under <c>Kestrel:Endpoints</c>;
/// the gateway's default listener (<c>https://+:8443</c>) and <c>--urls</c> endpoints keep the certificate they were
/// bound with. Endpoints under <c>Kestrel:Endpoints</c> that name their own certificate are left to Kestrel.
/// A reload that fails (e.g. the key is written after the certificate) keeps the previous certificate and is retried
/// on the next change.
/// </remarks>
internal sealed partial class ReloadingServerCertificate : IDisposable
{
    private const string SectionName = "Kestrel:Certificates:Default";
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(500);

    // Kestrel's names for the loader's settings.
    private static readonly Dictionary<string, string> s_keyNames = new(StringComparer.Ordinal)
    {
        [nameof(TlsMaterialSource.CertificateLocation)] = SectionName + ":Path",
        [nameof(TlsMaterialSource.KeyStoreLocation)] = SectionName + ":Path",
        [nameof(TlsMaterialSource.KeyLocation)] = SectionName + ":KeyPath",
        [nameof(TlsMaterialSource.KeyPassword)] = SectionName + ":Password",
        [nameof(TlsMaterialSource.KeyStorePassword)] = SectionName + ":Password",
        // The advice for a file that is neither PKCS#12 nor JKS: a PEM certificate needs its KeyPath.
        [nameof(TlsMaterialSource.KeyStoreType)] = SectionName + ":KeyPath",
    };
    private readonly string? _path;
    private readonly string? _keyPath;
    private readonly string? _password;
    private readonly ILogger<ReloadingServerCertificate> _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _lock = new();
    private X509Certificate2? _current;
    private Timer? _pending;

    public ReloadingServerCertificate(IConfiguration configuration, ILogger<ReloadingServerCertificate> logger)
    {
        _logger = logger;
        var section = configuration.GetSection(SectionName);
        _path = section["Path"];
        _keyPath = section["KeyPath"];
        _password = section["Password"];
        var ownEndpointCertificates = configuration.GetSection("Kestrel:Endpoints").GetChildren().Any(e => e.GetSection("Certificate").Exists());
        if (string.IsNullOrWhiteSpace(_path) || ownEndpointCertificates)
        {
            return;
        }

        _current = Load();
        var folder = Path.GetDirectoryName(Path.GetFullPath(_path));
        if (folder is not null && Directory.Exists(folder))
        {
            _watcher = new FileSystemWatcher(folder) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>The certificate served now; null when the gateway does not manage it.</summary>
    public X509Certificate2? Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _pending?.Dispose();
    }

    private X509Certificate2 Load()
    {
        // The gateway's one TLS loader, so errors read like the Kafka and registry ones and name Kestrel's keys; it
        // also refuses a key of another certificate and an expired certificate. Kestrel reads this section itself
        // too, so the formats stay Kestrel's: PEM with KeyPath (Password for an encrypted key), or PKCS#12.
        var pem = !string.IsNullOrWhiteSpace(_keyPath);
        var source = new TlsMaterialSource
        {
            Section = SectionName,
            CertificateRole = "server certificate",
            CertificateLocation = pem ? Path.GetFullPath(_path!) : null,
            KeyLocation = pem ? Path.GetFullPath(_keyPath!) : null,
            KeyPassword = pem ? _password : null,
            KeyStoreLocation = pem ? null : Path.GetFullPath(_path!),
            KeyStorePassword = pem ? null : _password,
            KeyNames = s_keyNames,
        };
        using var material = TlsMaterialLoader.Load(source, TimeProvider.System);
        return material.CreateCertificateWithKey();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        var full = Path.GetFullPath(e.FullPath);
        if (full != Path.GetFullPath(_path!) && (_keyPath is null || full != Path.GetFullPath(_keyPath)))
        {
            return;
        }

        lock (_lock)
        {
            _pending?.Dispose();
            _pending = new Timer(_ => Reload(), null, s_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void Reload()
    {
        try
        {
            var certificate = Load();
            lock (_lock)
            {
                // The previous certificate is not disposed: handshakes in progress may still use it.
                _current = certificate;
            }

            LogReloaded(_logger, certificate.Subject, certificate.NotAfter.ToUniversalTime());
        }
        catch (Exception ex) when (ex is TlsConfigurationException or IOException or CryptographicException or UnauthorizedAccessException)
        {
            LogReloadFailed(_logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 4210, Level = LogLevel.Warning, Message = "Gateway HTTPS certificate reloaded from disk: {Subject}, valid until {NotAfter:O}")]
    private static partial void LogReloaded(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 4211, Level = LogLevel.Error, Message = "Gateway HTTPS certificate files changed but could not be loaded; keeping the previous certificate: {Problem}")]
    private static partial void LogReloadFailed(ILogger logger, string problem);
}
