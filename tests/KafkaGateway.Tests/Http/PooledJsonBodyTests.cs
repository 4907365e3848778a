using System.Text;
using KafkaGateway.Http;
using Microsoft.AspNetCore.Http;

namespace KafkaGateway.Tests.Http;

/// <summary>
/// The body is rented at its declared length and grows when more arrives (a chunked body declares none); a second
/// Dispose (the produce path releases the body early, the action again at its end) is harmless.
/// </summary>
public sealed class PooledJsonBodyTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadAsync_BodyLargerThanTheFirstBuffer_ParsesAllOfIt(bool declareLength)
    {
        var json = "{\"records\":[" + string.Join(",", Enumerable.Range(0, 500).Select(i => $"{{\"value\":{{\"id\":\"s-{i}\"}}}}")) + "]}";
        var request = Request(json, declareLength ? Encoding.UTF8.GetByteCount(json) : null);

        var (body, path, message) = await PooledJsonBody.ReadAsync(request, 0);

        Assert.Null(path);
        Assert.Null(message);
        using (body)
        {
            Assert.Equal(500, body!.Root.GetProperty("records").GetArrayLength());
            Assert.Equal("s-499", body.Root.GetProperty("records")[499].GetProperty("value").GetProperty("id").GetString());
        }
    }

    [Fact]
    public async Task Dispose_Twice_LeavesNothingToRead()
    {
        var (body, _, _) = await PooledJsonBody.ReadAsync(Request("""{"value":1}""", 11), 0);

        body!.Dispose();
        body.Dispose();

        Assert.Equal(System.Text.Json.JsonValueKind.Undefined, body.Root.ValueKind);
    }

    [Fact]
    public async Task ReadAsync_EmptyBody_AnswersWhatMvcSays()
    {
        var (body, path, message) = await PooledJsonBody.ReadAsync(Request("", 0), 0);

        Assert.Null(body);
        Assert.Equal("$", path);
        Assert.Equal(PooledJsonBody.EmptyBodyMessage, message);
    }

    private static HttpRequest Request(string json, long? contentLength)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(json));
        context.Request.ContentLength = contentLength;
        return context.Request;
    }
}
