using System.Runtime.InteropServices;

namespace KafkaGateway.Kafka;

/// <summary>
/// Resolves the native librdkafka file that Confluent.Kafka itself loaded, so that our P/Invoke calls
/// (the mock cluster API) run inside the same library instance as the clients.
/// </summary>
/// <remarks>
/// On Debian the package's default linux build needs libsasl2.so.3 and fails to load, so Confluent.Kafka
/// falls back to centos8-librdkafka.so. Loading a different file here would give us a second, unrelated copy of
/// librdkafka; instead we ask the loader which file is mapped into this process.
/// </remarks>
internal static unsafe class LibrdkafkaNative
{
    private static readonly Lazy<(IntPtr Handle, string Path)> s_library = new(Load);

    /// <summary>The path of the loaded librdkafka file.</summary>
    public static string LoadedPath => s_library.Value.Path;

    public static IntPtr GetExport(string name)
    {
        if (!NativeLibrary.TryGetExport(s_library.Value.Handle, name, out var address))
        {
            throw new EntryPointNotFoundException(
                $"librdkafka at '{LoadedPath}' does not export {name}; this librdkafka build has no mock cluster support.");
        }

        return address;
    }

    /// <summary>A new librdkafka configuration handle (<c>rd_kafka_conf_new</c>).</summary>
    public static IntPtr ConfNew() => Conf.New();

    /// <summary>Frees a configuration handle no client took over (<c>rd_kafka_conf_destroy</c>).</summary>
    public static void ConfDestroy(IntPtr conf) => Conf.Destroy(conf);

    /// <summary>Sets <paramref name="name"/>=<paramref name="value"/> on <paramref name="conf"/>: null when librdkafka accepts it, otherwise its reason.</summary>
    public static string? ConfSet(IntPtr conf, string name, string value)
    {
        var errstr = stackalloc byte[512];
        fixed (byte* n = Utf8Z(name), v = Utf8Z(value))
        {
            return Conf.Set(conf, n, v, errstr, 512) == 0 ? null : Marshal.PtrToStringUTF8((IntPtr)errstr) ?? "";
        }
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/>, for librdkafka's C strings.</summary>
    public static byte[] Utf8Z(string value) => System.Text.Encoding.UTF8.GetBytes(value + '\0');

    private static (IntPtr, string) Load()
    {
        // Forces Confluent.Kafka to pick and load its native library first.
        _ = Confluent.Kafka.Library.Version;

        var path = FindMappedLibrdkafka();
        if (path is null)
        {
            throw new DllNotFoundException(
                "Confluent.Kafka reported librdkafka as loaded, but no librdkafka file is mapped into this process.");
        }

        // dlopen of an already-loaded file returns the same handle: we share the client's library instance.
        return (NativeLibrary.Load(path), path);
    }

    private static string? FindMappedLibrdkafka()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    continue;
                }

                var file = line[slash..];
                if (Path.GetFileName(file).Contains("librdkafka", StringComparison.Ordinal))
                {
                    return file;
                }
            }

            return null;
        }

        // Other platforms: the process module list names the loaded file.
        foreach (System.Diagnostics.ProcessModule module in System.Diagnostics.Process.GetCurrentProcess().Modules)
        {
            if (module.ModuleName.Contains("librdkafka", StringComparison.OrdinalIgnoreCase))
            {
                return module.FileName;
            }
        }

        return null;
    }

    /// <summary>The configuration exports, resolved on first use.</summary>
    private static class Conf
    {
        public static readonly delegate* unmanaged<IntPtr> New =
            (delegate* unmanaged<IntPtr>)GetExport("rd_kafka_conf_new");
        public static readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> Set =
            (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)GetExport("rd_kafka_conf_set");
        public static readonly delegate* unmanaged<IntPtr, void> Destroy =
            (delegate* unmanaged<IntPtr, void>)GetExport("rd_kafka_conf_destroy");
    }
}
