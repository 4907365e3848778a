using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Http;

/// <summary>
/// A 200 <c>application/json</c> answer written with a fixed <see cref="JsonTypeInfo{T}"/> (source-generated, so no
/// reflection and no per-request serializer state), for actions whose success answer is JSON whatever the client's
/// <c>Accept</c> says. That is what MVC answers them too (<c>[Produces("application/json")]</c>, no
/// <c>ReturnHttpNotAcceptable</c>), but through an <see cref="ObjectResult"/>, output-formatter selection and content
/// negotiation on every request (~7 % of the single-record produce CPU profile). Errors are not answered here: they
/// are thrown and become <c>application/problem+json</c> through the exception handler as before.
/// </summary>
internal sealed class JsonAnswer<T>(T value, JsonTypeInfo<T> typeInfo) : IActionResult
{
    /// <summary>What MVC's JSON output formatter sends.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>
    /// Serializes into a per-thread buffer, then hands Kestrel the whole body with its length in one write: Kestrel
    /// writes the headers straight into the connection's pipe with <c>Content-Length</c> and the body after them, and
    /// flushes. Serializing into the response's pipe before the headers were written made Kestrel lease a block for the
    /// early bytes, copy them behind the headers at the flush, frame them as a chunk (<c>Transfer-Encoding:
    /// chunked</c>, since the length was not known) and write the closing chunk at the end of the request. The body
    /// bytes and the other headers are the same. No async frame unless the write has to wait for the connection.
    /// </summary>
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.ContentType = ContentType;
        var body = JsonAnswerWriter.Serialize(value, typeInfo);
        response.ContentLength = body.WrittenCount;
        var write = response.BodyWriter.WriteAsync(body.WrittenMemory, context.HttpContext.RequestAborted);
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            JsonAnswerWriter.Done(body);
            return Task.CompletedTask;
        }

        // The pending write may still read the buffer: this thread's next answer gets a new one, and this one goes
        // back to the pool when the write is over.
        JsonAnswerWriter.Release(body);
        return AwaitWriteAsync(write, body);
    }

    private static async Task AwaitWriteAsync(ValueTask<System.IO.Pipelines.FlushResult> write, PooledBufferWriter body)
    {
        try
        {
            await write;
        }
        finally
        {
            body.Dispose();
        }
    }
}

/// <summary>One reusable <see cref="Utf8JsonWriter"/> per thread; serialization is synchronous, so it never crosses an await.</summary>
internal static class JsonAnswerWriter
{
    // Reset to this when done, so a cached writer does not keep the last request's pipe reachable (never written to).
    private static readonly System.Buffers.ArrayBufferWriter<byte> s_detached = new(1);

    // A thread's body buffer starts at this, and one that grew beyond the second for a large answer (a batch of many
    // records) gives its array back to the pool instead of keeping it for the next answer.
    private const int InitialBufferBytes = 512;
    private const int KeptBufferBytes = 16 * 1024;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static PooledBufferWriter? t_body;

    /// <summary>
    /// <paramref name="value"/> serialized into this thread's body buffer, valid until this thread's next call; the
    /// caller then calls <see cref="Done"/>, or <see cref="Release"/> when it needs the bytes longer (an asynchronous
    /// write) and disposes the buffer itself.
    /// </summary>
    public static PooledBufferWriter Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var body = t_body ??= new PooledBufferWriter(InitialBufferBytes);
        body.Reset(KeptBufferBytes);
        Write(body, value, typeInfo);
        return body;
    }

    /// <summary>The answer in <paramref name="body"/> was sent: a large array goes back to the pool now.</summary>
    public static void Done(PooledBufferWriter body) => body.Reset(KeptBufferBytes);

    /// <summary>Gives up this thread's claim on <paramref name="body"/> (the next <see cref="Serialize"/> takes a new buffer).</summary>
    public static void Release(PooledBufferWriter body)
    {
        if (ReferenceEquals(t_body, body))
        {
            t_body = null;
        }
    }

    public static void Write<T>(System.Buffers.IBufferWriter<byte> output, T value, JsonTypeInfo<T> typeInfo)
    {
        var writer = t_writer;
        if (writer is null || writer.Options.Encoder != typeInfo.Options.Encoder || writer.Options.Indented != typeInfo.Options.WriteIndented)
        {
            // The writer options the serializer itself would derive from these serializer options.
            writer = new Utf8JsonWriter(output, new JsonWriterOptions
            {
                Encoder = typeInfo.Options.Encoder,
                Indented = typeInfo.Options.WriteIndented,
                SkipValidation = true,
            });
            t_writer = writer;
        }
        else
        {
            writer.Reset(output);
        }

        try
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
            writer.Flush();
        }
        finally
        {
            // Let go of the response's pipe (the writer outlives the request).
            writer.Reset(s_detached);
        }
    }
}
