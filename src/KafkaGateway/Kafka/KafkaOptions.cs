using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>Configuration section <c>Kafka</c>: how the gateway reaches Kafka.</summary>
public sealed class KafkaOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Kafka";

    /// <summary>The word that selects the in-memory embedded cluster.</summary>
    public const string Embedded = "embedded";

    /// <summary>
    /// Comma-separated <c>host:port</c> list of brokers, or <c>embedded</c> for the in-memory development cluster.
    /// Empty means embedded in Development and is a start-up error in every other environment.
    /// </summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Number of brokers of the embedded cluster (1-16).</summary>
    public int EmbeddedBrokers { get; set; } = 3;

    /// <summary>The <c>client.id</c> Kafka sees from the gateway.</summary>
    public string ClientId { get; set; } = "kafkagateway";

    /// <summary>How long readiness and cluster queries wait for Kafka metadata, in seconds (1-120).</summary>
    public int MetadataTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// Extra librdkafka properties applied to every client (e.g. <c>socket.keepalive.enable</c>);
    /// settings the gateway manages itself (bootstrap servers, TLS) are rejected here.
    /// </summary>
    public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>True when the embedded cluster is (or would be) used.</summary>
    public bool UsesEmbeddedCluster =>
        string.IsNullOrWhiteSpace(BootstrapServers)
        || string.Equals(BootstrapServers.Trim(), Embedded, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Start-up validation of <see cref="KafkaOptions"/>; every message names the key.</summary>
internal sealed class KafkaOptionsValidator(IHostEnvironment environment) : IValidateOptions<KafkaOptions>
{
    private static readonly string[] s_managedProperties =
    [
        "bootstrap.servers", "security.protocol", "ssl.ca.location", "ssl.ca.pem", "ssl.certificate.location",
        "ssl.certificate.pem", "ssl.key.location", "ssl.key.pem", "ssl.key.password", "ssl.keystore.location",
        "ssl.keystore.password", "sasl.password",
    ];

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers) && !environment.IsDevelopment())
        {
            failures.Add(
                "Kafka:BootstrapServers is not set. Set it to your brokers (host:port,host:port), e.g. the environment " +
                "variable Kafka__BootstrapServers=broker1:9093; or set it to 'embedded' to run the in-memory development " +
                "cluster on purpose (data is lost at shutdown).");
        }

        else if (!options.UsesEmbeddedCluster)
        {
            foreach (var entry in options.BootstrapServers!.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!IsBrokerAddress(entry))
                {
                    failures.Add($"Kafka:BootstrapServers entry '{entry}' is not host:port (e.g. broker1:9093); separate brokers with commas, or write 'embedded'.");
                }
            }
        }

        if (options.EmbeddedBrokers is < 1 or > 16)
        {
            failures.Add($"Kafka:EmbeddedBrokers must be between 1 and 16 (was {options.EmbeddedBrokers}).");
        }

        if (options.MetadataTimeoutSeconds is < 1 or > 120)
        {
            failures.Add($"Kafka:MetadataTimeoutSeconds must be between 1 and 120 (was {options.MetadataTimeoutSeconds}).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add("Kafka:ClientId must not be empty.");
        }

        foreach (var key in options.Properties.Keys)
        {
            if (s_managedProperties.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"Kafka:Properties:{key} is managed by the gateway; use Kafka:BootstrapServers or Kafka:Tls instead.");
            }
            else if (LibrdkafkaPropertyCheck.Problem(key, options.Properties[key]) is { } refused)
            {
                failures.Add($"Kafka:Properties:{key}: {refused}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>librdkafka's <c>[protocol://]host:port</c>, the host a name, an IPv4 address or a bracketed IPv6 address.</summary>
    private static bool IsBrokerAddress(string entry)
    {
        var address = entry.Contains("://", StringComparison.Ordinal) ? entry[(entry.IndexOf("://", StringComparison.Ordinal) + 3)..] : entry;
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var host = address[..colon];
        return host.StartsWith('[')
            ? host.EndsWith(']') && System.Net.IPAddress.TryParse(host[1..^1], out _)
            : Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }
}
