using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Http;

/// <summary>
/// Reads a <c>[FromBody] JsonElement</c> into pooled memory: the body bytes go to an <see cref="ArrayPool{T}"/>
/// buffer and the document is parsed in place, both returned when the response is done. MVC's System.Text.Json
/// formatter instead copies the body and its token table into fresh arrays per request, which for a batch of
/// 1,000 records (~100 KB of JSON) lands on the large object heap and drives full collections (the 1,000-record
/// produce benchmark found this). Errors are reported like that formatter's: a model-state entry at the JSON path.
/// </summary>
internal sealed class PooledJsonElementInputFormatter : InputFormatter
{
    public PooledJsonElementInputFormatter()
    {
        SupportedMediaTypes.Add("application/json");
        SupportedMediaTypes.Add("text/json");
        SupportedMediaTypes.Add("application/*+json");
    }

    protected override bool CanReadType(Type type) => type == typeof(JsonElement);

    public override async Task<InputFormatterResult> ReadRequestBodyAsync(InputFormatterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var httpContext = context.HttpContext;
        var body = await ReadAllAsync(httpContext.Request.BodyReader, httpContext.RequestAborted);
        if (body.Length == 0)
        {
            body.Dispose();
            context.ModelState.TryAddModelError("$", "A non-empty request body is required.");
            return InputFormatterResult.Failure();
        }

        var maxDepth = httpContext.RequestServices.GetService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>()?.Value.JsonSerializerOptions.MaxDepth ?? 0;
        try
        {
            body.Document = JsonDocument.Parse(body.Memory, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException ex)
        {
            body.Dispose();
            context.ModelState.TryAddModelError(ex.Path ?? "$", ex.Message);
            return InputFormatterResult.Failure();
        }

        // Disposed after the response is written: nothing holds the element beyond the request.
        httpContext.Response.RegisterForDispose(body);
        return InputFormatterResult.Success(body.Document.RootElement);
    }

    private static async Task<PooledBody> ReadAllAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var body = new PooledBody();
        try
        {
            while (true)
            {
                // The body size is capped by Kestrel's MaxRequestBodySize (Security:Limits:MaxRequestBodyBytes).
                var read = await reader.ReadAsync(cancellationToken);
                foreach (var segment in read.Buffer)
                {
                    body.Append(segment.Span);
                }

                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return body;
                }
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The body in a rented buffer and the document parsed over it.</summary>
    private sealed class PooledBody : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);

        public int Length { get; private set; }

        public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

        public JsonDocument? Document { get; set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (Length + bytes.Length > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + bytes.Length));
                _buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            bytes.CopyTo(_buffer.AsSpan(Length));
            Length += bytes.Length;
        }

        public void Dispose()
        {
            Document?.Dispose();
            Document = null;
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }
    }
}
