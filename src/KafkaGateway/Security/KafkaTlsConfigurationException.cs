namespace KafkaGateway.Security;

/// <summary>
/// The Kafka TLS configuration cannot be used. Thrown at start-up; the message names the configuration key and the
/// problem, and never contains a password or key material.
/// </summary>
public sealed class KafkaTlsConfigurationException : Exception
{
    public KafkaTlsConfigurationException(string configurationKey, string problem, Exception? innerException = null)
        : base($"{configurationKey}: {problem}", innerException)
    {
        ConfigurationKey = configurationKey;
    }

    /// <summary>The full configuration key at fault, e.g. <c>Kafka:Tls:KeyStoreLocation</c>.</summary>
    public string ConfigurationKey { get; }
}
