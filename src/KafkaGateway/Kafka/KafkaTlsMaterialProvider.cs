using KafkaGateway.Tls;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>
/// The current Kafka TLS material, reloaded when its files change on disk (certificate rotation). Subscribers of
/// <see cref="Changed"/> (the producer pool) build new clients with the new material and let old ones drain.
/// A reload that fails (e.g. a half-written file) keeps the previous material and is retried on the next change.
/// </summary>
public sealed partial class KafkaTlsMaterialProvider : IDisposable
{
    private static readonly TimeSpan s_debounce = TimeSpan.FromMilliseconds(500);
    private readonly KafkaTlsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KafkaTlsMaterialProvider> _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _files;
    private readonly Lock _lock = new();
    private ITimer? _pending;
    private KafkaTlsMaterial _current;

    public KafkaTlsMaterialProvider(KafkaTlsMaterial initial, IOptions<KafkaTlsOptions> options, TimeProvider time, ILogger<KafkaTlsMaterialProvider> logger)
    {
        _current = initial;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _files = new[] { _options.CaLocation, _options.CertificateLocation, _options.KeyLocation, _options.KeyStoreLocation, _options.TrustStoreLocation }
            .Where(f => !string.IsNullOrWhiteSpace(f))
            .Select(f => Path.GetFullPath(f!))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var folder in _files.Select(Path.GetDirectoryName).Distinct(StringComparer.Ordinal))
        {
            if (folder is null || !Directory.Exists(folder))
            {
                continue;
            }

            var watcher = new FileSystemWatcher(folder) { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    /// <summary>The material new Kafka clients use.</summary>
    public KafkaTlsMaterial Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>How many times the material was replaced since start.</summary>
    public int Generation { get; private set; }

    /// <summary>Raised after the material was replaced.</summary>
    public event Action? Changed;

    /// <summary>Reloads now (also what the file watcher does after a change settles).</summary>
    public bool Reload()
    {
        KafkaTlsMaterial loaded;
        try
        {
            loaded = KafkaTlsMaterialLoader.Load(_options, _time);
        }
        catch (TlsConfigurationException ex)
        {
            LogReloadFailed(_logger, ex.Message);
            return false;
        }

        lock (_lock)
        {
            // The previous material stays alive: producers built from it are still draining.
            _current = loaded;
            Generation++;
        }

        LogReloaded(_logger, loaded.Certificate?.Subject ?? "(none)", loaded.NotAfter);
        Changed?.Invoke();
        return true;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _pending?.Dispose();
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (!_files.Contains(Path.GetFullPath(e.FullPath)))
        {
            return;
        }

        lock (_lock)
        {
            // Certificate and key files are usually replaced together: wait for the writes to settle.
            _pending?.Dispose();
            _pending = _time.CreateTimer(_ => Reload(), null, s_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka TLS material reloaded from disk: client certificate {Subject}, valid until {NotAfter}; new producers use it, old ones drain")]
    private static partial void LogReloaded(ILogger logger, string subject, DateTimeOffset? notAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka TLS files changed but could not be loaded; keeping the previous material: {Problem}")]
    private static partial void LogReloadFailed(ILogger logger, string problem);
}
