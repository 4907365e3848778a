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

    /// <inheritdoc />
    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.ContentType = ContentType;
        JsonAnswerWriter.Write(response.BodyWriter, value, typeInfo);
        await response.BodyWriter.FlushAsync(context.HttpContext.RequestAborted);
    }
}

/// <summary>One reusable <see cref="Utf8JsonWriter"/> per thread; serialization is synchronous, so it never crosses an await.</summary>
internal static class JsonAnswerWriter
{
    // Reset to this when done, so a cached writer does not keep the last request's pipe reachable (never written to).
    private static readonly System.Buffers.ArrayBufferWriter<byte> s_detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

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
