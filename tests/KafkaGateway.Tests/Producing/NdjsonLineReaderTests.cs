using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

public sealed class NdjsonLineReaderTests
{
    [Fact]
    public async Task ReadChunk_CrLfBlankLinesAndNoFinalNewline_ReadsEveryValueWithItsLineNumber()
    {
        var reader = Reader("{\"a\":1}\r\n\n  \n{\"a\":2}\n{\"a\":3}", maxLineBytes: 1024);
        using var chunk = new NdjsonChunk();

        await reader.ReadChunkAsync(chunk, maxRecords: 10, maxBytes: 1 << 20, CancellationToken.None);

        Assert.Empty(chunk.Errors);
        Assert.Equal([1, 2, 3], chunk.Values.Select(v => v.GetProperty("a").GetInt32()));
        Assert.Equal([1L, 4L, 5L], Enumerable.Range(0, 3).Select(chunk.LineOf));
        Assert.Equal(3, reader.Records);
    }

    [Fact]
    public async Task ReadChunk_MoreLinesThanAChunk_SplitsThemInOrderAcrossChunks()
    {
        var text = string.Concat(Enumerable.Range(1, 25).Select(i => $"{{\"i\":{i}}}\n"));
        var reader = Reader(text, maxLineBytes: 1024, segment: 7);
        var seen = new List<int>();

        for (var round = 0; round < 4; round++)
        {
            using var chunk = new NdjsonChunk();
            await reader.ReadChunkAsync(chunk, maxRecords: 10, maxBytes: 1 << 20, CancellationToken.None);
            Assert.True(chunk.Count <= 10);
            seen.AddRange(chunk.Values.Select(v => v.GetProperty("i").GetInt32()));
        }

        Assert.Equal(Enumerable.Range(1, 25), seen);
    }

    [Fact]
    public async Task ReadChunk_LineOverTheLimit_IsReportedWithoutStoppingTheNextLines()
    {
        var reader = Reader("{\"a\":1}\n{\"pad\":\"" + new string('x', 5000) + "\"}\n{\"a\":3}\nnot json\n", maxLineBytes: 1024, segment: 512);
        using var chunk = new NdjsonChunk();

        await reader.ReadChunkAsync(chunk, maxRecords: 10, maxBytes: 1 << 20, CancellationToken.None);

        Assert.Equal([2L, 4L], chunk.Errors.Select(e => e.Line));
        Assert.Contains("Producer:MaxValueLineBytes", chunk.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("not a JSON value", chunk.Errors[1].Message, StringComparison.Ordinal);
        Assert.Equal(2, chunk.Values.Count);
        Assert.Equal(4, reader.Records);
    }

    [Fact]
    public async Task Drain_AfterAChunk_CountsTheRemainingValueLines()
    {
        var reader = Reader("{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n{\"a\":4}", maxLineBytes: 1024);
        using var chunk = new NdjsonChunk();

        await reader.ReadChunkAsync(chunk, maxRecords: 1, maxBytes: 1 << 20, CancellationToken.None);
        await reader.DrainAsync(CancellationToken.None);

        Assert.Single(chunk.Values);
        Assert.Equal(4, reader.Records);
    }

    private static NdjsonLineReader Reader(string text, int maxLineBytes, int segment = 4096)
    {
        var pipe = new Pipe();
        var bytes = Encoding.UTF8.GetBytes(text);
        _ = Task.Run(async () =>
        {
            // Written in small pieces, so lines straddle reads.
            for (var offset = 0; offset < bytes.Length; offset += segment)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(segment, bytes.Length - offset)));
            }

            await pipe.Writer.CompleteAsync();
        });
        return new NdjsonLineReader(pipe.Reader, maxLineBytes, maxDepth: 64);
    }
}
