using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace KafkaGateway.Http;

/// <summary>
/// A JSON request body in pooled memory: the bytes go to an <see cref="ArrayPool{T}"/> buffer and the document is
/// parsed in place; <see cref="Dispose"/> returns both. MVC's System.Text.Json formatter instead copies the body and
/// its token table into fresh arrays per request, which for a batch of 1,000 records (~100 KB of JSON) lands on the
/// large object heap and drives full collections (the 1,000-record produce benchmark found this). Used by
/// <see cref="PooledJsonElementInputFormatter"/> for <c>[FromBody] JsonElement</c> actions and read directly by the
/// native produce action, which skips MVC's body binding altogether.
/// </summary>
internal sealed class PooledJsonBody : IDisposable
{
    /// <summary>Said for an empty body, as MVC says it for a required body that is missing.</summary>
    public const string EmptyBodyMessage = "A non-empty request body is required.";

    /// <summary>What is rented first when the request says no length (chunked); a known length is rented as it is.</summary>
    private const int UnknownLengthBuffer = 4096;

    /// <summary>The most rented up front for a declared length: the buffer grows as bytes really arrive beyond it.</summary>
    private const int MaxUpFrontBuffer = 1024 * 1024;

    private readonly PooledBufferWriter _bytes;
    private JsonDocument? _document;

    private PooledJsonBody(long? contentLength)
    {
        // Sized to the body (a 64-byte sensor reading takes a 64-byte array, not 4 KB), so a request holds the pool's
        // smallest buffer that fits; Kestrel enforces the body-size limit while reading, whatever the header says.
        _bytes = new PooledBufferWriter(contentLength is > 0 and var length ? (int)Math.Min(length, MaxUpFrontBuffer) : UnknownLengthBuffer);
    }

    /// <summary>The parsed body; valid until <see cref="Dispose"/>.</summary>
    public JsonElement Root => _document?.RootElement ?? default;

    /// <summary>
    /// Reads and parses the whole body. On failure <c>Body</c> is null and <c>Path</c>/<c>Message</c> say what is wrong
    /// (<c>$</c> for an empty body, the parser's JSON path and position for malformed JSON), as MVC's JSON formatter
    /// would put them in model state.
    /// </summary>
    /// <param name="request">The request; its size is capped by Kestrel's MaxRequestBodySize (Security:Limits:MaxRequestBodyBytes).</param>
    /// <param name="maxDepth">The parser's depth limit (Security:Limits:MaxJsonDepth through MVC's JsonOptions); 0 = default.</param>
    public static async ValueTask<(PooledJsonBody? Body, string? Path, string? Message)> ReadAsync(HttpRequest request, int maxDepth)
    {
        var body = new PooledJsonBody(request.ContentLength);
        try
        {
            var reader = request.BodyReader;
            var cancellationToken = request.HttpContext.RequestAborted;
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken);
                foreach (var segment in read.Buffer)
                {
                    body._bytes.Append(segment.Span);
                }

                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            if (body._bytes.WrittenCount == 0)
            {
                body.Dispose();
                return (null, "$", EmptyBodyMessage);
            }

            body._document = JsonDocument.Parse(body._bytes.WrittenMemory, new JsonDocumentOptions { MaxDepth = maxDepth });
            return (body, null, null);
        }
        catch (JsonException ex)
        {
            body.Dispose();
            return (null, ex.Path ?? "$", ex.Message);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Returns the buffer and the document's token table to the pool; <see cref="Root"/> may no longer be read. Safe to
    /// call more than once (the produce path releases the body as soon as its records are encoded, the action again at
    /// its end), from one thread at a time.
    /// </summary>
    public void Dispose()
    {
        _document?.Dispose();
        _document = null;
        _bytes.Dispose();
    }
}
