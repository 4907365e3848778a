namespace KafkaGateway.Kafka;

/// <summary>
/// Asks librdkafka itself whether a property name and value are valid (<c>rd_kafka_conf_set</c> on a throw-away
/// configuration), so <c>Kafka:Properties</c> fails the start with one line instead of throwing when the first
/// client is built. No client, thread or connection is created.
/// </summary>
internal static class LibrdkafkaPropertyCheck
{
    private static readonly string[] s_secretWords = ["password", "secret", "token", "credential", "key"];

    /// <summary>Null when librdkafka accepts <paramref name="name"/>=<paramref name="value"/>; otherwise its reason.</summary>
    public static string? Problem(string name, string value)
    {
        var conf = LibrdkafkaNative.ConfNew();
        try
        {
            if (LibrdkafkaNative.ConfSet(conf, name, value) is not { } reason)
            {
                return null;
            }

            // librdkafka's reason quotes the value; a secret's value must not reach the console or the logs.
            return s_secretWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase))
                ? "librdkafka refuses this property or its value (value not shown)"
                : reason;
        }
        finally
        {
            LibrdkafkaNative.ConfDestroy(conf);
        }
    }
}
