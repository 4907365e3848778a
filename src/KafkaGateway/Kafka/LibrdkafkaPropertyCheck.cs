using System.Runtime.InteropServices;
using System.Text;

namespace KafkaGateway.Kafka;

/// <summary>
/// Asks librdkafka itself whether a property name and value are valid (<c>rd_kafka_conf_set</c> on a throw-away
/// configuration), so <c>Kafka:Properties</c> fails the start with one line instead of throwing when the first
/// client is built. No client, thread or connection is created.
/// </summary>
internal static unsafe class LibrdkafkaPropertyCheck
{
    private static readonly string[] s_secretWords = ["password", "secret", "token", "credential", "key"];

    /// <summary>Null when librdkafka accepts <paramref name="name"/>=<paramref name="value"/>; otherwise its reason.</summary>
    public static string? Problem(string name, string value)
    {
        var conf = Api.ConfNew();
        try
        {
            var errstr = stackalloc byte[512];
            fixed (byte* n = Utf8Z(name), v = Utf8Z(value))
            {
                if (Api.ConfSet(conf, n, v, errstr, 512) == 0)
                {
                    return null;
                }
            }

            // librdkafka's reason quotes the value; a secret's value must not reach the console or the logs.
            return s_secretWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase))
                ? "librdkafka refuses this property or its value (value not shown)"
                : Marshal.PtrToStringUTF8((IntPtr)errstr);
        }
        finally
        {
            Api.ConfDestroy(conf);
        }
    }

    private static byte[] Utf8Z(string value) => Encoding.UTF8.GetBytes(value + '\0');

    private static class Api
    {
        public static readonly delegate* unmanaged<IntPtr> ConfNew =
            (delegate* unmanaged<IntPtr>)LibrdkafkaNative.GetExport("rd_kafka_conf_new");
        public static readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet =
            (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)LibrdkafkaNative.GetExport("rd_kafka_conf_set");
        public static readonly delegate* unmanaged<IntPtr, void> ConfDestroy =
            (delegate* unmanaged<IntPtr, void>)LibrdkafkaNative.GetExport("rd_kafka_conf_destroy");
    }
}
