using System.Runtime.InteropServices;
using KafkaGateway.Kafka;

namespace KafkaGateway.Tests.Kafka;

public sealed class NativeHeapTests
{
    [Fact]
    public void Trim_FreedSmallNativeAllocationsBelowALiveOne_ReturnsPagesToTheOsOnGlibcOnly()
    {
        // malloc_trim is glibc's (the gateway's image and CI are Debian); elsewhere Trim must do nothing.
        var glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out _);
        // Arrange: 32 MiB of 1 KiB blocks (below the mmap threshold, so in an arena, as librdkafka's records are),
        // freed, with one block allocated after them still live so that glibc cannot shrink the heap's top by itself.
        var blocks = new IntPtr[32 * 1024];
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(1024);
            Marshal.WriteByte(blocks[i], 0, 1);
        }

        var live = Marshal.AllocHGlobal(1024);
        try
        {
            foreach (var block in blocks)
            {
                Marshal.FreeHGlobal(block);
            }

            // Act
            var returned = NativeHeap.Trim();

            // Assert
            Assert.Equal(glibc, returned);
        }
        finally
        {
            Marshal.FreeHGlobal(live);
        }
    }
}
