using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using KafkaGateway.Http;

namespace KafkaGateway.Producing;

/// <summary>A problem with one NDJSON line; <see cref="Path"/> is a JSON path into that line's value.</summary>
/// <param name="Line">The line number, from 1.</param>
/// <param name="Path">Where in the line's value.</param>
/// <param name="Message">What is wrong.</param>
public sealed record LineError(long Line, string Path, string Message);

/// <summary>
/// Reads an NDJSON body (one JSON value per line, <c>\n</c> or <c>\r\n</c>; blank lines are skipped) from the request's
/// <see cref="PipeReader"/> in chunks: only the lines of the chunk being read are held, never the body. A line longer
/// than <c>Producer:MaxValueLineBytes</c> is reported and skipped without being buffered.
/// </summary>
internal sealed class NdjsonLineReader(PipeReader body, int maxLineBytes, int maxDepth)
{
    private long _line;
    private bool _skipping;
    private bool _completed;

    /// <summary>Lines with a value (valid or not) read so far.</summary>
    public long Records { get; private set; }

    /// <summary>Reads lines into <paramref name="chunk"/> until it holds <paramref name="maxRecords"/> lines or <paramref name="maxBytes"/> of text, or the body ends.</summary>
    public async Task ReadChunkAsync(NdjsonChunk chunk, int maxRecords, int maxBytes, CancellationToken cancellationToken)
    {
        while (!_completed && chunk.Count < maxRecords && chunk.Bytes < maxBytes)
        {
            var read = await body.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var full = false;
            while (true)
            {
                if (chunk.Count >= maxRecords || chunk.Bytes >= maxBytes)
                {
                    full = true;
                    break;
                }

                var end = buffer.PositionOf((byte)'\n');
                if (end is null)
                {
                    break;
                }

                Take(chunk, buffer.Slice(0, end.Value));
                buffer = buffer.Slice(buffer.GetPosition(1, end.Value));
            }

            if (!full && read.IsCompleted)
            {
                // The last line may end without a newline.
                if (!buffer.IsEmpty)
                {
                    Take(chunk, buffer);
                    buffer = buffer.Slice(buffer.End);
                }

                _completed = true;
            }
            else if (!full && buffer.Length > maxLineBytes)
            {
                // No newline within the limit: report the line now and drop its bytes as they come.
                if (!_skipping)
                {
                    Records++;
                    chunk.Fail(_line + 1, $"the line has more than {maxLineBytes} bytes; at most {maxLineBytes} per value (Producer:MaxValueLineBytes)");
                    _skipping = true;
                }

                buffer = buffer.Slice(buffer.End);
            }

            // A full chunk may leave whole lines in the buffer: examined only up to where it stopped, so the next
            // read returns them at once instead of waiting for more data.
            if (full)
            {
                body.AdvanceTo(buffer.Start);
            }
            else
            {
                body.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        chunk.Parse(maxDepth);
    }

    /// <summary>Reads the rest of the body, counting its lines with a value, after production stopped.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var content = false;
        while (!_completed)
        {
            var read = await body.ReadAsync(cancellationToken);
            foreach (var segment in read.Buffer)
            {
                foreach (var b in segment.Span)
                {
                    if (b == (byte)'\n')
                    {
                        Records += content && !_skipping ? 1 : 0;
                        content = false;
                        _skipping = false;
                    }
                    else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                    {
                        content = true;
                    }
                }
            }

            body.AdvanceTo(read.Buffer.End);
            _completed = read.IsCompleted;
        }

        Records += content && !_skipping ? 1 : 0;
    }

    private void Take(NdjsonChunk chunk, ReadOnlySequence<byte> line)
    {
        _line++;
        if (_skipping)
        {
            // The end of a line already reported as too long.
            _skipping = false;
            return;
        }

        line = Trim(line);
        if (line.IsEmpty)
        {
            return;
        }

        Records++;
        if (line.Length > maxLineBytes)
        {
            chunk.Fail(_line, $"the line has {line.Length} bytes; at most {maxLineBytes} per value (Producer:MaxValueLineBytes)");
            return;
        }

        chunk.Add(line, _line);
    }

    private static ReadOnlySequence<byte> Trim(ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(line);
        reader.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r');
        line = line.Slice(reader.Position);
        // Trailing whitespace and the \r of \r\n.
        var length = line.Length;
        while (length > 0)
        {
            var last = line.Slice(length - 1, 1).FirstSpan[0];
            if (last is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                break;
            }

            length--;
        }

        return line.Slice(0, length);
    }
}

/// <summary>
/// One chunk of NDJSON lines: their text in one pooled buffer, and once read, one parsed value per line (or the
/// line's problem). Disposed when its records are produced.
/// </summary>
internal sealed class NdjsonChunk : IDisposable
{
    private readonly List<(int Offset, int Length, long Line)> _lines = [];
    private readonly List<JsonDocument> _documents = [];
    private readonly List<long> _valueLines = [];
    private readonly PooledBufferWriter _text = new(16 * 1024);

    /// <summary>Lines with a value in this chunk (valid or not).</summary>
    public int Count => _lines.Count + Errors.Count;

    /// <summary>Bytes of text held.</summary>
    public int Bytes => _text.WrittenCount;

    /// <summary>The parsed values, in line order (when <see cref="Errors"/> is empty, one per line).</summary>
    public List<JsonElement> Values { get; } = [];

    /// <summary>Lines that are no JSON value or too long.</summary>
    public List<LineError> Errors { get; } = [];

    /// <summary>The first line of the chunk, or 0 when empty.</summary>
    public long FirstLine { get; private set; }

    /// <summary>The last line of the chunk, or 0 when empty.</summary>
    public long LastLine { get; private set; }

    /// <summary>The line of value <paramref name="index"/>.</summary>
    public long LineOf(int index) => index >= 0 && index < _valueLines.Count ? _valueLines[index] : FirstLine;

    public void Add(ReadOnlySequence<byte> line, long number)
    {
        var length = (int)line.Length;
        _lines.Add((Bytes, length, number));
        line.CopyTo(_text.GetSpan(length));
        _text.Advance(length);
        Mark(number);
    }

    public void Fail(long number, string message)
    {
        Errors.Add(new LineError(number, "$", message));
        Mark(number);
    }

    /// <summary>Parses every line (after the chunk is read: the text buffer no longer moves).</summary>
    public void Parse(int maxDepth)
    {
        var options = new JsonDocumentOptions { MaxDepth = maxDepth };
        foreach (var (offset, length, line) in _lines)
        {
            try
            {
                var document = JsonDocument.Parse(_text.WrittenMemory.Slice(offset, length), options);
                _documents.Add(document);
                Values.Add(document.RootElement);
                _valueLines.Add(line);
            }
            catch (JsonException ex)
            {
                Errors.Add(new LineError(line, ex.Path ?? "$", "not a JSON value: " + ex.Message));
            }
        }

        Errors.Sort((a, b) => a.Line.CompareTo(b.Line));
    }

    public void Dispose()
    {
        foreach (var document in _documents)
        {
            document.Dispose();
        }

        _documents.Clear();
        _text.Dispose();
    }

    private void Mark(long number)
    {
        FirstLine = FirstLine == 0 ? number : FirstLine;
        LastLine = number;
    }
}
