using System.Text;
using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Producing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace KafkaGateway.Tests.Http;

/// <summary>How <see cref="JsonAnswer{T}"/> writes: MVC's bytes and content type, with the body's length declared.</summary>
public sealed class JsonAnswerTests
{
    [Fact]
    public async Task ExecuteResultAsync_ProduceResponse_WritesMvcBytesWithContentTypeAndLength()
    {
        // Arrange
        var response = new ProduceResponse("sensors", 7, 3, [new ProducedRecord(0, 41, 1732270000000)]);
        var http = new DefaultHttpContext();
        using var body = new MemoryStream();
        http.Response.Body = body;
        var context = new ActionContext(http, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor());

        // Act
        await new JsonAnswer<ProduceResponse>(response, ProducingJsonContext.Default.ProduceResponse).ExecuteResultAsync(context);

        // Assert
        var expected = JsonSerializer.Serialize(response, new JsonOptions().JsonSerializerOptions);
        Assert.Equal(expected, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), http.Response.ContentLength);
        Assert.Equal("application/json; charset=utf-8", http.Response.ContentType);
    }

    [Fact]
    public void Serialize_TwiceOnOneThread_ReusesTheBufferUnlessReleased()
    {
        var first = new ProduceResponse("a", null, null, [new ProducedRecord(0, 1, 2)]);
        var second = new ProduceResponse("bb", null, null, []);

        var buffer = JsonAnswerWriter.Serialize(first, ProducingJsonContext.Default.ProduceResponse);
        var firstText = Encoding.UTF8.GetString(buffer.WrittenSpan);
        var reused = JsonAnswerWriter.Serialize(second, ProducingJsonContext.Default.ProduceResponse);
        var secondText = Encoding.UTF8.GetString(reused.WrittenSpan);
        JsonAnswerWriter.Release(reused);
        var fresh = JsonAnswerWriter.Serialize(first, ProducingJsonContext.Default.ProduceResponse);

        Assert.Same(buffer, reused);
        Assert.Equal(JsonSerializer.Serialize(second, new JsonOptions().JsonSerializerOptions), secondText);
        // A released buffer (an asynchronous write still reading it) is not written again.
        Assert.NotSame(reused, fresh);
        Assert.Equal(secondText, Encoding.UTF8.GetString(reused.WrittenSpan));
        Assert.Equal(firstText, Encoding.UTF8.GetString(fresh.WrittenSpan));
        reused.Dispose();
    }

    [Fact]
    public void Serialize_LargeAnswer_ExactBytesThenTheLargeArrayGoesBackAtDone()
    {
        var records = Enumerable.Range(0, 1000).Select(i => new ProducedRecord(i % 3, 1_000_000 + i, 1732270000000 + i)).ToArray();
        var large = new ProduceResponse("sensors", 7, 3, records);

        var body = JsonAnswerWriter.Serialize(large, ProducingJsonContext.Default.ProduceResponse);
        var text = Encoding.UTF8.GetString(body.WrittenSpan);
        var grown = body.Capacity;
        JsonAnswerWriter.Done(body);

        Assert.Equal(JsonSerializer.Serialize(large, new JsonOptions().JsonSerializerOptions), text);
        Assert.True(grown > 16 * 1024, $"capacity {grown}");
        Assert.True(body.Capacity <= 16 * 1024, $"capacity {body.Capacity} kept after Done");
        Assert.Equal(0, body.WrittenCount);
    }
}
