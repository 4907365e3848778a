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
internal static class LibrdkafkaNative
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
}
