namespace KafkaGateway.Tls;

/// <summary>
/// TLS material (Kafka clients, the external schema registry client, the HTTPS server certificate) cannot be used.
/// Thrown at start-up or by a reload; the message names the configuration key and the problem, and never contains a
/// password or key material.
/// </summary>
public sealed class TlsConfigurationException : Exception
{
    public TlsConfigurationException(string configurationKey, string problem, Exception? innerException = null)
        : base($"{configurationKey}: {problem}", innerException)
    {
        ConfigurationKey = configurationKey;
    }

    /// <summary>The full configuration key at fault, e.g. <c>Kafka:Tls:KeyStoreLocation</c>.</summary>
    public string ConfigurationKey { get; }
}
