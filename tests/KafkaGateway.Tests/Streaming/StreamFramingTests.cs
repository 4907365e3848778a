using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using KafkaGateway.Streaming;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Tests.Streaming;

public sealed class StreamFramingTests
{
    [Fact]
    public async Task WriteEvent_RecordWithCrLfEverywhere_ParsesBackByteIdentical()
    {
        var record = new StreamRecord("t", 0, 1, 2, "k\r\n", new Dictionary<string, string> { ["h\n"] = "\r\nv" },
            JsonSerializer.SerializeToElement("a\r\nb\rc\n\ndata: x"), null);
        var output = new ArrayBufferWriter<byte>();

        EventStreamResponder.WriteEvent(output, "record", "id1", JsonSerializer.SerializeToUtf8Bytes(record, StreamJson.Options));
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(new MemoryStream(output.WrittenSpan.ToArray())).EnumerateAsync())
        {
            items.Add(item);
        }

        var item0 = Assert.Single(items);
        Assert.Equal("record", item0.EventType);
        Assert.Equal("id1", item0.EventId);
        var parsed = JsonDocument.Parse(item0.Data).RootElement;
        Assert.Equal("a\r\nb\rc\n\ndata: x", parsed.GetProperty("value").GetString());
        Assert.Equal("k\r\n", parsed.GetProperty("key").GetString());
        Assert.Equal("\r\nv", parsed.GetProperty("headers").GetProperty("h\n").GetString());
    }

    [Fact]
    public async Task WriteEvent_DataWithRawLineBreaks_SplitsIntoDataLinesThatParseBack()
    {
        var output = new ArrayBufferWriter<byte>();

        EventStreamResponder.WriteEvent(output, "notice", null, Encoding.UTF8.GetBytes("one\r\ntwo\rthree\nfour"));
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(new MemoryStream(output.WrittenSpan.ToArray())).EnumerateAsync())
        {
            items.Add(item);
        }

        Assert.Equal("one\ntwo\nthree\nfour", Assert.Single(items).Data);
    }

    [Fact]
    public void StreamFilter_PartitionKeyAndHeaders_MatchOnlyWhenAllHold()
    {
        var record = new ConsumedRecord("t", 2, 0, 0, "k1", [KeyValuePair.Create("tenant", "acme"), KeyValuePair.Create("kind", "a")], null);

        Assert.True(StreamFilter.None.Matches(record));
        Assert.True(new StreamFilter(new HashSet<int> { 2 }, "k1", [KeyValuePair.Create("tenant", "acme")]).Matches(record));
        Assert.False(new StreamFilter(new HashSet<int> { 0, 1 }, null, []).Matches(record));
        Assert.False(new StreamFilter(null, "k2", []).Matches(record));
        Assert.False(new StreamFilter(null, null, [KeyValuePair.Create("tenant", "acme"), KeyValuePair.Create("kind", "b")]).Matches(record));
    }

    [Fact]
    public void ConsumedRecordText_InvalidUtf8_IsBase64()
    {
        Assert.Equal("héllo", ConsumedRecord.Text(Encoding.UTF8.GetBytes("héllo")));
        Assert.Equal(Convert.ToBase64String(new byte[] { 0xC3, 0x28 }), ConsumedRecord.Text([0xC3, 0x28]));
        Assert.Null(ConsumedRecord.Text(null));
    }

    [Fact]
    public void OptionsValidator_OutOfRange_NamesTheKey()
    {
        var result = new StreamingOptionsValidator().Validate(null, new StreamingOptions { HeartbeatSeconds = 0, SubscriberBufferSize = 0 });

        Assert.True(result.Failed);
        Assert.Contains("Streaming:HeartbeatSeconds", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Streaming:SubscriberBufferSize", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new StreamingOptionsValidator().Validate(null, new StreamingOptions()).Succeeded);
    }
}
